"""dbt's config validation (macros/config/sa_validate_config.sql) and the CLI's
(orchestrate/config/validate.py), both reading the one schema (orchestrate/config/schema.py), name
the same fields with the same messages for the same bad configurations."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from orchestrate.config import MESSAGES, ConfigError, validate_config
from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, build_landing_fixture
from tests.unit.config.test_ab_tests_config import MISTAKES as AB_TEST_MISTAKES
from tests.unit.config.test_alerts_config import MISTAKES as ALERT_MISTAKES


def _metric(**changes: Any) -> list[dict[str, Any]]:
    metrics = fixture_config()["metrics"]
    metrics[0].update(changes)
    return metrics


BAD_CONFIGS: list[dict[str, Any]] = [
    fixture_config(colour="blue"),
    fixture_config(metrics=_metric(agg="median")),
    fixture_config(metrics=_metric(metric="revenue")),
    fixture_config(metrics=_metric(metric="Bad-Name")),
    fixture_config(metrics=_metric(source="a.b.c")),
    fixture_config(metrics=_metric(filter="1 = 1; drop table x")),
    fixture_config(metrics=_metric(agg="count_distinct", agg_col_name="1")),
    fixture_config(metrics=_metric(unknown_key=1)),
    fixture_config(time_window={"type": "interval", "lookback": "30d"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-02-30"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-03-01", "end_date": "2026-02-01"}),
    fixture_config(time_window={"type": "sometimes"}),
    fixture_config(filters={"v5_flag": "v6"}),
    fixture_config(filters={"segments_to_include": "High"}),
    fixture_config(filters={"colour": "x"}),
    fixture_config(segment_sql_source="magic"),
    fixture_config(membership_basis="sometimes"),
    fixture_config(exact_counts="yes"),
    fixture_config(project_prefix="Bad Prefix"),
    fixture_config(profile_id_column="id; drop"),
]

# Hostile names (H9): a trailing newline and other whitespace or Unicode tricks, in every field that
# becomes SQL; both validators must reject each one, naming the field.
TRICKS = ["orders\n", "orders\r\n", "orders ", "\torders", "ord\u200bers", "\uff4frders", "ord\u00e9rs"]
HOSTILE_NAME_CONFIGS: list[dict[str, Any]] = [
    config
    for trick in TRICKS
    for config in (
        fixture_config(project_prefix=trick),
        fixture_config(profile_id_column=trick),
        fixture_config(landing_schema=trick),
        fixture_config(metrics=_metric(metric=trick)),
        fixture_config(metrics=_metric(agg_col_name=trick)),
        fixture_config(metrics=_metric(source="demo_behaviors." + trick)),
        fixture_config(metrics=_metric(join_key=trick)),
        fixture_config(metrics=_metric(unixtime_col=trick)),
    )
] + [
    fixture_config(time_window={"type": "interval", "lookback": "-7d\n"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-01-01\n"}),
]

# Filter regexes (H10): outside the portable subset, rejected by RE2 itself (asked through the
# engine by dbt, through in-process DuckDB by the CLI), or open to catastrophic backtracking.
BAD_REGEXES = ["(?=x)", "(a)\\1", "a*+", "(?>a)", "(?<n>a)", "(?P<n>a)", "(?m)^a", "\\Z", "\\C",
               "[[:alpha:]]", "[a&&b]", "[\\S]", "a{,3}", "a{1001}", "]", "(unclosed", "a)", "*a",
               "[z-a]", "a{2,1}", "\\p{Foo}", "(a+)+", "((x*)y){2,}", "v" * 501, "\\SVip"]
GOOD_REGEXES = ["vip", "^vip$", "^(vip|gold)_", "a{2,5}?", "q[1-4]\\b", "\\d+", "[^\\s\\d]", "\\S+",
                "\\p{Greek}", "\\x41", "(?i)vip", "(?s:a.b)", "\\.\\$\\[\\]", "\u540d\u524d", "\\Avip\\z",
                "(a|b)+", "v" * 500, "\\S\\P{Lu}"]
REGEX_CONFIGS = [fixture_config(filters={"ps_to_include": pattern}) for pattern in BAD_REGEXES + GOOD_REGEXES] + [
    fixture_config(filters={"ps_to_include": "[z-a]", "folders_to_include": "(?=x)", "segments_to_include": "Q"}),
]


def _python_fields(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    return [p.field for p in caught.value.problems]


def python_problems(config: dict[str, Any]) -> list[list[str]]:
    try:
        validate_config(config)
    except ConfigError as caught:
        return [[p.field, p.message] for p in caught.problems]
    return []


def dbt_problems(workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str],
                 configs: list[dict[str, Any]]) -> list[list[list[str]]]:
    """[field, message] pairs per config from the dbt validator (run-operation, this workspace's target)."""
    capfd.readouterr()
    workspace.dbt(["run-operation", "sa_print_config_problems", "--args", json.dumps({"configs": configs})])
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("SA_CONFIG_PROBLEMS ")]
    found = {int(index): json.loads(payload) for index, payload in (line.split(" ", 2)[1:] for line in lines)}
    assert sorted(found) == list(range(len(configs)))
    return [found[index] for index in range(len(configs))]


def test_dbt_and_python_name_the_same_fields(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    validate_config(fixture_config())  # the good config is good for both
    found = dbt_problems(dbt_workspace, capfd, [fixture_config(), *BAD_CONFIGS])
    assert found[0] == []
    for number, config in enumerate(BAD_CONFIGS, start=1):
        dbt_fields = [field for field, _message in found[number]]
        assert dbt_fields == _python_fields(config), config
        assert all(message for _field, message in found[number])


def test_both_validators_reject_hostile_names_naming_the_field(
        dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    found = dbt_problems(dbt_workspace, capfd, HOSTILE_NAME_CONFIGS)
    for config, dbt in zip(HOSTILE_NAME_CONFIGS, found, strict=True):
        python = python_problems(config)
        assert python, config
        assert [field for field, _ in dbt] == [field for field, _ in python], config
        # the same repr of the bad value in both messages (a trailing newline shows as \n)
        assert [message for _, message in dbt] == [message for _, message in python], config


def test_both_validators_judge_filter_regexes_alike_on_duckdb(
        dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    found = dbt_problems(dbt_workspace, capfd, REGEX_CONFIGS)
    for config, dbt in zip(REGEX_CONFIGS, found, strict=True):
        python = python_problems(config)
        assert [field for field, _ in dbt] == [field for field, _ in python], config["filters"]
        for (_, dbt_message), (_, python_message) in zip(dbt, python, strict=True):
            # the same verdict and reason; only RE2's own wording is added by the CLI
            assert dbt_message.split(" rejects it")[0] == python_message.split(" rejects it")[0]
    verdicts = {c["filters"]["ps_to_include"]: bool(p) for c, p in zip(REGEX_CONFIGS, found, strict=True)}
    assert all(verdicts[pattern] for pattern in BAD_REGEXES)
    assert not any(verdicts[pattern] for pattern in GOOD_REGEXES)


def test_bad_config_stops_dbt_before_any_model(dbt_workspace: DbtWorkspace) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    bad = fixture_config(metrics=_metric(agg="median"),
                         filters={"ps_to_include": "(unclosed"})
    assert _python_fields(bad) == ["filters.ps_to_include", "metrics[0].agg"]
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["run"], config=bad, run_date=RUN_DATE.isoformat())
    message = str(caught.value)
    assert "segment_analytics.filters.ps_to_include: invalid regex '(unclosed'" in message
    assert dbt_workspace.query(
        "select count(*) from information_schema.tables where table_name = 'sa_int_segments__selected'") == [(0,)]


# One bad configuration per message of the schema (orchestrate/config/schema.py MESSAGES): both
# validators must give the very same [field, message] list, so no message is written twice.
EVERY_MESSAGE_CONFIGS: list[Any] = [
    ["not", "a", "mapping"],
    fixture_config(filters="x", insights="x", time_window="x", freshness="daily"),
    fixture_config(colour="blue", project_prefix="Bad", profile_id_column="a b", segment_sql_source="magic",
                   exact_counts="yes", td_mode="sometimes"),
    fixture_config(filters={"ps_to_include": 5, "folders_to_include": "(?=x)", "segments_to_include": "High"}),
    fixture_config(time_window={"type": "interval", "lookback": "30d", "anchor": "2026-1-1"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-02-30", "end_date": "2026-03-01"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-03-01", "end_date": "2026-02-01"}),
    fixture_config(metrics=[]),
    fixture_config(metrics="orders"),
    fixture_config(metrics=["orders", {"metric": "Bad-Name", "agg": "median", "source": "a.b.c", "join_key": "a b",
                                       "unixtime_col": "", "filter": "x; y", "agg_col_name": "a b"},
                            {"metric": "o", "agg": "count_distinct", "source": "s.t", "join_key": "k",
                             "unixtime_col": "t"},
                            {"metric": "o", "agg": "count", "source": "s.t", "join_key": "k", "unixtime_col": "t"}]),
    fixture_config(insights={"model_name": " ", "tables": "x", "shared_users": ["nope"], "change_schema_cols": "x",
                             "join_relations": "x"}),
    fixture_config(insights={"change_schema_cols": {"blob": [], "text": "x"}, "join_relations": [["a"]]}),
    fixture_config(freshness={"warn_after_hours": "24", "error_after_hours": 1.5, "colour": 1}),
    fixture_config(freshness={"warn_after_hours": 30, "error_after_hours": 20}),
    fixture_config(freshness={"warn_after_hours": 60}),  # after the default error_after_hours (48)
    fixture_config(overlap={"top_pairs_per_segment": 0, "colour": 1}),
    fixture_config(overlap=[20]),
    fixture_config(overlap={"top_pairs_per_segment": True}),
    # alerts: every message of its validation (tests/unit/config/test_alerts_config.py)
    *[fixture_config(alerts=alerts) for alerts, _ in ALERT_MISTAKES],
    # ab_tests: every message of its validation (tests/unit/config/test_ab_tests_config.py)
    *[fixture_config(ab_tests=tests) for tests, _ in AB_TEST_MISTAKES],
]


def _template(text: str) -> re.Pattern[str]:
    return re.compile("".join(".+?" if part.startswith("%(") else re.escape(part)
                              for part in re.split(r"(%\(\w+\)s)", text)), re.S)


def test_both_validators_give_the_same_message_for_every_mistake(
        dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    found = dbt_problems(dbt_workspace, capfd, EVERY_MESSAGE_CONFIGS)
    given: list[str] = []
    for config, dbt in zip(EVERY_MESSAGE_CONFIGS, found, strict=True):
        python = python_problems(config)
        assert python, config
        assert dbt == python, config
        given.extend(message for _, message in python)
    # every message of the schema is exercised here, but the one only the CLI can see (dbt reads no
    # key beside a nested block)
    used = {name for name, text in MESSAGES.items() if any(_template(text).fullmatch(m) for m in given)}
    # ... and the two an A/B test's arm gives when dbt resolves it against the selected segments
    # (tests/integration/experiments/test_ab_readout.py)
    assert set(MESSAGES) - used == {"nested_sibling", "ab_test_unknown_segment", "ab_test_ambiguous_segment"}
