"""A synthetic A/B account on the landing fixture, and the independent oracle of its readout.

Parent segment 101 gets 660 profiles in four groups (country CA / VB / VC / VX) and three segments:
  s1 "Control"    country = 'CA' (300)
  s2 "Variant B"  day 1: country = 'VB' or the CA profile p0007 (so p0007 is in two arms);
                  from RUN_2: country in ('VB', 'VX') (p0007 leaves, the VX profiles join)
  s3 "Variant C"  country = 'VC' (100)
Orders and page views are random (seeded) over 2026-02-20 .. 2026-03-16, many profiles have none.
The oracle computes every member's value from the raw events and membership days in Python and the
statistics with scipy, never from the marts' SQL.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from scipy import stats

from tests.fixtures.landing_fixture import LandingFixture, build_landing_fixture, write_landing

RUN_1 = date(2026, 3, 10)
RUN_2 = date(2026, 3, 13)
RUN_3 = date(2026, 3, 16)
GROUP_SIZES = {"CA": 300, "VB": 200, "VC": 100, "VX": 40, "ZZ": 20}
OVERLAP_PROFILE = "p0007"
FIRST_EVENT_DAY = date(2026, 2, 20)
LAST_EVENT_DAY = date(2026, 3, 16)

TESTS: list[dict[str, Any]] = [
    # before membership history began (RUN_1), open end: through the day before the run date
    {"name": "checkout", "control": "s1", "variants": ["Variant B"], "start_date": "2026-03-01"},
    # a skewed three-arm split against an equal expected split, a closed window, two metrics
    {"name": "srm_check", "control": "Control", "variants": ["s3", "s2"], "start_date": "2026-03-11",
     "end_date": "2026-03-14", "metrics": ["orders", "revenue"], "expected_split": [1, 1, 1]},
]


def _rule(condition: str) -> str:
    return f'select a.* from "cdp_audience_101"."customers" a where ({condition})'


SEGMENT_RULES_DAY_1 = {"s1": "a.\"country\" = 'CA'",
                       "s2": f"a.\"country\" = 'VB' or a.\"td_canonical_id\" = '{OVERLAP_PROFILE}'",
                       "s3": "a.\"country\" = 'VC'"}
SEGMENT_RULES_DAY_2 = {**SEGMENT_RULES_DAY_1, "s2": "a.\"country\" in ('VB', 'VX')"}
NAMES = {"s1": "Control", "s2": "Variant B", "s3": "Variant C"}


@dataclass
class World:
    profiles: dict[str, str]  # profile -> country
    orders: list[dict[str, Any]]
    pageviews: list[dict[str, Any]]


def make_world(seed: int = 7) -> World:
    rng = random.Random(seed)
    profiles: dict[str, str] = {}
    number = 0
    for country, size in GROUP_SIZES.items():
        for _ in range(size):
            number += 1
            profiles[f"p{number:04d}"] = country
    rate = {"CA": 0.08, "VB": 0.11, "VC": 0.05, "VX": 0.2, "ZZ": 0.3}
    orders: list[dict[str, Any]] = []
    pageviews: list[dict[str, Any]] = []
    day = FIRST_EVENT_DAY
    while day <= LAST_EVENT_DAY:
        for profile, country in profiles.items():
            if rng.random() < rate[country]:
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    amount = None if rng.random() < 0.05 else round(rng.lognormvariate(3.0, 0.8), 2)
                    orders.append({"td_canonical_id": profile, "time": _epoch(day, rng.randrange(86400)),
                                   "order_id": f"o{len(orders)}", "amount": amount, "items": rng.randint(1, 6)})
            if rng.random() < rate[country] * 2:
                pageviews.append({"td_canonical_id": profile, "time": _epoch(day, rng.randrange(86400)),
                                  "td_url": rng.choice(["/home", "/p?utm_x=1", "/cart"])})
        day += timedelta(days=1)
    return World(profiles=profiles, orders=orders, pageviews=pageviews)


def _epoch(day: date, second: int) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + second


def _segments(rules: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    segments = [{"segment_id": sid, "ps_id": "101", "folder_id": "f2", "segment_name": NAMES[sid],
                 "api_version": "v5", "segment_kind": "batch", "realtime": False, "population": None,
                 "rule_hash": f"{sid}-{hashlib.md5(rule.encode()).hexdigest()[:8]}"} for sid, rule in rules.items()]
    sql = [{"ps_id": "101", "rule_hash": s["rule_hash"], "sql_source": "compiler", "dialect": "duckdb",
            "segment_sql": _rule(rules[s["segment_id"]]), "error": None} for s in segments]
    return segments, sql


def write_world(path: Path, world: World, run_date: date) -> None:
    """Day 1 writes the whole account; later days only the landing with that day's rules."""
    rules = SEGMENT_RULES_DAY_1 if run_date < RUN_2 else SEGMENT_RULES_DAY_2
    segments, sql = _segments(rules)
    if run_date == RUN_1:
        build_landing_fixture(path)
        con = duckdb.connect(str(path))
        try:
            con.execute('create or replace table "cdp_audience_101".customers (cdp_customer_id varchar, '
                        "td_canonical_id varchar, country varchar, age integer)")
            con.executemany('insert into "cdp_audience_101".customers values (?, ?, ?, ?)',
                            [[f"c{p}", p, c, 30] for p, c in world.profiles.items()])
            con.execute("delete from demo_behaviors.orders")
            con.executemany("insert into demo_behaviors.orders values (?, ?, ?, ?, ?)",
                            [[o["td_canonical_id"], o["time"], o["order_id"], o["amount"], o["items"]]
                             for o in world.orders])
            con.execute("delete from demo_behaviors.pageviews")
            con.executemany("insert into demo_behaviors.pageviews values (?, ?, ?)",
                            [[v["td_canonical_id"], v["time"], v["td_url"]] for v in world.pageviews])
        finally:
            con.close()
    write_landing(LandingFixture(path=path, run_date=run_date, segments=segments, segment_sql=sql))


# --------------------------------------------------------------------------- the oracle

def _members_on(world: World, segment: str, day: date) -> set[str]:
    """Membership on a day: the day-1 rules before RUN_2 (also before history began), else day 2's."""
    rules_day = "1" if day < RUN_2 else "2"
    out = set()
    for profile, country in world.profiles.items():
        if segment == "s1" and country == "CA":
            out.add(profile)
        elif segment == "s3" and country == "VC":
            out.add(profile)
        elif segment == "s2" and (country == "VB" or (rules_day == "1" and profile == OVERLAP_PROFILE)
                                  or (rules_day == "2" and country == "VX")):
            out.add(profile)
    return out


def _day(epoch_seconds: int) -> date:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).date()


def exposures(world: World, segment: str, start: date, end: date) -> dict[str, date]:
    """profile -> its first day in the segment within [start, end)."""
    out: dict[str, date] = {}
    day = start
    while day < end:
        for profile in _members_on(world, segment, day):
            out.setdefault(profile, day)
        day += timedelta(days=1)
    return out


METRIC_EVENTS = {"orders": ("orders", None), "revenue": ("orders", "amount"), "avg_order": ("orders", "amount"),
                 "max_items": ("orders", "items"), "pageviews": ("pageviews", None)}


def member_values(world: World, metric: str, exposed: dict[str, date], through: date) -> list[float]:
    """Every member's value from its exposure through `through` (inclusive), 0 without events."""
    table, column = METRIC_EVENTS[metric]
    totals = dict.fromkeys(exposed, 0.0)
    for event in getattr(world, table):
        profile = event["td_canonical_id"]
        if profile in exposed and exposed[profile] <= _day(event["time"]) <= through:
            if column is None:
                totals[profile] += 1
            elif event[column] is not None:
                totals[profile] += event[column]
    return [totals[p] for p in sorted(totals)]


def arm_events(world: World, metric: str, exposed: dict[str, date], through: date) -> list[float]:
    table, column = METRIC_EVENTS[metric]
    return [float(e[column]) for e in getattr(world, table)
            if e["td_canonical_id"] in exposed and e[column] is not None
            and exposed[e["td_canonical_id"]] <= _day(e["time"]) <= through]


def expected_readout(world: World, test: dict[str, Any], metric: str, through: date) -> dict[str, dict[str, Any]]:
    """segment id -> the oracle's columns for one test and metric, cumulative through `through`."""
    start = date.fromisoformat(test["start_date"])
    end = min(date.fromisoformat(test["end_date"]), RUN_3) if test.get("end_date") else RUN_3
    ids = {v: k for k, v in NAMES.items()}
    arms = [ids.get(a, a) for a in [test["control"], *test["variants"]]]
    arm_exposures = {a: {p: d for p, d in exposures(world, a, start, end).items() if d <= through} for a in arms}
    values = {a: np.array(member_values(world, metric, arm_exposures[a], through)) for a in arms}
    control = values[arms[0]]
    weights = test.get("expected_split") or [1] * len(arms)
    sizes = np.array([len(values[a]) for a in arms], dtype=float)
    srm = float(stats.chisquare(sizes, f_exp=sizes.sum() * np.array(weights) / sum(weights)).pvalue)
    out: dict[str, dict[str, Any]] = {}
    for arm in arms:
        x = values[arm]
        row: dict[str, Any] = {"members": len(x), "srm_p_value": srm}
        if metric in ("orders", "revenue", "pageviews"):
            row["metric_total"] = float(x.sum())
            row["mean_per_member"] = float(x.mean())
        elif metric == "avg_order":
            events = arm_events(world, metric, arm_exposures[arm], through)
            row["metric_total"] = sum(events) / len(events)
        elif metric == "max_items":
            row["metric_total"] = max(arm_events(world, metric, arm_exposures[arm], through))
        if arm != arms[0] and metric in ("orders", "revenue", "pageviews"):
            mv, mc = x.mean(), control.mean()
            vv, vc = x.var(ddof=1), control.var(ddof=1)
            lift = mv / mc - 1
            se = math.sqrt(vv / (len(x) * mc**2) + mv**2 * vc / (len(control) * mc**4))
            row.update(lift=lift, lift_ci_low=lift - 1.959964 * se, lift_ci_high=lift + 1.959964 * se,
                       p_value=float(stats.ttest_ind(x, control, equal_var=False).pvalue),
                       chance_to_beat_control=float(stats.norm.cdf(
                           (mv - mc) / math.sqrt(vv / len(x) + vc / len(control)))))
        out[arm] = row
    return out


# --------------------------------------------------------------------------- Trino

def load_world_into_trino(connection: Any, landing_schema: str, world: World, run_date: date) -> None:
    """The same account in a Trino catalog: day 1 writes customers and events too; every day the
    landing tables with that day's rules (member SQL landed for the trino dialect)."""
    from tests.fixtures.landing_fixture import (  # noqa: PLC0415 - Trino helpers only for Trino tests
        LANDING_COLUMNS,
        _trino_create,
        landing_rows,
    )

    cursor = connection.cursor()
    rules = SEGMENT_RULES_DAY_1 if run_date < RUN_2 else SEGMENT_RULES_DAY_2
    segments, sql = _segments(rules)
    if run_date == RUN_1:
        for schema in (landing_schema, "demo_behaviors", "cdp_audience_101", "cdp_audience_202"):
            cursor.execute(f'create schema if not exists "{schema}"')
            cursor.fetchall()
        _trino_create(cursor, '"cdp_audience_101"."customers"',
                      {"cdp_customer_id": "varchar", "td_canonical_id": "varchar", "country": "varchar",
                       "age": "integer"},
                      [{"cdp_customer_id": f"c{p}", "td_canonical_id": p, "country": c, "age": 30}
                       for p, c in world.profiles.items()])
        _trino_create(cursor, '"cdp_audience_202"."customers"',
                      {"cdp_customer_id": "varchar", "td_canonical_id": "varchar", "country": "varchar",
                       "age": "integer"}, [])
        for table, rows, columns in (
                ("orders", world.orders, {"td_canonical_id": "varchar", "time": "bigint", "order_id": "varchar",
                                          "amount": "double", "items": "integer"}),
                ("pageviews", world.pageviews, {"td_canonical_id": "varchar", "time": "bigint", "td_url": "varchar"}),
                ("email_events", [], {"td_canonical_id": "varchar", "time": "bigint", "event_type": "varchar"})):
            _trino_create(cursor, f'"demo_behaviors"."{table}"', columns, [])
            for start in range(0, len(rows), 1000):
                _trino_insert(cursor, f'"demo_behaviors"."{table}"', columns, rows[start:start + 1000])
    fixture = LandingFixture(path=Path("trino"), run_date=run_date, segments=segments,
                             segment_sql=[dict(row, dialect="trino") for row in sql])
    for table, rows in landing_rows(fixture).items():
        _trino_create(cursor, f'"{landing_schema}"."{table}"', LANDING_COLUMNS[table], rows)


def _trino_insert(cursor: Any, qualified: str, columns: dict[str, str], rows: list[dict[str, Any]]) -> None:
    def literal(value: Any) -> str:
        return "null" if value is None else repr(value) if isinstance(value, int | float) else (
            "'" + str(value).replace("'", "''") + "'")
    values = ", ".join("(" + ", ".join(f"cast({literal(row.get(c))} as {t})" for c, t in columns.items()) + ")"
                       for row in rows)
    cursor.execute(f"insert into {qualified} values {values}")
    cursor.fetchall()
