"""Do the contenders compute the same numbers? Compared per (segment, day, metric) on the full run,
and on the new day of the daily run.

The floor's per-profile-day aggregates joined to the original's membership (`run_query`) must give
the original's `kpis_combined.metric_value`; the project's `<prefix>_metrics_daily.metric_value`
must give the same. Differences above a cent count as mismatches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from bench import daily_floor, floor, original
from bench.workload import PROFILE_ID, TABLES

if TYPE_CHECKING:
    from bench.trino_engine import TrinoSession

TOLERANCE = 0.01


def floor_by_segment_sql(floor_db: str, run_query: str, schema: str = floor.SCHEMA,
                         suffix: str = "_profile_daily") -> str:
    """The floor's per-profile-day aggregates (`<table><suffix>` in `schema`) joined to a membership
    relation (`segment_id`, profile id) and summed per (segment, day, metric)."""
    parts = []
    for table in TABLES:
        for m in table.metrics:
            parts.append(f"""
                select cast(r.segment_id as varchar) as segment_id,
                       strftime(make_timestamp(f.day_number * 86400 * 1000000), '%Y-%m-%d') as event_date,
                       '{m.name}' as metric_name, sum(f.{m.name}) as metric_value
                from {floor_db}."{schema}"."{table.name}{suffix}" f
                join {run_query} r on r.{PROFILE_ID} = f.{PROFILE_ID}
                group by 1, 2, 3""")
    return " union all ".join(parts)


def daily_floor_sql(db: str) -> str:
    """The daily floor's new day per (segment, day, metric), through its own membership."""
    return floor_by_segment_sql(db, f'{db}."{daily_floor.SCHEMA}"."membership"', daily_floor.SCHEMA, "_new_day")


def _compare(con: duckdb.DuckDBPyConnection | TrinoSession, left: str, right: str) -> dict[str, Any]:
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


def project_metrics_sql(db: str, prefix: str, day_condition: str, schema: str = "main") -> str:
    return f"""
        select cast(segment_id as varchar) as segment_id, cast(event_date as varchar) as event_date,
               metric_name, metric_value
        from {db}."{schema}"."{prefix}_metrics_daily"
        where cast(event_date as varchar) {day_condition}"""


def crosscheck_trino(session: TrinoSession, project_schemas: dict[str, str], run_date: dt.date,
                     daily: bool, floor_daily: bool, catalog: str = "iceberg",
                     prefix: str = "segment_analytics", daily_projects: set[str] | None = None) -> dict[str, Any]:
    """The same comparisons on the bench's Trino, where every contender wrote its own schema of one
    catalog: `project_schemas` maps a project contender (project, project_td) to its schema; the new
    day is compared for the original's daily run (`daily`) and those of `daily_projects` (default:
    all) whose daily run succeeded."""
    out: dict[str, Any] = {"tolerance": TOLERANCE}
    run_query = f'{catalog}."{original.SCHEMA}"."{original.PREFIX}_run_query"'
    before, new_day = f"< '{run_date.isoformat()}'", f"= '{run_date.isoformat()}'"
    out["original_vs_floor"] = _compare(session, original_kpis_sql(catalog, before),
                                        floor_by_segment_sql(catalog, run_query))
    if daily and floor_daily:
        out["daily_floor_vs_original"] = _compare(session, daily_floor_sql(catalog),
                                                  original_kpis_sql(catalog, new_day))
    for contender, schema in project_schemas.items():
        comparisons = {f"{contender}_vs_original": before}
        if daily and (daily_projects is None or contender in daily_projects):
            comparisons[f"daily_{contender}_vs_original"] = new_day
        for name, condition in comparisons.items():
            try:
                out[name] = _compare(session, project_metrics_sql(catalog, prefix, condition, schema),
                                     original_kpis_sql(catalog, condition))
            except Exception as exc:  # noqa: BLE001 - any Trino error is recorded, not raised
                out[name] = {"error": str(exc).splitlines()[0]}
    return out


def crosscheck(original_db: Path, floor_db: Path, project_db: Path | None, run_date: dt.date,
               prefix: str = "segment_analytics", daily: bool = False,
               floor_daily: bool = False) -> dict[str, Any]:
    """The full runs' numbers (event days before `run_date`); with `daily` (both files also had
    their daily run) the new day's numbers of the project and the original as well; with
    `floor_daily` (the floor's file had the daily floor) the daily floor's against the original's."""
    out: dict[str, Any] = {"tolerance": TOLERANCE}
    with duckdb.connect() as con:
        con.execute(f"attach '{original_db}' as orig (read_only)")
        con.execute(f"attach '{floor_db}' as fl (read_only)")
        run_query = f'orig."{original.SCHEMA}"."{original.PREFIX}_run_query"'
        before = f"< '{run_date.isoformat()}'"
        out["original_vs_floor"] = _compare(con, original_kpis_sql("orig", before),
                                            floor_by_segment_sql("fl", run_query))
        if daily and floor_daily:
            out["daily_floor_vs_original"] = _compare(con, daily_floor_sql("fl"),
                                                      original_kpis_sql("orig", f"= '{run_date.isoformat()}'"))
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
