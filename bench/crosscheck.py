"""Do the contenders compute the same numbers? Compared per (segment, day, metric) on the full run,
and on the new day of the daily run.

The floor's per-profile-day aggregates joined to the original's membership (`run_query`) must give
the original's `kpis_combined.metric_value`; the project's `<prefix>_metrics_daily.metric_value`
must give the same. Differences above a cent count as mismatches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from bench import floor, original
from bench.workload import PROFILE_ID, TABLES

TOLERANCE = 0.01


def floor_by_segment_sql(floor_db: str, run_query: str) -> str:
    parts = []
    for table in TABLES:
        for m in table.metrics:
            parts.append(f"""
                select cast(r.segment_id as varchar) as segment_id,
                       strftime(make_timestamp(f.day_number * 86400 * 1000000), '%Y-%m-%d') as event_date,
                       '{m.name}' as metric_name, sum(f.{m.name}) as metric_value
                from {floor_db}."{floor.SCHEMA}"."{table.name}_profile_daily" f
                join {run_query} r on r.{PROFILE_ID} = f.{PROFILE_ID}
                group by all""")
    return " union all ".join(parts)


def _compare(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict[str, Any]:
    row = con.execute(f"""
        with l as ({left}), r as ({right})
        select count(*) as keys,
               count(*) filter (where abs(coalesce(l.metric_value, 0) - coalesce(r.metric_value, 0))
                                > {TOLERANCE}) as mismatches,
               max(abs(coalesce(l.metric_value, 0) - coalesce(r.metric_value, 0))) as max_abs_diff,
               sum(l.metric_value) as left_total, sum(r.metric_value) as right_total
        from l full outer join r using (segment_id, event_date, metric_name)
    """).fetchone()
    assert row is not None
    keys, mismatches, max_diff, left_total, right_total = row
    return {"keys": keys, "mismatches": mismatches, "max_abs_diff": max_diff,
            "left_total": left_total, "right_total": right_total, "agree": mismatches == 0 and keys > 0}


def original_kpis_sql(db: str, day_condition: str) -> str:
    return (f'select segment_id, event_date, metric_name, metric_value '
            f'from {db}."{original.SCHEMA}"."{original.PREFIX}_kpis_combined" where event_date {day_condition}')


def project_metrics_sql(db: str, prefix: str, day_condition: str) -> str:
    return f"""
        select cast(segment_id as varchar) as segment_id, cast(event_date as varchar) as event_date,
               metric_name, metric_value
        from {db}.main."{prefix}_metrics_daily"
        where cast(event_date as varchar) {day_condition}"""


def crosscheck(original_db: Path, floor_db: Path, project_db: Path | None, run_date: dt.date,
               prefix: str = "segment_analytics", daily: bool = False) -> dict[str, Any]:
    """The full runs' numbers (event days before `run_date`); with `daily` (both files also had
    their daily run) the new day's numbers of the project and the original as well."""
    out: dict[str, Any] = {"tolerance": TOLERANCE}
    with duckdb.connect() as con:
        con.execute(f"attach '{original_db}' as orig (read_only)")
        con.execute(f"attach '{floor_db}' as fl (read_only)")
        run_query = f'orig."{original.SCHEMA}"."{original.PREFIX}_run_query"'
        before = f"< '{run_date.isoformat()}'"
        out["original_vs_floor"] = _compare(con, original_kpis_sql("orig", before),
                                            floor_by_segment_sql("fl", run_query))
        if project_db is not None and project_db.exists():
            con.execute(f"attach '{project_db}' as pj (read_only)")
            comparisons = {"project_vs_original": before}
            if daily:
                comparisons["daily_project_vs_original"] = f"= '{run_date.isoformat()}'"
            for name, condition in comparisons.items():
                try:
                    out[name] = _compare(con, project_metrics_sql("pj", prefix, condition),
                                         original_kpis_sql("orig", condition))
                except duckdb.Error as exc:
                    out[name] = {"error": str(exc).splitlines()[0]}
    return out
