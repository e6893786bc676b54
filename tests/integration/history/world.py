"""A small account whose history is known by hand, driven day by day through the real path:
fake CDP API -> `run_pull` (landing tables in DuckDB) -> `dbt build` with that day's run date.

Profiles live in `cdp_audience_<ps>.customers`; a day's profile changes are table updates, the
account's changes (rule edits, re-saves, deletions, new segments) go through the fake API's state.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from orchestrate.config import validate_config
from orchestrate.pull import run_pull
from orchestrate.warehouse.base import LandingWriter
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.rules import all_of, attr, op, rule
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.fake_api import make_client

PS_SHOP = "5001"  # v5
PS_LEGACY = "5002"  # v4 only

DAY1, DAY2, DAY3, DAY4, DAY5 = (dt.date(2026, 5, d) for d in range(1, 6))

# History tables compared before/after re-runs (by their warehouse names, prefix "sa").
HISTORY_TABLES = (
    "sa_snp_segment_rules", "sa_snp_segment_membership", "sa_hist_api_populations", "sa_hist_rule_versions",
    "sa_rule_changes", "sa_population_daily", "sa_hist_query_change",
)
# The history: the models under models/history (and the snapshots upstream of them), and the two
# marts built from them.
HISTORY_SELECT = ("+path:models/history", "+fct_segment_population_daily", "+fct_segment_rule_changes")

METRICS = [{"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "demo_behaviors.orders",
            "join_key": "td_canonical_id", "unixtime_col": "time"}]


def adults_rule(min_age: int) -> dict[str, Any]:
    return rule(all_of(attr("age", op("GreaterEqual", rightValue=min_age)), description="grown-ups"))


def adults_jp_rule() -> dict[str, Any]:
    return rule(all_of(attr("age", op("GreaterEqual", rightValue=40)),
                       attr("country", op("Equal", rightValue="JP")), description="grown-ups"))


def country_rule(country: str, description: str = "by country") -> dict[str, Any]:
    return rule(all_of(attr("country", op("Equal", rightValue=country)), description=description))


def resaved(original: dict[str, Any]) -> dict[str, Any]:
    """The same rule saved again: keys in another order, a new description (no change of meaning)."""
    clone = copy.deepcopy(original)
    clone["conditions"][0]["description"] = "re-saved, same meaning"
    clone["conditions"][0]["conditions"] = [dict(reversed(list(leaf.items())))
                                            for leaf in clone["conditions"][0]["conditions"]]
    return dict(reversed(list(clone.items())))


class Warehouse(Protocol):
    """Where a World lands, builds and reads (DuckDB here; the Trino and TD-mode runs of the history
    models are in tests/integration/trino, against the same marts on DuckDB)."""

    name: str

    def write_customers(self, people: dict[str, dict[str, tuple[int, str]]]) -> None: ...

    def write_orders(self, orders: list[tuple[str, int, float, int]]) -> None: ...

    def writer(self) -> LandingWriter: ...

    def dbt(self, args: list[str], config: dict[str, Any], run_date: str) -> None: ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def connect(self) -> Any: ...


CUSTOMER_COLUMNS = "(cdp_customer_id varchar, td_canonical_id varchar, age bigint, country varchar)"
ORDER_COLUMNS = "(td_canonical_id varchar, time bigint, amount double, items bigint)"


@dataclass
class DuckDbWarehouse:
    workspace: DbtWorkspace
    name: str = "duckdb"

    def write_customers(self, people: dict[str, dict[str, tuple[int, str]]]) -> None:
        con = duckdb.connect(str(self.workspace.db_path))
        try:
            for ps_id, profiles in people.items():
                con.execute(f'create schema if not exists "cdp_audience_{ps_id}"')
                con.execute(f'create or replace table "cdp_audience_{ps_id}".customers {CUSTOMER_COLUMNS}')
                rows = [[f"c-{pid}", pid, age, country] for pid, (age, country) in profiles.items()]
                if rows:
                    con.executemany(f'insert into "cdp_audience_{ps_id}".customers values (?, ?, ?, ?)', rows)
            con.execute("create schema if not exists demo_behaviors")
            con.execute(f"create table if not exists demo_behaviors.orders {ORDER_COLUMNS}")
        finally:
            con.close()

    def write_orders(self, orders: list[tuple[str, int, float, int]]) -> None:
        """Replace demo_behaviors.orders with (profile id, unix seconds, amount, items) rows."""
        con = duckdb.connect(str(self.workspace.db_path))
        try:
            con.execute("create schema if not exists demo_behaviors")
            con.execute(f"create or replace table demo_behaviors.orders {ORDER_COLUMNS}")
            if orders:
                con.executemany("insert into demo_behaviors.orders values (?, ?, ?, ?)", [list(o) for o in orders])
        finally:
            con.close()

    def writer(self) -> LandingWriter:
        return DuckDbLandingWriter(self.workspace.db_path)

    def dbt(self, args: list[str], config: dict[str, Any], run_date: str) -> None:
        self.workspace.dbt(args, config=config, run_date=run_date)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.workspace.query(sql)

    def connect(self) -> Any:
        return duckdb.connect(str(self.workspace.db_path), read_only=True)


@dataclass
class World:
    """The account, the warehouse, and the profiles of its two parent segments."""

    warehouse: Warehouse
    state: FakeState
    server: FakeApiServer
    # profile id -> (age, country), per parent segment
    shop: dict[str, tuple[int, str]] = field(default_factory=dict)
    legacy: dict[str, tuple[int, str]] = field(default_factory=dict)
    # top-level config keys replaced for every run (e.g. filters, membership_basis, time_window)
    overrides: dict[str, Any] = field(default_factory=dict)
    # what `run_day` builds (with everything upstream): the history models and marts by default
    select: tuple[str, ...] = HISTORY_SELECT

    def config(self) -> dict[str, Any]:
        return fixture_config(**{"metrics": METRICS, **copy.deepcopy(self.overrides)})

    def run_day(self, day: dt.date, *, full_refresh: bool = False, pull: bool = True) -> None:
        """What `segment-analytics run --run-date <day>` does: pull, then dbt build (here only the
        history models, their tests and everything upstream of them, to keep the test fast).
        A pull that fails raises PullError and builds nothing, as `run` does."""
        self.warehouse.write_customers({PS_SHOP: self.shop, PS_LEGACY: self.legacy})
        if pull:
            run_pull(client=make_client(self.server), writer=self.warehouse.writer(),
                     v5_flag=validate_config(self.config()).filters.v5_flag, run_date=day, sql_source="compiler",
                     dialect=self.warehouse.name)
        self.build(day, full_refresh=full_refresh)

    def build(self, day: dt.date, *, full_refresh: bool = False) -> None:
        """`segment-analytics build --run-date <day>` over what is landed."""
        args = ["build", "--select", *self.select, "--indirect-selection", "cautious"]
        if full_refresh:
            args.append("--full-refresh")
        self.warehouse.dbt(args, self.config(), day.isoformat())

    def set_api_populations(self) -> None:
        """The fake API's population of each live segment = 10 x its true member count."""
        people = {PS_SHOP: self.shop, PS_LEGACY: self.legacy}
        for seg in list(self.state.segments.values()):
            members = [pid for pid, profile in people[seg.ps_id].items() if matches(seg.rule, profile)]
            self.state.set_population(seg.id, 10 * len(members))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.warehouse.query(sql)

    def query_dicts(self, sql: str, names: list[str]) -> list[dict[str, Any]]:
        return [dict(zip(names, row, strict=True)) for row in self.warehouse.query(sql)]

    def table(self, name: str) -> list[tuple[Any, ...]]:
        return sorted(self.warehouse.query(f"select * from {name}"), key=repr)

    def history_state(self) -> dict[str, list[tuple[Any, ...]]]:
        return {name: self.table(name) for name in HISTORY_TABLES}


def matches(segment_rule: dict[str, Any], profile: tuple[int, str]) -> bool:
    """The test's own reading of the few rules used here (an oracle independent of the SQL)."""
    age, country = profile
    for group in segment_rule["conditions"]:
        for leaf in group["conditions"]:
            name, operator = leaf["leftValue"]["name"], leaf["operator"]
            value = age if name == "age" else country
            if operator["type"] == "GreaterEqual" and not value >= operator["rightValue"]:
                return False
            if operator["type"] == "Less" and not value < operator["rightValue"]:
                return False
            if operator["type"] == "Equal" and value != operator["rightValue"]:
                return False
            if operator["type"] == "In" and value not in operator["rightValues"]:
                return False
    return True


@contextlib.contextmanager
def duckdb_world(root: Path, db_name: str, **world_fields: Any) -> Iterator[World]:
    """A World on a fresh DuckDB file under `root`, with its own fake API (stopped on exit)."""
    workspace = DbtWorkspace(root=root, db_path=root / db_name)
    workspace.write_profile()
    state = FakeState()
    server = FakeApiServer(state).start()
    try:
        yield World(DuckDbWarehouse(workspace), state, server, **world_fields)
    finally:
        server.stop()
