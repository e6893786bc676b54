"""Hostile member SQL, end to end: fake CDP API -> pull -> dbt build on DuckDB -> rules check -> report.

Rule values holding ';', the old batch-marker text, '--' and '/*' are data: their segments build,
also when the statements are cut into many small batches. API answers that smuggle
`union all by name select ... from read_text(<file>)` or read another parent segment's schema are
refused at pull time: the bad segment alone is flagged (pull problems, int_segments__selected,
`rules check`, the report payload), keeps its earlier membership stays (unknown is not empty),
every other segment's membership and metrics build, and the file is never read.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from orchestrate.config import validate_config
from orchestrate.pull import run_pull
from orchestrate.report.builder import build_report
from orchestrate.rules.check import check_from_context
from orchestrate.rules.member_sql_guard import REJECTED_PREFIX
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.fake_api.server import FakeApiServer, Reply
from segment_analytics_sandbox.fake_api.state import FakeState
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.fake_api import make_client

pytestmark = pytest.mark.timeout(900)

PS, OTHER_PS = "5001", "5002"
DAY1, DAY2 = dt.date(2026, 5, 1), dt.date(2026, 5, 2)
SEMI, MARKER, COMMENT, PLAIN, SMUGGLER, SNOOP = "7001", "7002", "7003", "7004", "7005", "7006"
OLD_MARKER = "\n/* sa_batch_boundary */\n"
PEOPLE = {  # profile -> (age, country)
    "p1": (41, "a;b"),
    "p2": (35, f"x{OLD_MARKER}y"),
    "p3": (52, "--/* no comment */"),
    "p4": (29, "JP"),
    "p5": (63, "JP"),
}
OTHER_PEOPLE = {"q1": (44, "secret-customer-of-another-parent-segment")}
METRICS = [{"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "demo_behaviors.orders",
            "join_key": "td_canonical_id", "unixtime_col": "time"}]


def _value(name: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": "Value", "leftValue": {"name": name}, "operator": {"type": kind, "not": False, **fields}}


def _rule(*leaves: dict[str, Any]) -> dict[str, Any]:
    return {"type": "And", "conditions": [{"type": "And", "conditions": list(leaves)}]}


def _predictive(model: str) -> dict[str, Any]:
    """A rule the project's compiler cannot compile, so `auto` asks the API for its SQL."""
    return _rule({"type": "PredictiveScoreReference", "id": model, "includeConvertedCustomers": False})


def _answers(secret_file: Path) -> dict[str, str]:
    """The API's SQL per predictive model id: an honest answer and two hostile ones."""
    head = f'select a.* from "cdp_audience_{PS}"."customers" a'
    return {
        "honest": head + " where (a.\"country\" = 'JP')",
        "smuggle": head + " where (1 = 1) union all by name select content as td_canonical_id, "
                          f"content as cdp_customer_id from read_text('{secret_file}')",
        "snoop": head + f' where (a."td_canonical_id" in (select b."td_canonical_id" from '
                        f'"cdp_audience_{OTHER_PS}"."customers" b))',
    }


def _rule_to_sql_override(answers: dict[str, str], asked: list[str]) -> Any:
    def override(ctx: Any) -> Reply | None:
        rule = (ctx.json() or {}).get("rule") or {}
        for group in rule.get("conditions", []):
            for leaf in group.get("conditions", []):
                if leaf.get("type") == "PredictiveScoreReference":
                    asked.append(leaf["id"])
                    return Reply(200, {"sql": answers[leaf["id"]]})
        return None

    return override


def _write_warehouse(db_path: Path, run_date: dt.date) -> None:
    con = duckdb.connect(str(db_path))
    try:
        for ps_id, people in ((PS, PEOPLE), (OTHER_PS, OTHER_PEOPLE)):
            con.execute(f'create schema if not exists "cdp_audience_{ps_id}"')
            con.execute(f'create or replace table "cdp_audience_{ps_id}".customers '
                        "(cdp_customer_id varchar, td_canonical_id varchar, age bigint, country varchar)")
            con.executemany(f'insert into "cdp_audience_{ps_id}".customers values (?, ?, ?, ?)',
                            [[f"c-{pid}", pid, age, country] for pid, (age, country) in people.items()])
        con.execute("create schema if not exists demo_behaviors")
        con.execute("create or replace table demo_behaviors.orders "
                    "(td_canonical_id varchar, time bigint, amount double, items bigint)")
        day_before = dt.datetime.combine(run_date - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
        con.executemany("insert into demo_behaviors.orders values (?, ?, 1.0, 1)",
                        [[pid, int(day_before.timestamp())] for pid in PEOPLE])
    finally:
        con.close()


class Account:
    def __init__(self, tmp_path: Path) -> None:
        self.workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "hostile.duckdb")
        self.workspace.write_profile()
        self.secret = tmp_path / "secret.txt"
        self.secret.write_text("TOP-SECRET-FILE-CONTENT-3141", encoding="utf-8")
        self.asked: list[str] = []
        self.state = FakeState()
        self.state.route_overrides.append(
            ("POST", r"/segments/query$", _rule_to_sql_override(_answers(self.secret), self.asked)))
        self.state.add_parent_segment("Shop", v5=True, ps_id=PS)
        self.state.add_parent_segment("Other", v5=True, ps_id=OTHER_PS)
        add = self.state.add_segment
        add(PS, "Semicolon", _rule(_value("country", "Equal", rightValue="a;b")), segment_id=SEMI)
        add(PS, "Old marker", _rule(_value("country", "Contain", rightValues=[OLD_MARKER])), segment_id=MARKER)
        add(PS, "Comment marks", _rule(_value("country", "Contain", rightValues=["--", "/*"])), segment_id=COMMENT)
        add(PS, "Plain", _rule(_value("age", "GreaterEqual", rightValue=30)), segment_id=PLAIN)
        # day 1 a rule the compiler compiles; day 2 one only the API can answer (and it smuggles)
        add(PS, "Smuggler", _rule(_value("country", "Equal", rightValue="JP")), segment_id=SMUGGLER)
        add(PS, "Snoop", _predictive("snoop"), segment_id=SNOOP)
        self.config = fixture_config(metrics=METRICS, segment_sql_source="auto")

    def run_day(self, day: dt.date, server: FakeApiServer) -> Any:
        _write_warehouse(self.workspace.db_path, day)
        result = run_pull(client=make_client(server), writer=DuckDbLandingWriter(self.workspace.db_path),
                          v5_flag=validate_config(self.config).filters.v5_flag, run_date=day, sql_source="auto",
                          dialect="duckdb")
        # tiny statements: every segment in a batch of its own or two, so any split inside data would show
        self.workspace.dbt(["build"], config=self.config, run_date=day.isoformat(),
                           extra_vars={"sa_max_statement_length": 2600})
        return result

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.workspace.query(sql)


def _members(account: Account) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for segment_id, profile_id in account.query("select segment_id, profile_id from sa_int_segment_members"):
        found.setdefault(segment_id, set()).add(profile_id)
    return found


def test_hostile_member_sql_flags_only_its_segment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account = Account(tmp_path)
    server = FakeApiServer(account.state).start()
    try:
        day1 = account.run_day(DAY1, server)
        day1_members = _members(account)
        account.state.update_rule(SMUGGLER, _predictive("smuggle"))  # a new rule: the API is asked again
        day2 = account.run_day(DAY2, server)
    finally:
        server.stop()

    # p2's country holds the old batch marker, so "/*" matches it too
    expected = {SEMI: {"p1"}, MARKER: {"p2"}, COMMENT: {"p2", "p3"}, PLAIN: {"p1", "p2", "p3", "p5"}}
    assert account.asked == ["snoop", "smuggle"]  # once per new rule hash that does not compile, as always

    # day 1: the snoop is refused at pull time, everything else builds
    assert day1_members == {**expected, SMUGGLER: {"p4", "p5"}}
    snoop_problems = [p for p in day1.problems if p["kind"] == "segment_sql"]
    assert [p["id"] for p in snoop_problems] == [SNOOP]
    assert snoop_problems[0]["reason"].startswith(f"{REJECTED_PREFIX} API SQL FROM reads something other than "
                                                  f"a table of cdp_audience_{PS}")
    assert snoop_problems[0]["reason"].endswith("the segment has no usable member SQL")

    # day 2: the smuggler is refused too, and flagged; every other segment builds as before
    assert [(p["id"], p["kind"]) for p in day2.problems if p["kind"] == "segment_sql"] == [(SMUGGLER, "segment_sql")]
    assert _members(account) == expected
    landed = account.query(
        "select segment_sql, error from cdp_landing__segment_sql where sql_source = 'api' and error is not null")
    assert len(landed) == 2 and all(sql is None and error.startswith(REJECTED_PREFIX) for sql, error in landed)
    problems_json = account.query(
        f"select problems from cdp_landing__pull_runs where run_date = date '{DAY2.isoformat()}'")[0][0]
    assert f'{{"id": "{SMUGGLER}", "kind": "segment_sql", "reason": "{REJECTED_PREFIX} API SQL' in problems_json

    selected = {row[0]: row[1:] for row in account.query(
        "select segment_id, member_sql is null, member_sql_problem from sa_int_segments__selected")}
    assert {s for s, (no_sql, _) in selected.items() if no_sql} == {SMUGGLER, SNOOP}
    assert selected[SMUGGLER][1].startswith(f"{REJECTED_PREFIX} API SQL is a UNION") \
        or selected[SMUGGLER][1].startswith(f"{REJECTED_PREFIX} API SQL FROM reads")
    assert all(selected[s][1] is None for s in expected)

    # the statement really was cut into several batches, with the old marker text inside one of them
    compiled = (account.workspace.root / "target" / "compiled" / "segment_analytics" / "models" / "intermediate"
                / "int_segment_members.sql").read_text(encoding="utf-8")
    header = compiled.split("/* sa_batches: ", 1)[1].split(" */", 1)[0]
    assert len(header.split(",")) >= 3
    assert "sa_batch_boundary" in compiled

    # metrics of every other segment, none for the flagged ones
    with_metrics = {row[0] for row in account.query(
        f"select distinct segment_id from sa_metrics_daily where event_date = date '{(DAY2 - dt.timedelta(days=1))}'"
        " and metric_value > 0")}
    assert with_metrics == set(expected)
    assert account.query(f"select member_count from sa_population_tracker where run_date = date '{DAY2}' "
                         f"and segment_id = '{PLAIN}'") == [(4,)]

    # unknown is not empty: the smuggler's day-1 members keep their open stays
    assert set(account.query(f"select profile_id from sa_snp_segment_membership where segment_id = '{SMUGGLER}' "
                             "and dbt_valid_to is null")) == {("p4",), ("p5",)}

    # nothing was read from the file system, nothing from the other parent segment
    dump = json.dumps(account.query("select * from sa_int_segment_members"), default=str)
    dump += json.dumps(account.query("select * from sa_snp_segment_membership"), default=str)
    assert "TOP-SECRET" not in dump and "q1" not in dump

    # rules check lists the refused segments and runs none of their SQL
    ctx = SimpleNamespace(config=validate_config(fixture_config(landing_schema=None)), dialect="duckdb",
                          target_profile={"type": "duckdb", "path": str(account.workspace.db_path), "schema": "main"})
    capsys.readouterr()
    differences = check_from_context(ctx)
    assert {d.segment_id for d in differences if d.status == "refused"} == {SMUGGLER, SNOOP}
    out = capsys.readouterr().out
    assert f"api SQL not run, {REJECTED_PREFIX} API SQL" in out and "TOP-SECRET" not in out

    # the report payload names the flagged segments and why
    con = duckdb.connect(str(account.workspace.db_path), read_only=True)
    try:
        html = build_report(con, prefix="sa", metrics=METRICS, out_path=tmp_path / "report.html",
                            progress=None).read_text(encoding="utf-8")
    finally:
        con.close()
    payload = json.loads(html.split('<script type="application/json" id="sa-data">', 1)[1].split("</script>", 1)[0])
    flagged = {s["id"]: s["member_sql_problem"] for s in payload["segments"] if s.get("member_sql_problem")}
    assert set(flagged) == {SMUGGLER, SNOOP}
    assert all(problem.startswith(REJECTED_PREFIX) for problem in flagged.values())
    assert "TOP-SECRET" not in html


def test_refused_api_sql_falls_back_to_the_compiler_in_api_mode(tmp_path: Path) -> None:
    """segment_sql_source `api`: a refused answer for a rule the compiler can compile is replaced by
    the compiler's SQL (landed beside the refusal), so the segment keeps its membership."""
    account = Account(tmp_path)
    secret_sql = _answers(account.secret)["smuggle"]
    account.state.route_overrides.insert(0, ("POST", r"/segments/query$", lambda ctx: Reply(200, {"sql": secret_sql})))
    account.config = fixture_config(metrics=METRICS, segment_sql_source="api")
    server = FakeApiServer(account.state).start()
    try:
        _write_warehouse(account.workspace.db_path, DAY1)
        result = run_pull(client=make_client(server), writer=DuckDbLandingWriter(account.workspace.db_path),
                          v5_flag=validate_config(account.config).filters.v5_flag, run_date=DAY1, sql_source="api",
                          dialect="duckdb")
        account.workspace.dbt(["run", "--select", "+int_segment_members"], config=account.config,
                              run_date=DAY1.isoformat())
    finally:
        server.stop()
    reasons = {p["id"]: p["reason"] for p in result.problems if p["kind"] == "segment_sql"}
    assert set(reasons) == {SEMI, MARKER, COMMENT, PLAIN, SMUGGLER, SNOOP}
    assert reasons[PLAIN].endswith("the compiler's SQL is used instead")
    assert reasons[SNOOP].endswith("the segment has no usable member SQL")  # predictive: cannot compile
    rows = account.query("select segment_id, member_sql_source, member_sql_refusal is not null "
                         "from sa_int_segments__selected order by 1")
    assert rows == [(SEMI, "compiler", True), (MARKER, "compiler", True), (COMMENT, "compiler", True),
                    (PLAIN, "compiler", True), (SMUGGLER, "compiler", True), (SNOOP, None, True)]
    assert _members(account) == {SEMI: {"p1"}, MARKER: {"p2"}, COMMENT: {"p2", "p3"}, PLAIN: {"p1", "p2", "p3", "p5"},
                                 SMUGGLER: {"p4", "p5"}}
    assert "TOP-SECRET" not in json.dumps(account.query("select * from sa_int_segment_members"))
