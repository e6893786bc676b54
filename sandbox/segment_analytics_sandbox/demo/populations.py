"""Segment populations as the (fake) CDP API reports them: the compiled rule counted on the data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from orchestrate.rules import compile_rule
from segment_analytics_sandbox.demo.model import SegmentDef
from segment_analytics_sandbox.demo.tables import ps_schema


def rule_clock(run_date: dt.date) -> dt.datetime:
    """The `now` of relative time conditions on a run date: its midnight, UTC."""
    return dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC)


def count_segments(conn: Any, segments: list[SegmentDef], run_date: dt.date) -> dict[str, int]:
    """segment id -> members, counting each rule's DuckDB SQL on the loaded tables."""
    rules = {s.id: s.rule for s in segments}
    counts: dict[str, int] = {}
    for seg in segments:
        sql = compile_rule(seg.rule, audience_id=seg.ps_id, dialect="duckdb", now=rule_clock(run_date),
                           resolve_reference=lambda ref: rules[ref], segment_id=seg.id)
        counts[seg.id] = int(conn.execute(f"select count(*) from ({sql}) members").fetchone()[0])
    return counts


def count_parent_segment(conn: Any, ps_id: str) -> int:
    schema = '"' + ps_schema(ps_id).replace('"', '""') + '"'
    return int(conn.execute(f"select count(*) from {schema}.customers").fetchone()[0])


def backfilled_history(
    seed: int, segment_id: str, population: int, before: dt.date, days: int
) -> list[tuple[dt.date, int, bool]]:
    """Plausible daily populations for the `days` before `before`, ending near `population`.

    A deterministic random walk backwards; about one point in ten is imputed (measured = false),
    as the statistics endpoint marks days it did not measure.
    """
    rng = random.Random(f"{seed}:{segment_id}:history")
    points: list[tuple[dt.date, int, bool]] = []
    value = float(population)
    for back in range(1, days + 1):
        value = max(0.0, value * (1 + rng.gauss(-0.004, 0.02)))
        points.append((before - dt.timedelta(days=back), round(value), rng.random() > 0.1))
    return sorted(points)
