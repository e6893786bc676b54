"""A small account for `doctor`, `init` and freshness: one fake-API parent segment with two
behaviours (orders, page views) and one the warehouse lacks, a landed pull on DuckDB, and the
behaviour tables with events of the last hours."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.cli import build_parser
from orchestrate.config import validate_config
from orchestrate.pull import run_pull
from orchestrate.setup import doctor, init_project
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace, fixture_config
from tests.fixtures.fake_api import TEST_API_KEY, make_client

PS_ID = "7001"
# (profile, seconds before now, amount, items)
ORDERS = [("p1", 3600, 10.5, 1), ("p2", 7200, 20.25, 3), ("p1", 90000, 5.0, 2)]
PAGEVIEWS = [("p1", 600, "https://x/?utm_a"), ("p3", 1200, "https://x/home")]

METRICS = [
    {"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "shop_db.orders",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "revenue", "agg": "sum", "agg_col_name": "amount", "source": "shop_db.orders",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "pageviews", "agg": "count", "agg_col_name": "1", "source": "shop_db.pageviews",
     "join_key": "td_canonical_id", "unixtime_col": "time", "filter": "td_url like '%utm_%'"},
]


def account_state() -> FakeState:
    state = FakeState()
    state.add_parent_segment("Shop", ps_id=PS_ID, population=3)
    state.add_attribute(PS_ID, "age", column_type="number")
    state.add_attribute(PS_ID, "country")
    state.add_behavior(PS_ID, "Orders", database="shop_db", table="orders",
                       columns=[("order_id", "string"), ("amount", "number"), ("items", "number")])
    state.add_behavior(PS_ID, "Page Views", database="shop_db", table="pageviews", columns=[("td_url", "string")])
    state.add_behavior(PS_ID, "Returns", database="shop_db", table="returns", columns=[("amount", "number")])
    return state


@dataclass
class SetupWorld:
    """The fake API, a DuckDB workspace, and the configuration the commands run with."""

    workspace: DbtWorkspace
    state: FakeState
    server: FakeApiServer
    config: dict[str, Any]

    def pull(self) -> None:
        run_pull(client=make_client(self.server), writer=DuckDbLandingWriter(self.workspace.db_path),
                 v5_flag=validate_config(self.config).filters.v5_flag, run_date=datetime.now(UTC).date(),
                 sql_source="compiler", dialect="duckdb")

    def execute(self, *sql: str) -> None:
        con = duckdb.connect(str(self.workspace.db_path))
        try:
            for statement in sql:
                con.execute(statement)
        finally:
            con.close()

    def write_behaviours(self, *, pageviews: bool = True) -> None:
        now = int(time.time())
        con = duckdb.connect(str(self.workspace.db_path))
        try:
            con.execute("create schema if not exists shop_db")
            con.execute("create or replace table shop_db.orders (td_canonical_id varchar, time bigint, "
                        "order_id varchar, amount double, items bigint)")
            con.executemany("insert into shop_db.orders values (?, ?, ?, ?, ?)",
                            [[p, now - ago, f"o{i}", amount, items]
                             for i, (p, ago, amount, items) in enumerate(ORDERS)])
            if pageviews:
                con.execute("create or replace table shop_db.pageviews (td_canonical_id varchar, time bigint, "
                            "td_url varchar)")
                con.executemany("insert into shop_db.pageviews values (?, ?, ?)",
                                [[p, now - ago, url] for p, ago, url in PAGEVIEWS])
        finally:
            con.close()

    def common_args(self, *extra: str, api_url: str | None = None) -> list[str]:
        vars_ = {"segment_analytics": self.config, "declared_behavior_sources": []}
        return ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(self.workspace.profiles_dir),
                "--target", "duckdb", "--api-url", api_url or self.server.url, "--vars", json.dumps(vars_),
                *extra]

    def doctor(self, *extra: str, api_url: str | None = None) -> tuple[int, list[str]]:
        lines: list[str] = []
        args = parse("doctor", self.common_args(*extra, api_url=api_url))
        report = doctor.run_doctor(args, out=lines.append)
        return (1 if report.failed else 0), lines

    def init(self, out_dir: Path, *extra: str) -> tuple[list[str], argparse.Namespace]:
        lines: list[str] = []
        args = parse("init", [*self.common_args(), "--out-dir", str(out_dir), *extra])
        init_project.run_init(args, out=lines.append)
        return lines, args


def parse(command: str, argv: list[str]) -> argparse.Namespace:
    """The sub-command's arguments, parsed by the CLI's own parser."""
    return build_parser().parse_args([command, *argv])


def line(lines: list[str], name: str) -> str:
    """The status line of check `name` (and its fix line, when there is one)."""
    for index, text in enumerate(lines):
        if text.split(maxsplit=1)[-1].startswith(name + ":"):
            follow = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].startswith("      fix:") else ""
            return text + ("\n" + follow if follow else "")
    raise AssertionError(f"no check {name!r} in:\n" + "\n".join(lines))


@pytest.fixture
def setup_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SetupWorld]:
    monkeypatch.setenv("TD_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "setup.duckdb")
    workspace.write_profile()
    state = account_state()
    server = FakeApiServer(state).start()
    try:
        yield SetupWorld(workspace, state, server, fixture_config(metrics=METRICS))
    finally:
        server.stop()
