"""The proof that Segment Analytics works in an analytics engineer's own dbt project.

tests/fixtures/host_project is such a project: its own name (`acme_analytics`), a profile named
`acme` whose default target is `prod`, a `segment_analytics:` block with only a prefix and two metrics,
one model of its own on top of a package mart, and packages.yml installing this repository with
`local:`. It is copied to a temporary folder (dbt writes target/, dbt_packages/, logs/ into it; the
copy's `local:` names this checkout) and run exactly as a user would, from another folder:

    segment-analytics run --project-dir <host> --profiles-dir <host>

without --target, against the fake CDP API: on DuckDB (the profile's default target), and on the
local Trino in Treasure Data mode (the target chosen by the profile's own `target:` through an
environment variable; a first run and a daily one), where every statement the server executed for
the run's user is audited: no MERGE, UPDATE or CREATE VIEW, every DELETE with a WHERE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.rules import all_of, attr, op, rule
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.trino.query_log import statements_of, td_violations

REPO_ROOT = Path(__file__).resolve().parents[3]
HOST_FIXTURE = REPO_ROOT / "tests" / "fixtures" / "host_project"
CLI = Path(sys.executable).parent / "segment-analytics"

PS_ID = "8101"
RUN_DATE = date(2026, 5, 10)
PREFIX = "acme"  # the host's project_prefix
HOST_MODEL = "segment_revenue_summary"  # the host's own model, on top of a package mart
# profile id -> (age, country)
PEOPLE = {"p1": (45, "JP"), "p2": (25, "JP"), "p3": (33, "US"), "p4": (19, "US")}
SEGMENTS = {  # name -> (rule, its members by the test's own reading)
    "Adults": (rule(all_of(attr("age", op("GreaterEqual", rightValue=30)))), {"p1", "p3"}),
    "Japan": (rule(all_of(attr("country", op("Equal", rightValue="JP")))), {"p1", "p2"}),
}
# (profile, days before the run date, amount): the window's event days all end before the run date
ORDERS = [("p1", 1, 10.0), ("p1", 1, 2.5), ("p2", 1, 7.0), ("p3", 2, 4.0), ("p4", 2, 100.0), ("p1", 3, 1.25)]


def _unix(days_before: int, hour: int) -> int:
    moment = datetime.combine(RUN_DATE - timedelta(days=days_before), time(hour), tzinfo=UTC)
    return int(moment.timestamp())


def order_rows() -> list[tuple[str, int, float]]:
    return [(pid, _unix(days, 8 + i), amount) for i, (pid, days, amount) in enumerate(ORDERS)]


def expected_metrics() -> dict[tuple[str, str, str], float]:
    """(segment, event day, metric) -> value, computed here from the rows above."""
    out: dict[tuple[str, str, str], float] = defaultdict(float)
    for name, (_, members) in SEGMENTS.items():
        for pid, days, amount in ORDERS:
            if pid in members:
                day = (RUN_DATE - timedelta(days=days)).isoformat()
                out[(name, day, "orders")] += 1
                out[(name, day, "revenue")] += amount
    return dict(out)


def account() -> FakeState:
    state = FakeState()
    state.add_parent_segment("Acme Shop", ps_id=PS_ID, population=len(PEOPLE))
    for name, (segment_rule, members) in SEGMENTS.items():
        seg_id = state.add_segment(PS_ID, name, segment_rule, updated_by="Ana")
        state.set_population(seg_id, len(members))
    return state


@pytest.fixture
def fake_cdp() -> Iterator[FakeApiServer]:
    server = FakeApiServer(account()).start()
    try:
        yield server
    finally:
        server.stop()


def copy_host(root: Path) -> Path:
    """The host project in a folder of its own, its `local:` package pointing at this checkout."""
    host = root / "acme_analytics"
    shutil.copytree(HOST_FIXTURE, host, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs"))
    packages = (host / "packages.yml").read_text(encoding="utf-8")
    assert "local: ../../.." in packages
    (host / "packages.yml").write_text(packages.replace("local: ../../..", f"local: {json.dumps(str(REPO_ROOT))}"),
                                       encoding="utf-8")
    return host


def cli_env(root: Path, **extra: str) -> dict[str, str]:
    """The user's shell: the API key, the profile's variables, nothing of this project's test setup."""
    drop = ("DBT_", "SEGMENT_ANALYTICS_", "TRINO_", "TD_", "ACME_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({"TD_API_KEY": TEST_API_KEY, "SEGMENT_ANALYTICS_STATE_DIR": str(root / "state"),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", **extra})
    return env


def run_host(host: Path, server: FakeApiServer, env: dict[str, str], *extra: str,
             run_date: date = RUN_DATE) -> subprocess.CompletedProcess[str]:
    """`segment-analytics run --project-dir <host> --profiles-dir <host>`, no --target, from elsewhere."""
    argv = [str(CLI), "run", "--project-dir", str(host), "--profiles-dir", str(host), "--api-url", server.url,
            "--max-rps", "50", "--run-date", run_date.isoformat(), *extra]
    elsewhere = host.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run(argv, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=1200, check=False)


def assert_ran(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, (f"segment-analytics run failed ({proc.returncode}):\n"
                                  f"{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}")
    assert TEST_API_KEY not in proc.stdout + proc.stderr


def metrics_of(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str, str], float]:
    return {(seg, str(day), metric): float(value) for seg, day, metric, value in rows}


def check_prefixed(tables: list[str]) -> None:
    """Every table the package built carries the host's prefix (landing tables are the shim's, and
    the host names its own model)."""
    assert HOST_MODEL in tables
    built = [t for t in tables if not t.startswith("cdp_landing__") and t != HOST_MODEL]
    assert f"{PREFIX}_final_metrics_table" in built and f"{PREFIX}_metrics_daily" in built
    assert sorted(t for t in built if not t.startswith(f"{PREFIX}_")) == []


# --------------------------------------------------------------------------- DuckDB, the default target


def write_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(f'create schema "cdp_audience_{PS_ID}"')
        con.execute(f'create table "cdp_audience_{PS_ID}".customers '
                    "(cdp_customer_id varchar, td_canonical_id varchar, age bigint, country varchar)")
        con.executemany(f'insert into "cdp_audience_{PS_ID}".customers values (?, ?, ?, ?)',
                        [[f"c-{pid}", pid, age, country] for pid, (age, country) in PEOPLE.items()])
        con.execute("create schema acme_shop")
        con.execute("create table acme_shop.orders (td_canonical_id varchar, time bigint, amount double)")
        con.executemany("insert into acme_shop.orders values (?, ?, ?)", [list(r) for r in order_rows()])
    finally:
        con.close()


def test_host_project_runs_on_its_default_duckdb_target(tmp_path: Path, fake_cdp: FakeApiServer) -> None:
    host = copy_host(tmp_path)
    database = tmp_path / "acme.duckdb"
    write_duckdb(database)
    proc = run_host(host, fake_cdp, cli_env(tmp_path, ACME_DUCKDB_PATH=str(database)))
    assert_ran(proc)
    assert (host / "dbt_packages").is_dir(), "dbt deps should have installed the package into the host"
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'analytics'").fetchall()]
        metrics = metrics_of(con.execute(
            f"select segment_name, event_date, metric_name, metric_value from analytics.{PREFIX}_metrics_daily "
            "where metric_value <> 0").fetchall())
        wide = con.execute(f"select count(*) from analytics.{PREFIX}_final_metrics_table").fetchone()
        host_model = dict(con.execute(f"select segment_name, revenue from analytics.{HOST_MODEL}").fetchall())
    finally:
        con.close()
    check_prefixed(tables)
    assert metrics == expected_metrics()
    assert wide is not None and wide[0] > 0
    assert host_model == {"Adults": 17.75, "Japan": 20.75}


# --------------------------------------------------------------------------- the local Trino, Treasure Data mode


def write_trino(server: Any) -> None:  # tests.fixtures.trino.TrinoServer
    customers = ", ".join(f"('c-{pid}', '{pid}', {age}, '{country}')" for pid, (age, country) in PEOPLE.items())
    orders = ", ".join(f"('{pid}', bigint '{ts}', double '{amount}')" for pid, ts, amount in order_rows())
    for statement in (
        f"create schema if not exists iceberg.cdp_audience_{PS_ID}",
        f"drop table if exists iceberg.cdp_audience_{PS_ID}.customers",
        f"create table iceberg.cdp_audience_{PS_ID}.customers as select * from (values {customers}) "
        "t(cdp_customer_id, td_canonical_id, age, country)",
        "create schema if not exists iceberg.acme_shop",
        "drop table if exists iceberg.acme_shop.orders",
        f"create table iceberg.acme_shop.orders as select * from (values {orders}) t(td_canonical_id, time, amount)",
    ):
        server.query(statement)


@pytest.mark.trino
def test_host_project_runs_on_trino_in_treasure_data_mode(tmp_path: Path, fake_cdp: FakeApiServer,
                                                          trino_server: Any) -> None:
    write_trino(trino_server)
    host = copy_host(tmp_path)
    schema = f"acme_{uuid.uuid4().hex[:8]}"
    user = f"{schema}_user"
    env = cli_env(tmp_path, ACME_TARGET="prod_trino", ACME_TRINO_HOST=trino_server.host,
                  ACME_TRINO_PORT=str(trino_server.port), ACME_TRINO_USER=user, ACME_TRINO_SCHEMA=schema)
    for day in (RUN_DATE, RUN_DATE + timedelta(days=1)):  # a first run, then a daily one
        assert_ran(run_host(host, fake_cdp, env, "--vars", json.dumps({"td_mode": True}), run_date=day))
    statements = statements_of(trino_server, user)
    verbs = {st.verb for st in statements}
    assert len(statements) > 50 and {"create", "insert", "delete", "select"} <= verbs
    assert td_violations(statements) == []
    tables = [r[0] for r in trino_server.query(
        f"select table_name from iceberg.information_schema.tables where table_schema = '{schema}'")]
    check_prefixed(tables)
    metrics = metrics_of(trino_server.query(
        f"select segment_name, event_date, metric_name, metric_value from iceberg.{schema}.{PREFIX}_metrics_daily "
        "where metric_value <> 0"))
    assert metrics == expected_metrics()
    host_model = dict(trino_server.query(f"select segment_name, revenue from iceberg.{schema}.{HOST_MODEL}"))
    assert host_model == {"Adults": 17.75, "Japan": 20.75}
