"""Shared helpers for the CDP integration tests: a small account and landing-table readers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from segment_analytics_sandbox.fake_api.state import FakeState

RUN_DATE = date(2026, 11, 28)

GENDER_RULE = {"type": "And", "conditions": [{"type": "And", "conditions": [
    {"type": "Value", "leftValue": {"name": "gender", "visibility": "clear"},
     "operator": {"not": False, "rightValues": ["Male"], "type": "Contain"}, "exclude": False}]}]}
ORDERS_RULE = {"type": "And", "conditions": [{"type": "And", "description": "buyers", "conditions": [
    {"type": "Value", "leftValue": {"aggregation": {"type": "Count"}, "source": {"name": "behavior_orders"},
                                    "filter": {"type": "And", "conditions": [
                                        {"type": "Column", "column": "timestamp",
                                         "operator": {"type": "TimeWithinPast", "value": 30, "unit": "day",
                                                      "not": False}}]}},
     "operator": {"not": False, "rightValue": 1, "type": "GreaterEqual"}, "exclude": False,
     "futureKey": {"kept": True}}]}]}


def small_account(state: FakeState) -> dict[str, str]:
    """Two parent segments (v4+v5, v4-only), nested folders, batch/realtime/empty-rule segments."""
    both = state.add_parent_segment("Customer 360 'main'", population=1000, ps_id=287197)
    legacy = state.add_parent_segment("Légacy \"PS\"", v5=False, population=None, ps_id=300001)
    marketing = state.add_folder(both, "Marketing")
    deep = state.add_folder(both, "Ünïcode 'deep'", parent_folder_id=marketing)
    ids = {
        "both": both, "legacy": legacy, "marketing": marketing, "deep": deep,
        "men": state.add_segment(both, "Men", GENDER_RULE, folder_id=marketing, population=400),
        "buyers": state.add_segment(both, "Buyers \"30d\"", ORDERS_RULE, folder_id=deep, population=None),
        "rt": state.add_segment(both, "Realtime men", GENDER_RULE, kind="realtime", population=12),
        "all": state.add_segment(both, "Everyone", None, population=1000),
        "legacy_men": state.add_segment(legacy, "Men (legacy)", GENDER_RULE, population=7),
    }
    for day, pop in ((date(2026, 11, 25), 390), (date(2026, 11, 26), 395), (date(2026, 11, 27), 400)):
        state.record_population(ids["men"], day, pop, measured=day != date(2026, 11, 26))
    return ids


def rows(path: Path, table: str, order: str = "1") -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from {table} order by {order}").fetchall()


def dicts(path: Path, table: str, order: str = "1") -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute(f"select * from {table} order by {order}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


LANDED = ("cdp_landing__parent_segments", "cdp_landing__folders", "cdp_landing__segments",
          "cdp_landing__segment_sql", "cdp_landing__segment_statistics")


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every landing table except pull_runs, fully ordered: for 'untouched' comparisons."""
    return {t: rows(path, t, "all") for t in LANDED}


def landed_segment_ids(path: Path) -> set[str]:
    return {r[0] for r in rows(path, "cdp_landing__segments")}
