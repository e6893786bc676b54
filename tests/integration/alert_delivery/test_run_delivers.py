"""End to end: `segment-analytics run` against the fake CDP API, two simulated days on DuckDB. On
day 2 a segment's rule was edited by a user who is not an authorised editor; the run builds the
alerts and delivers the rule_change alert to a local webhook server, once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate import cli
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.rules import all_of, attr, op, rule
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace, fixture_config
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.alert_delivery.servers import WebhookServer

PS_ID = "9301"
DAY1, DAY2 = date(2026, 6, 1), date(2026, 6, 2)
HOOK_PATH = "/hooks/run-e2e-T0ken"
PEOPLE = {"p1": 45, "p2": 25, "p3": 33, "p4": 19, "p5": 61}


def age_rule(minimum: int) -> dict[str, Any]:
    return rule(all_of(attr("age", op("GreaterEqual", rightValue=minimum))))


def config() -> dict[str, Any]:
    return fixture_config(
        metrics=[{"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "shop.orders",
                  "join_key": "td_canonical_id", "unixtime_col": "time"}],
        alerts={"authorized_editors": ["Ana"],
                "destinations": [{"type": "webhook", "name": "ops", "url_env": "SA_E2E_WEBHOOK_URL"}]},
    )


def write_warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f'create schema "cdp_audience_{PS_ID}"')
        con.execute(f'create table "cdp_audience_{PS_ID}".customers '
                    "(cdp_customer_id varchar, td_canonical_id varchar, age bigint)")
        con.executemany(f'insert into "cdp_audience_{PS_ID}".customers values (?, ?, ?)',
                        [[f"c-{pid}", pid, age] for pid, age in PEOPLE.items()])
        con.execute("create schema shop")
        con.execute("create table shop.orders (td_canonical_id varchar, time bigint)")
        moment = int(datetime.combine(DAY1 - timedelta(days=1), time(9), tzinfo=UTC).timestamp())
        con.executemany("insert into shop.orders values (?, ?)", [[pid, moment] for pid in PEOPLE])


@pytest.fixture
def account() -> FakeState:
    state = FakeState()
    state.add_parent_segment("E2E Shop", ps_id=PS_ID, population=len(PEOPLE))
    state.add_attribute(PS_ID, "age", column_type="number")
    seg_id = state.add_segment(PS_ID, "Grown-ups", age_rule(30), updated_by="Ana")
    state.set_population(seg_id, 3)
    return state


@pytest.fixture
def fake_cdp(account: FakeState) -> Iterator[FakeApiServer]:
    server = FakeApiServer(account).start()
    yield server
    server.stop()


def segment_run(ws: DbtWorkspace, server: FakeApiServer, *args: str, day: date) -> int:
    return cli.main([*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(ws.profiles_dir),
                     "--target", "duckdb", "--run-date", day.isoformat(), "--vars",
                     json.dumps({"segment_analytics": config()}),
                     *(["--api-url", server.url, "--max-rps", "50"] if args[0] == "run" else [])])


def test_run_delivers_the_rule_change_alert_once(dbt_workspace: DbtWorkspace, fake_cdp: FakeApiServer,
                                                 account: FakeState, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    hook = WebhookServer().start()
    try:
        monkeypatch.setenv("TD_API_KEY", TEST_API_KEY)
        monkeypatch.setenv("SA_E2E_WEBHOOK_URL", hook.url(HOOK_PATH))
        monkeypatch.setenv("DBT_TARGET_PATH", str(dbt_workspace.root / "target"))
        monkeypatch.setenv("DBT_LOG_PATH", str(dbt_workspace.root / "logs"))
        write_warehouse(dbt_workspace.db_path)

        assert segment_run(dbt_workspace, fake_cdp, "run", day=DAY1) == 0
        day1 = [a for r in hook.received for a in r.body["alerts"]]
        assert [a["kind"] for a in day1 if a["kind"] == "rule_change"] == []

        seg_id, = account.segments  # the one segment, edited overnight by someone not listed
        account.update_rule(seg_id, age_rule(50), updated_by="mallory")
        hook.received.clear()
        capsys.readouterr()
        assert segment_run(dbt_workspace, fake_cdp, "run", day=DAY2) == 0
        said = capsys.readouterr()
        assert "run-e2e-T0ken" not in said.out + said.err

        post, = hook.received
        assert f"alerts → ops (webhook): {len(post.body['alerts'])} delivered, 0 already delivered" in said.out
        changes = [a for a in post.body["alerts"] if a["kind"] == "rule_change"]
        assert len(changes) == 1
        change = changes[0]
        assert (change["segment_id"], change["segment_name"], change["run_date"]) == (seg_id, "Grown-ups", "2026-06-02")
        assert (change["updated_by"], change["authorized"]) == ("mallory", False)
        assert change["revert_command"].startswith(f"segment-analytics rules revert {seg_id} --to-version ")
        assert "Grown-ups" in post.body["text"] and "UNAUTHORISED" in post.body["text"]

        mart = {r[0]: r[1] for r in dbt_workspace.query(
            "select alert_id, muted from sa_alerts where run_date = date '2026-06-02'")}
        assert sorted(a["alert_id"] for a in post.body["alerts"]) == sorted(k for k, m in mart.items() if not m)
        ledger = dbt_workspace.query("select alert_id, destination, status, attempt from sa_alert_deliveries "
                                     "order by alert_id")
        assert [(a, d, s, n) for a, d, s, n in ledger if a in mart] == [
            (a, "ops", "delivered", 1) for a in sorted(k for k, m in mart.items() if not m)]

        hook.received.clear()
        capsys.readouterr()
        assert segment_run(dbt_workspace, fake_cdp, "alerts", "send", day=DAY2) == 0  # a rerun: nothing new
        assert hook.received == []
        assert capsys.readouterr().out.splitlines()[-1] == (
            f"alerts → ops (webhook): 0 delivered, {len(post.body['alerts'])} already delivered, 0 failed: ok")
        assert segment_run(dbt_workspace, fake_cdp, "alerts", "--json", day=DAY2) == 0
        out = capsys.readouterr()
        listed = json.loads(out.out)
        listed_change, = (a for a in listed if a["kind"] == "rule_change")
        assert listed_change["alert_id"] == change["alert_id"]
        assert listed_change["deliveries"]["ops"]["status"] == "delivered"
        assert "run-e2e-T0ken" not in out.out + out.err
    finally:
        hook.stop()
