"""Read the marts through any DB-API connection (DuckDB, Trino) into plain column/row tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.report.relations import mart_relation

Progress = Callable[[str], None]


@dataclass(frozen=True)
class MartQuery:
    """One query of the report: which mart, which columns, whether the report can live without it."""

    key: str
    suffix: str
    columns: tuple[str, ...]
    distinct: bool = False
    required: bool = False
    # absent is normal (not built yet, or a table written only once something happens): no notice
    quiet: bool = False
    # an optional row condition (SQL after `where`); `{relation}` stands for the mart's relation
    where: str = ""


REPORT_QUERIES: tuple[MartQuery, ...] = (
    MartQuery(
        "ps_stats",
        "ps_stats",
        (
            "ps_id", "ps_name", "ps_population", "v5_flag", "folder_id", "folder_name", "folder_path",
            "segment_id", "segment_name", "segment_population", "segment_type", "realtime",
            "is_selected", "run_date",
        ),
        required=True,
    ),
    # selected segments skipped this run for want of usable member SQL (optional: older marts lack it)
    MartQuery("member_sql", "ps_stats", ("segment_id", "member_sql_problem")),
    MartQuery(
        "population_segments",
        "population_daily",
        ("segment_id", "segment_name", "ps_id", "ps_name", "folder_id", "folder_name"),
        distinct=True,
    ),
    MartQuery(
        "population_daily",
        "population_daily",
        ("segment_id", "date", "population", "entered", "exited", "api_population"),
    ),
    MartQuery(
        "population_tracker",
        "population_tracker",
        ("segment_id", "segment_name", "ps_id", "ps_name", "run_date", "segment_population", "member_count"),
    ),
    MartQuery(
        "metric_segments",
        "metrics_daily",
        ("segment_id", "segment_name", "ps_id", "ps_name", "folder_id", "folder_name"),
        distinct=True,
    ),
    MartQuery(
        "metrics_daily",
        "metrics_daily",
        ("segment_id", "event_date", "metric_name", "metric_table", "agg", "metric_value", "unique_profiles"),
    ),
    MartQuery(
        "rule_changes",
        "rule_changes",
        (
            "segment_id", "segment_name", "ps_id", "change_type", "version", "valid_from", "valid_to",
            "changed_by", "rule_diff", "population_before", "population_after",
        ),
    ),
    # what fired (docs/alerts.md), and the shim's delivery ledger (absent until the first send)
    MartQuery(
        "alerts",
        "alerts",
        (
            "alert_id", "run_date", "kind", "severity", "ps_id", "segment_id", "segment_name", "metric_name",
            "observed_value", "expected_value", "threshold", "message", "updated_by", "authorized", "muted",
            "muted_until",
        ),
        quiet=True,
    ),
    MartQuery("alert_deliveries", "alert_deliveries", ("alert_id", "destination", "status", "attempted_at"),
              quiet=True),
    # A/B tests (docs/ab_tests.md): absent until a test is configured and built
    MartQuery(
        "ab_results",
        "ab_test_results",
        (
            "test_name", "segment_id", "segment_name", "is_control", "metric_name", "computed_through", "members",
            "metric_total", "mean_per_member", "lift", "lift_ci_low", "lift_ci_high", "p_value",
            "chance_to_beat_control", "srm_p_value", "profiles_in_multiple_arms", "membership_backfilled",
        ),
        quiet=True,
    ),
    MartQuery(
        "ab_daily",
        "ab_test_daily",
        ("test_name", "segment_id", "segment_name", "is_control", "metric_name", "event_date", "lift",
         "lift_ci_low", "lift_ci_high"),
        quiet=True,
    ),
    # the overlap of the latest run date only
    MartQuery(
        "segment_overlap",
        "segment_overlap",
        (
            "run_date", "segment_a", "segment_b", "members_a", "members_b", "members_both",
            "share_of_a_in_b", "share_of_b_in_a", "jaccard",
        ),
        where="run_date = (select max(run_date) from {relation})",
    ),
    # each KPI's latest day beside the same day a week, a month and a year earlier
    MartQuery(
        "kpi_deltas",
        "kpis_period_over_period",
        (
            "segment_id", "period_start", "kpi_kind", "kpi_name", "agg", "kpi_value",
            "value_week_ago", "value_month_ago", "value_year_ago",
        ),
        where=("period_grain = 'day' and kpi_kind = 'metric' and period_start = "
               "(select max(period_start) from {relation} where period_grain = 'day' and kpi_kind = 'metric')"),
    ),
)


@dataclass
class MartTables:
    """What the report read: each query's rows, and why a query that failed has none."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # quiet queries that could not be read


class MartMissingError(SegmentAnalyticsError, RuntimeError):
    """A mart the report cannot do without is absent or unreadable."""


def build_sql(query: MartQuery, prefix: str, schema: str | None) -> str:
    columns = ", ".join(f'"{c}"' for c in query.columns)
    keyword = "select distinct" if query.distinct else "select"
    relation = mart_relation(prefix, query.suffix, schema)
    where = f" where {query.where.format(relation=relation)}" if query.where else ""
    return f"{keyword} {columns} from {relation}{where}"


def _fetch(conn: Any, sql: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        close = getattr(cursor, "close", None)
        if close is not None:
            close()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def read_marts(
    conn: Any,
    *,
    prefix: str,
    schema: str | None = None,
    progress: Progress | None = None,
    queries: Sequence[MartQuery] = REPORT_QUERIES,
) -> MartTables:
    """Run every report query; optional marts that cannot be read are recorded, not fatal."""
    result = MartTables()
    total = len(queries)
    for number, query in enumerate(queries, start=1):
        relation = f"{prefix}_{query.suffix}"
        if progress:
            progress(f"report: querying {relation} for {query.key} ({number}/{total})")
        sql = build_sql(query, prefix, schema)
        try:
            rows = _fetch(conn, sql, query.columns)
        except Exception as error:  # DB-API drivers raise their own classes
            _recover(conn)
            if query.required:
                raise MartMissingError(
                    f"cannot read {relation}: {_short(error)}. Build the marts first "
                    "(`segment-analytics build` or `dbt build`) and check the prefix and target."
                ) from error
            if query.quiet:
                result.absent.add(query.key)
            else:
                result.missing[query.key] = f"{relation} could not be read: {_short(error)}"
            result.tables[query.key] = []
            continue
        result.tables[query.key] = rows
    return result


def _recover(conn: Any) -> None:
    """Leave an aborted transaction so the next query can run (a no-op in autocommit mode)."""
    rollback = getattr(conn, "rollback", None)
    if rollback is None:
        return
    try:
        rollback()
    except Exception:  # nothing was open: the connection is usable
        return
