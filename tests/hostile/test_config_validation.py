"""Hostile configuration and rule regexes, end to end (findings H9 and H10).

H9: an identifier with a trailing newline (or another whitespace/Unicode trick) is rejected by the
CLI and by a plain `dbt build`, naming the field, before any model runs.
H10: a filter regex is judged by what the engine runs (RE2 on DuckDB, Joni on Trino): one that
Python's `re` accepts but RE2 does not is rejected at validation; the constructs RE2 and Joni read
differently mean on Trino what they mean on DuckDB; a rule Regexp operand the engine cannot run
flags that one segment instead of breaking the build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.cli import main
from orchestrate.dbt_runner import DbtFailed, run_dbt
from orchestrate.regexes import joni_problem
from orchestrate.rules import RuleCompileError, compile_rule
from segment_analytics_sandbox.rules import all_of, attr, op, rule
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, build_landing_fixture
from tests.fixtures.trino import TrinoServer
from tests.integration.dbt.test_config_validation import REGEX_CONFIGS, python_problems
from tests.integration.history.world import DAY1, PS_SHOP, country_rule, duckdb_world

pytestmark = pytest.mark.timeout(900)


def _metrics(**changes: Any) -> list[dict[str, Any]]:
    metrics = fixture_config()["metrics"]
    metrics[0].update(changes)
    return metrics


def _tables(workspace: DbtWorkspace) -> list[str]:
    if not workspace.db_path.exists():
        return []
    return [name for (name,) in workspace.query(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and not starts_with(table_name, 'cdp_landing__')")]


def _cli(workspace: DbtWorkspace, config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(workspace.profiles_dir),
                 "--run-date", RUN_DATE.isoformat(), "--vars", json.dumps({"segment_analytics": config})])
    return code, capsys.readouterr().err


HOSTILE_CONFIGS = [
    pytest.param(fixture_config(metrics=_metrics(metric="orders\n")), "metrics[0].metric", "'orders\\n'",
                 id="metric-trailing-newline"),
    pytest.param(fixture_config(project_prefix="sa\n"), "project_prefix", "'sa\\n'", id="prefix-trailing-newline"),
    pytest.param(fixture_config(profile_id_column="td_canonical_id\n"), "profile_id_column",
                 "'td_canonical_id\\n'", id="column-trailing-newline"),
    pytest.param(fixture_config(metrics=_metrics(join_key="td_canonical_id\u200b")), "metrics[0].join_key",
                 "'td_canonical_id\\u200b'", id="join-key-zero-width-space"),
    pytest.param(fixture_config(metrics=_metrics(unixtime_col="time ")), "metrics[0].unixtime_col", "'time '",
                 id="time-column-trailing-space"),
    pytest.param(fixture_config(metrics=_metrics(source="demo_behaviors.\uff4frders")), "metrics[0].source",
                 "'demo_behaviors.\uff4frders'", id="source-fullwidth-letter"),
    pytest.param(fixture_config(landing_schema="main\r\n"), "landing_schema", "'main\\r\\n'",
                 id="schema-crlf"),
    pytest.param(fixture_config(filters={"segments_to_include": "(?=vip)"}), "filters.segments_to_include",
                 "lookahead", id="regex-lookahead"),
    pytest.param(fixture_config(filters={"segments_to_include": "(vip)\\1"}), "filters.segments_to_include",
                 "backreferences", id="regex-backreference"),
    pytest.param(fixture_config(filters={"ps_to_include": "vip*+"}), "filters.ps_to_include", "possessive",
                 id="regex-possessive"),
    pytest.param(fixture_config(filters={"folders_to_include": "(a+)+$"}), "filters.folders_to_include",
                 "backtrack", id="regex-nested-quantifier"),
]


@pytest.mark.parametrize(("config", "field", "shown"), HOSTILE_CONFIGS)
def test_plain_dbt_build_rejects_before_any_model(dbt_workspace: DbtWorkspace, config: dict[str, Any],
                                                  field: str, shown: str) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    message = str(caught.value)
    line = next(line for line in message.splitlines() if f"segment_analytics.{field}:" in line)
    assert shown in line
    assert _tables(dbt_workspace) == []  # no model, snapshot or mart was written


@pytest.mark.parametrize(("config", "field", "shown"), HOSTILE_CONFIGS)
def test_cli_rejects_before_dbt_runs(dbt_workspace: DbtWorkspace, capsys: pytest.CaptureFixture[str],
                                     config: dict[str, Any], field: str, shown: str) -> None:
    code, err = _cli(dbt_workspace, config, capsys)
    assert code == 2
    line = next(line for line in err.splitlines() if f"segment_analytics.{field}:" in line)
    assert shown in line
    assert not dbt_workspace.db_path.exists()


def test_regex_python_accepts_but_re2_rejects_is_caught_by_both(
        dbt_workspace: DbtWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    """`[z-a]`-style mistakes pass the portable scan; the engine itself is asked (through dbt on the
    target, through in-process DuckDB by the CLI). Python's `re` would accept `(?=x)` and `\\1`."""
    assert re.compile("(?=x)|(a)\\1|a*+")  # Python's own re reads all of these
    config = fixture_config(filters={"segments_to_include": "[z-a]"})
    code, err = _cli(dbt_workspace, config, capsys)
    assert code == 2
    assert "segment_analytics.filters.segments_to_include: invalid regex '[z-a]' (RE2 (DuckDB) rejects it: " \
           "invalid character class range" in err
    build_landing_fixture(dbt_workspace.db_path)
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    assert "segment_analytics.filters.segments_to_include: invalid regex '[z-a]' (RE2 (DuckDB) rejects it)" \
        in str(caught.value)
    assert _tables(dbt_workspace) == []


def test_rule_regexp_the_engine_cannot_run_flags_only_that_segment(tmp_path: Path) -> None:
    """A segment whose rule has a Regexp operand RE2 cannot compile (a lookahead, valid on TD's
    Joni) gets a compile error naming the operand; the pull and the build go on for the rest."""
    with duckdb_world(tmp_path, "regexp.duckdb") as world:
        state, workspace = world.state, world.warehouse.workspace
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        lookahead = rule(all_of(attr("country", op("Regexp", rightValue="^(?=j)p"))))
        state.add_segment(PS_SHOP, "Lookahead", lookahead, updated_by="Alice", segment_id="6301")
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id="6302")
        world.shop = {"p1": (25, "JP"), "p2": (35, "US")}
        world.run_day(DAY1)
        workspace.dbt(["build", "--select", "int_segments__selected", "--indirect-selection", "cautious"],
                      config=world.config(), run_date=DAY1.isoformat())
    errors = dict(world.query("select s.segment_id, q.error from cdp_landing__segment_sql q join "
                              "cdp_landing__segments s on s.rule_hash = q.rule_hash"))
    assert errors["6302"] is None
    assert "Regexp at conditions[0].conditions[0].operator.rightValue" in errors["6301"]
    assert "DuckDB (RE2) cannot run this regex: invalid perl operator: (?=" in errors["6301"]
    flagged = dict(world.query("select segment_id, member_sql_problem from sa_int_segments__selected"))
    assert flagged["6302"] is None and "invalid perl operator" in flagged["6301"]
    members = world.query("select segment_id, count(*) from sa_int_segment_members group by segment_id")
    assert members == [("6302", 1)]


@pytest.mark.parametrize("pattern", ["(?P<n>a)", "(?U)a+", "(a", "[a", "*a", "a{3,2}", "(x+)+y"])
def test_rule_regexp_trino_cannot_run_is_a_compile_error(pattern: str) -> None:
    with pytest.raises(RuleCompileError) as caught:
        compile_rule(rule(all_of(attr("name", op("Regexp", rightValue=pattern)))), audience_id="1",
                     dialect="trino", segment_id="77")
    assert caught.value.segment_id == "77" and caught.value.construct == "Regexp"
    assert caught.value.path.endswith("operator.rightValue")


# ------------------------------------------------------------------ on a real Trino (Joni)

NAMES = ["vip", "vip\n", "vip\n\n", "\nvip", "gold vip", "caf\u00e9", "caf\u00e9 x", "a\x0bb", "a b", "a\tb",
         "x_vip", "xvip", "q1", "\uff11", "stra\u00dfe"]
# Each pattern reads the same in RE2 and Joni's syntax, but Joni *means* something else for some names.
SEMANTIC_PATTERNS = ["vip$", "^vip$", "^vip", "a\\sb", "a\\Sb", "a[\\s]b", "[^\\s]b$", "\\bvip", "\\Bvip",
                     "\u00e9\\b", "caf\\w", "q\\d", "\\d", "stra\\w+e", "(?s)vip.$", "vip\\z", "^.+$"]


def _trino_profile(folder: Path, server: TrinoServer) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(
        "segment_analytics:\n  target: trino\n  outputs:\n    trino:\n      type: trino\n      method: none\n"
        f"      host: {server.host}\n      port: {server.port}\n      user: segment_analytics_test\n"
        f"      catalog: {server.catalog}\n      schema: sa_regex_probe\n      threads: 1\n", encoding="utf-8")
    return folder


def _run_operation(tmp_path: Path, profiles: Path, target: str, macro: str, args: dict[str, Any],
                   capfd: pytest.CaptureFixture[str], marker: str) -> Any:
    capfd.readouterr()
    run_dbt(["run-operation", macro, "--args", json.dumps(args), "--target-path", str(tmp_path / "target"),
             "--log-path", str(tmp_path / "logs")], project_dir=PROJECT_DIR, profiles_dir=profiles, target=target,
            vars={"segment_analytics": fixture_config()})
    line = next(line for line in capfd.readouterr().out.splitlines() if line.startswith(marker + " "))
    return json.loads(line.split(" ", 1)[1])


def _re2_matches() -> dict[str, list[str]]:
    con = duckdb.connect()
    return {str(i): [name for name in NAMES if con.execute("select regexp_matches(lower(?), ?)",
                                                           [name, pattern]).fetchone()[0]]
            for i, pattern in enumerate(SEMANTIC_PATTERNS)}


@pytest.mark.trino
def test_filter_regexes_mean_on_trino_what_they_mean_on_duckdb(
        trino_server: TrinoServer, dbt_workspace: DbtWorkspace, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    expected = _re2_matches()
    args = {"names": NAMES, "patterns": SEMANTIC_PATTERNS}
    on_duckdb = _run_operation(tmp_path / "duck", dbt_workspace.profiles_dir, "duckdb", "sa_print_regex_matches",
                               args, capfd, "SA_REGEX_MATCHES")
    profiles = _trino_profile(tmp_path / "trino_profiles", trino_server)
    on_trino = _run_operation(tmp_path / "trino", profiles, "trino", "sa_print_regex_matches", args, capfd,
                              "SA_REGEX_MATCHES")
    assert on_duckdb == expected
    assert on_trino == expected
    # the rewrite is what makes them agree: Joni itself reads `vip$`, `\s` and `\b` differently
    raw = trino_server.query("select regexp_like('vip' || chr(10), 'vip$'), "
                             "regexp_like('a' || chr(11) || 'b', 'a\\sb'), regexp_like('caf' || chr(233), "
                             "chr(233) || '\\b')")
    assert raw == [[True, True, True]]
    assert "vip\n" not in expected["0"] and "a\x0bb" not in expected["3"] and "caf\u00e9" not in expected["9"]


@pytest.mark.trino
def test_both_validators_judge_filter_regexes_alike_on_trino(
        trino_server: TrinoServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    profiles = _trino_profile(tmp_path / "profiles", trino_server)
    workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "unused.duckdb")
    found = _trino_dbt_problems(workspace, profiles, capfd)
    for config, dbt in zip(REGEX_CONFIGS, found, strict=True):
        assert [f for f, _ in dbt] == [f for f, _ in python_problems(config)], config["filters"]
    probed = [m for problems in found for _, m in problems if "rejects it" in m]
    assert probed and all("Trino (Joni) rejects it" in m for m in probed)


def _trino_dbt_problems(workspace: DbtWorkspace, profiles: Path,
                        capfd: pytest.CaptureFixture[str]) -> list[list[list[str]]]:
    """dbt_problems of tests/integration/dbt, on the trino target."""
    capfd.readouterr()
    run_dbt(["run-operation", "sa_print_config_problems", "--args", json.dumps({"configs": REGEX_CONFIGS}),
             "--target-path", str(workspace.root / "target"), "--log-path", str(workspace.root / "logs")],
            project_dir=PROJECT_DIR, profiles_dir=profiles, target="trino",
            vars={"segment_analytics": fixture_config()})
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("SA_CONFIG_PROBLEMS ")]
    found = {int(i): json.loads(p) for i, p in (line.split(" ", 2)[1:] for line in lines)}
    return [found[i] for i in range(len(REGEX_CONFIGS))]


JONI_TABLE = ["vip", "(?=x)", "(a)\\1", "a*+", "a**", "(?>a)", "(?<n>a)\\k<n>", "(?#note)a", "(?x) a", "\\Ga",
              "[[:alpha:]]", "[a-z&&[^aeiou]]", "\\Q(\\E", "a{,3}", "(?i:a)", "(?-i)a", "\\p{L}",
              "(?P<n>a)", "(?U)a+", "(a", "a)", "[a", "*a", "a{3,2}", "(?<n>a", "[z-a]", "\\p{Foo}"]


@pytest.mark.trino
def test_joni_check_agrees_with_trino(trino_server: TrinoServer) -> None:
    """What the compiler lets through for Trino, Trino runs; what it rejects as invalid, Trino
    rejects too (the two it cannot see, a bad range and an unknown property, are left to Trino and
    to the member-SQL check of the build)."""
    literals = ", ".join("try(regexp_like('', '" + p.replace("'", "''") + "')) is not null" for p in JONI_TABLE)
    accepted = dict(zip(JONI_TABLE, trino_server.query(f"select {literals}")[0], strict=True))
    ours = {p: joni_problem(p) is None for p in JONI_TABLE}
    assert {p for p in JONI_TABLE if ours[p] and not accepted[p]} == {"[z-a]", "\\p{Foo}"}
    assert {p for p in JONI_TABLE if accepted[p] and not ours[p]} == set()


def test_report_and_publish_identifier_checks_are_full_matches() -> None:
    from orchestrate.publish import PublishError, parse_insights_config
    from orchestrate.report.relations import check_prefix

    with pytest.raises(ValueError, match="project_prefix 'sa\\\\n'"):
        check_prefix("sa\n")
    with pytest.raises(PublishError, match="insights.tables\\[0\\]"):
        parse_insights_config({"model_name": "m", "tables": ["ps_stats\n"]}, "sa")


# ------------------------------------------------------------------ every problem at once

def _everything_wrong() -> dict[str, Any]:
    metrics = _metrics(source="a.b.c", agg="median")
    metrics[1].update(metric="Bad-Name", unixtime_col="x y")
    return fixture_config(
        metrics=metrics, project_prefix="Bad Prefix", colour=1,
        time_window={"type": "interval", "lookback": None, "anchor": "2026-02-30"},
        filters={"ps_to_include": "(unclosed", "v5_flag": "v6"},
        insights={"tables": "x", "shared_users": ["nope"], "join_relations": [["a"]],
                  "change_schema_cols": {"weird": []}},
        freshness={"warn_after_hours": 0})


def test_plain_dbt_build_lists_every_problem_at_once_as_the_cli_does(
        dbt_workspace: DbtWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    config = _everything_wrong()
    expected = [f"segment_analytics.{field}: {message}" for field, message in python_problems(config)]
    assert len(expected) >= 14  # one problem in every part of the configuration
    code, err = _cli(dbt_workspace, config, capsys)
    assert code == 2
    assert [line for line in expected if line in err] == expected
    assert not dbt_workspace.db_path.exists()
    build_landing_fixture(dbt_workspace.db_path)
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    message = str(caught.value)
    assert f"invalid configuration ({len(expected)} problem(s))" in message
    assert [line for line in expected if line in message] == expected
    assert _tables(dbt_workspace) == []


@pytest.mark.parametrize("config", [fixture_config(metrics=[]), {"project_prefix": "sa"}], ids=["empty", "missing"])
def test_no_metrics_stops_the_cli_and_plain_dbt_naming_the_key(
        dbt_workspace: DbtWorkspace, capsys: pytest.CaptureFixture[str], config: dict[str, Any]) -> None:
    from orchestrate.config import NO_METRICS

    line = f"segment_analytics.metrics: {NO_METRICS}"
    code, err = _cli(dbt_workspace, config, capsys)
    assert code == 2 and line in err
    assert not dbt_workspace.db_path.exists()
    build_landing_fixture(dbt_workspace.db_path)
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    assert line in str(caught.value)
    assert _tables(dbt_workspace) == []
