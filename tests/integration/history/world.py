"""A small account whose history is known by hand, driven day by day through the real path:
fake CDP API -> `run_pull` (landing tables in DuckDB) -> `dbt build` with that day's run date.

Profiles live in `cdp_audience_<ps>.customers`; a day's profile changes are table updates, the
account's changes (rule edits, re-saves, deletions, new segments) go through the fake API's state.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestrate.demo.rules import all_of, attr, op, rule
from orchestrate.fake_api.server import FakeApiServer
from orchestrate.fake_api.state import FakeState
from orchestrate.pull import run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.fake_api import make_client

PS_SHOP = "5001"  # v5
PS_LEGACY = "5002"  # v4 only

DAY1, DAY2, DAY3, DAY4, DAY5 = (dt.date(2026, 5, d) for d in range(1, 6))

# History tables compared before/after re-runs (by their warehouse names, prefix "sa").
HISTORY_TABLES = (
    "snp_segment_rules", "snp_segment_membership", "hist_api_populations", "hist_rule_versions",
    "sa_rule_changes", "sa_population_daily", "hist_query_change",
)

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


@dataclass
class World:
    """The account, the warehouse, and the ids of the segments the test talks about."""

    workspace: DbtWorkspace
    state: FakeState
    server: FakeApiServer
    ids: dict[str, str] = field(default_factory=dict)
    # profile id -> (age, country), per parent segment
    shop: dict[str, tuple[int, str]] = field(default_factory=dict)
    legacy: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def db_path(self) -> Path:
        return self.workspace.db_path

    def config(self) -> dict[str, Any]:
        return fixture_config(metrics=METRICS)

    # -- warehouse -----------------------------------------------------------------------------
    def write_customers(self) -> None:
        con = duckdb.connect(str(self.db_path))
        try:
            for ps_id, people in ((PS_SHOP, self.shop), (PS_LEGACY, self.legacy)):
                con.execute(f'create schema if not exists "cdp_audience_{ps_id}"')
                con.execute(f'create or replace table "cdp_audience_{ps_id}".customers '
                            "(cdp_customer_id varchar, td_canonical_id varchar, age bigint, country varchar)")
                con.executemany(f'insert into "cdp_audience_{ps_id}".customers values (?, ?, ?, ?)',
                                [[f"c-{pid}", pid, age, country] for pid, (age, country) in people.items()])
            con.execute("create schema if not exists demo_behaviors")
            con.execute("create table if not exists demo_behaviors.orders "
                        "(td_canonical_id varchar, time bigint, amount double, items bigint)")
        finally:
            con.close()

    def run_day(self, day: dt.date, *, full_refresh: bool = False, pull: bool = True) -> None:
        """What `segment-analytics run --run-date <day>` does: pull, then dbt build (here only the
        history models, their tests and everything upstream of them, to keep the test fast)."""
        self.write_customers()
        if pull:
            run_pull(client=make_client(self.server), writer=DuckDbLandingWriter(self.db_path),
                     config=self.config(), run_date=day, sql_source="compiler", dialect="duckdb")
        args = ["build", "--select", "+path:models/history", "--indirect-selection", "cautious"]
        if full_refresh:
            args.append("--full-refresh")
        self.workspace.dbt(args, config=self.config(), run_date=day.isoformat())

    def set_api_populations(self) -> None:
        """The fake API's population of each live segment = 10 x its true member count."""
        people = {PS_SHOP: self.shop, PS_LEGACY: self.legacy}
        for seg in list(self.state.segments.values()):
            members = [pid for pid, profile in people[seg.ps_id].items() if matches(seg.rule, profile)]
            self.state.set_population(seg.id, 10 * len(members))

    def table(self, name: str) -> list[tuple[Any, ...]]:
        return sorted(self.workspace.query(f"select * from {name}"), key=repr)

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
