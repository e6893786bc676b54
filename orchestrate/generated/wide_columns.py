"""The wide metrics mart's properties: `models/marts/_marts__metrics_wide.yml`.

`fct_segment_metrics_wide` has three columns per configured KPI (`<kpi>_total`, `<kpi>_unique`,
`<kpi>_avg`) besides its fixed ones, so its whole YAML entry (description, tests, every column) is
written from the `metrics` configuration: dbt reads one properties entry per model, so the fixed
columns live here too rather than in the folder's hand-written YAML. No contract: the columns
depend on the configuration.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrate.config.model import Config, Metric
from orchestrate.generated.base import HEADER, Generator

PATH = "models/marts/_marts__metrics_wide.yml"
MODEL = "fct_segment_metrics_wide"

DESCRIPTION = (
    "`<prefix>_final_metrics_table`: segment × event day (wide), generated from the `metrics` vars: "
    "`<metric>_total` (metric_value), `<metric>_unique` (unique_profiles) and `<metric>_avg` "
    "(avg_per_profile) per metric; null when the segment had no qualifying event for it that day. "
    "segment_population is the member count on the event day (point_in_time: as of that day from the "
    "membership history, earliest known before it began; current: today's members). query_change is "
    "the original's flag: 1 on the row of the run date a rule change took effect. Names are today's for "
    "landed segments (those deleted since keep the names their rows carry). Rebuilt every run from "
    "`<prefix>_metrics_daily` (a pivot; the daily table holds the history)."
)

FIXED_COLUMNS: tuple[dict[str, Any], ...] = (
    {"name": "ps_id", "description": "Parent segment id."},
    {"name": "ps_name", "description": "Parent segment name."},
    {"name": "folder_id", "description": "Folder id."},
    {"name": "folder_name", "description": "Folder name."},
    {"name": "segment_id", "description": "Segment id."},
    {"name": "segment_name", "description": "Segment name."},
    {"name": "event_date", "description": "UTC day of the events."},
    {"name": "segment_population", "description": "Members on the event day (see the model description)."},
    {"name": "query_change",
     "description": "1 on the row whose event_date is the run date a rule change was first seen, else 0.",
     "data_tests": [{"accepted_values": {"arguments": {"values": [0, 1], "quote": False}}}]},
    {"name": "membership_backfilled",
     "description": "True when the day is before the segment's membership history began."},
)

# what metric_value holds per agg (the daily mart's definition)
_VALUE = {
    "count": "the number of qualifying events",
    "sum": "the total",
    "avg": "the average over the qualifying events",
    "min": "the smallest value",
    "max": "the largest value",
    "count_distinct": "the number of distinct values",
}


def _definition(metric: Metric) -> str:
    column = "rows" if metric.agg_col_name == "1" else f"`{metric.agg_col_name}`"
    where = f" where `{metric.filter}`" if metric.filter else ""
    return f"{metric.agg} of {column} in `{metric.source}`{where}"


def metric_columns(metric: Metric) -> list[dict[str, Any]]:
    """The three wide columns of one configured metric, each described from its definition."""
    name, what = metric.metric, _definition(metric)
    avg = (f"`{name}_total` / `{name}_unique`: the average per member with a qualifying event that day."
           if metric.agg in ("count", "sum") else
           f"Always null: a per-profile average is defined for count and sum metrics only (this one is {metric.agg}).")
    return [
        {"name": f"{name}_total",
         "description": f"`{name}` ({what}): {_VALUE[metric.agg]} of the segment's members that day."},
        {"name": f"{name}_unique", "description": f"`{name}`: members with at least one qualifying event that day."},
        {"name": f"{name}_avg", "description": avg},
    ]


def properties(config: Config) -> dict[str, Any]:
    """The properties document of the wide mart for `config`."""
    columns = [dict(c) for c in FIXED_COLUMNS]
    for metric in config.metrics:
        columns.extend(metric_columns(metric))
    model = {
        "name": MODEL,
        "description": DESCRIPTION,
        "data_tests": [
            {"sa_unique_combination": {"arguments": {"columns": ["segment_id", "event_date"]}}},
            {"sa_not_null_columns": {"arguments": {"columns": ["segment_id", "event_date"]}}},
        ],
        "columns": columns,
    }
    return {"version": 2, "models": [model]}


def render(config: Config) -> str:
    body = yaml.safe_dump(properties(config), sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


GENERATOR = Generator(path=PATH, render=render,
                      what="the wide metrics mart's properties, with three described columns per metric")
