"""A synthetic account of any size for load tests and benchmarks (deterministic per seed)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.rules import Rule, all_of, attr, behavior, column, op, rule, within_past


def attribute_rule(column_name: str, values: list[str]) -> Rule:
    return rule(all_of(attr(column_name, op("In", rightValues=values))))


def behavior_rule(table: str, days: int, at_least: int) -> Rule:
    """At least `at_least` rows of `behavior_<table>` within the past `days` days."""
    return rule(all_of(behavior(table, {"type": "Count"}, op("GreaterEqual", rightValue=at_least),
                                column("timestamp", within_past(days)))))


def range_rule(column_name: str, low: int, high: int) -> Rule:
    band = all_of(attr(column_name, op("Between", minValue=low, maxValue=high)), description=f"{column_name} band")
    return {"type": "Or", "conditions": [band]}


def build_account(
    state: FakeState,
    *,
    parent_segments: int = 20,
    segments: int = 5000,
    folder_depth: int = 8,
    folders_per_ps: int = 24,
    history_days: int = 3,
    end_day: date | None = None,
    v4_only_every: int = 5,
    seed: int = 42,
) -> dict[str, int]:
    """Fill `state`; every `v4_only_every`-th parent segment is v4-only. Returns the counts made."""
    rng = random.Random(seed)
    end_day = end_day or date(2026, 11, 27)
    ps_ids = [
        state.add_parent_segment(f"PS {i:02d} 'quoted' ünïcode", v5=(i % v4_only_every != 0),
                                 population=rng.randint(10_000, 1_000_000))
        for i in range(parent_segments)
    ]
    folder_ids: dict[str, list[str]] = {}
    made_folders = 0
    for ps_id in ps_ids:
        chain: list[str] = []
        parent: str | None = None
        ids: list[str] = []
        for level in range(folder_depth):  # one chain as deep as asked
            parent = state.add_folder(ps_id, f"Level {level + 1}", parent_folder_id=parent)
            chain.append(parent)
            ids.append(parent)
        for j in range(max(0, folders_per_ps - folder_depth)):  # and a bushy rest
            parent = state.add_folder(ps_id, f"Folder {j}", parent_folder_id=rng.choice(ids))
            ids.append(parent)
        made_folders += len(ids)
        folder_ids[ps_id] = ids
    for n in range(segments):
        ps_id = ps_ids[n % len(ps_ids)]
        choice = n % 3
        if choice == 0:
            rule = attribute_rule("country", [f"C{n % 97}", f"C{(n * 7) % 97}"])
        elif choice == 1:
            rule = behavior_rule("orders", 7 + n % 60, 1 + n % 5)
        else:
            rule = range_rule("age", n % 50, n % 50 + 10)
        sid = state.add_segment(ps_id, f"Segment {n:05d} \"q\"", rule, folder_id=rng.choice(folder_ids[ps_id]),
                                kind="realtime" if n % 50 == 0 else "batch",
                                population=None if n % 41 == 0 else rng.randint(0, 100_000))
        for back in range(history_days):
            day = end_day - timedelta(days=back)
            state.record_population(sid, day, rng.randint(0, 100_000), measured=back % 2 == 0)
    return {"parent_segments": len(ps_ids), "folders": made_folders + len(ps_ids), "segments": segments}
