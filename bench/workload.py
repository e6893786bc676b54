"""The benchmark workload: one parent segment, three behaviour tables, six metrics.

The same definitions drive every contender: the dbt vars of the project's pipeline, the
original package's `aggregate_metrics_tables` (one entry per source table), and the floor scan.
"""

from __future__ import annotations

from dataclasses import dataclass

PS_ID = "1001"
AUDIENCE_SCHEMA = f"cdp_audience_{PS_ID}"
BEHAVIOR_SCHEMA = "demo_behaviors"
PROFILE_ID = "td_canonical_id"
TIME_COL = "time"


@dataclass(frozen=True)
class Metric:
    name: str
    agg: str  # count | sum
    agg_col: str  # "1" for row counts, else a column
    filter: str | None = None


@dataclass(frozen=True)
class BehaviorTable:
    name: str
    share: float  # fraction of all events that land in this table
    output_table: str  # the original's `output_table` (must end in _kpis)
    metrics: tuple[Metric, ...]

    @property
    def relation(self) -> str:
        return f"{BEHAVIOR_SCHEMA}.{self.name}"

    @property
    def activity_name(self) -> str:
        return self.output_table.removesuffix("_kpis")


TABLES: tuple[BehaviorTable, ...] = (
    BehaviorTable(
        "pageviews",
        0.60,
        "pageview_events_kpis",
        (
            Metric("pageviews", "count", "1"),
            Metric("ad_clicks", "count", "1", "td_url like '%utm_%'"),
        ),
    ),
    BehaviorTable(
        "orders",
        0.15,
        "order_events_kpis",
        (
            Metric("orders", "count", "1"),
            Metric("revenue", "sum", "amount"),
        ),
    ),
    BehaviorTable(
        "email_events",
        0.25,
        "email_events_kpis",
        (
            Metric("email_opens", "count", "1", "event_type = 'open'"),
            Metric("email_clicks", "count", "1", "event_type = 'click'"),
        ),
    ),
)


def all_metrics() -> list[tuple[BehaviorTable, Metric]]:
    return [(table, metric) for table in TABLES for metric in table.metrics]


def dbt_metrics_var() -> list[dict[str, str]]:
    """The `metrics` list for the project's dbt vars."""
    out: list[dict[str, str]] = []
    for table, metric in all_metrics():
        entry = {
            "metric": metric.name,
            "agg": metric.agg,
            "agg_col_name": metric.agg_col,
            "source": table.relation,
            "join_key": PROFILE_ID,
            "unixtime_col": TIME_COL,
        }
        if metric.filter:
            entry["filter"] = metric.filter
        out.append(entry)
    return out
