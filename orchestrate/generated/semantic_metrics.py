"""The semantic layer's metrics, one set per configured KPI: `models/semantic/_semantic__metrics.yml`.

The semantic models (models/semantic/_semantic__models.yml) are static: their measures are the
daily metrics mart's columns, whichever KPIs are configured. What depends on the configuration is
the list of dbt metrics, each a measure filtered to one KPI's rows (`metric_name`):

- `<kpi>`: count and sum KPIs add up (the total over any period); min and max take the min / max
  of the days; avg and count_distinct do not add up over days, so the figure of a period is the
  figure of its last day (per segment);
- `<kpi>_profile_days`: member-days with a qualifying event (additive);
- `<kpi>_unique_profiles`: members with a qualifying event, non-additive over time: the figure of
  a period is that of its last day with data (per segment), never a sum of days;
- `<kpi>_avg_per_profile` (count and sum KPIs): `<kpi>` / `<kpi>_profile_days`, a ratio of sums.
"""

from __future__ import annotations

from typing import Any

import yaml

from orchestrate.config.errors import ConfigError, ConfigProblem
from orchestrate.config.model import Config, Metric
from orchestrate.generated.base import HEADER, Generator

PATH = "models/semantic/_semantic__metrics.yml"
METRIC_NAME_DIMENSION = "segment_metric_day__metric_name"
POPULATION_METRICS = ("segment_population", "segment_entered", "segment_exited", "api_population")

# measure of the `<kpi>` metric per agg, and how a period's figure is made from its days
_VALUE_MEASURE = {
    "count": ("kpi_value_total", "the number of qualifying events, summed over the days of the period"),
    "sum": ("kpi_value_total", "the total, summed over the days of the period"),
    "min": ("kpi_value_min", "the smallest daily minimum of the period"),
    "max": ("kpi_value_max", "the largest daily maximum of the period"),
    "avg": ("kpi_value_last_day", "the daily average of the last day of the period with data, per segment "
                                  "(daily averages do not add up and are never averaged)"),
    "count_distinct": ("kpi_value_last_day", "the distinct values on the last day of the period with data, "
                                             "per segment (daily distinct counts do not add up)"),
}


def _filter(metric: Metric) -> str:
    return f"{{{{ Dimension('{METRIC_NAME_DIMENSION}') }}}} = '{metric.metric}'"


def _column(metric: Metric) -> str:
    return "rows" if metric.agg_col_name == "1" else metric.agg_col_name


def _simple(name: str, label: str, description: str, measure: str, metric: Metric) -> dict[str, Any]:
    return {"name": name, "label": label, "description": description, "type": "simple",
            "type_params": {"measure": measure}, "filter": _filter(metric)}


def kpi_metrics(metric: Metric) -> list[dict[str, Any]]:
    """The dbt metrics of one configured KPI."""
    name, agg = metric.metric, metric.agg
    measure, how = _VALUE_MEASURE[agg]
    what = f"{agg} of {_column(metric)} in {metric.source}" + (f" where {metric.filter}" if metric.filter else "")
    out = [
        _simple(name, name, f"KPI `{name}` ({what}) of each segment's members: {how}.", measure, metric),
        _simple(f"{name}_profile_days", f"{name}: profile-days",
                f"Member-days with at least one qualifying `{name}` event (a member active on 3 days counts 3); "
                "additive over days.", "kpi_profile_days", metric),
        _simple(f"{name}_unique_profiles", f"{name}: unique profiles",
                f"Members with at least one qualifying `{name}` event on the last day of the period with data, "
                "per segment. Daily unique profiles are not additive (a member active on two days is one "
                "profile), so a weekly or monthly figure is NOT the distinct members of the period; for "
                f"activity over a period use `{name}_profile_days`.", "kpi_unique_profiles_last_day", metric),
    ]
    if agg in ("count", "sum"):
        out.append({
            "name": f"{name}_avg_per_profile", "label": f"{name}: per active profile-day",
            "description": f"`{name}` / `{name}_profile_days` over the period (a ratio of sums, never an "
                           "average of daily averages); on one day it is the mart's avg_per_profile.",
            "type": "ratio", "type_params": {"numerator": name, "denominator": f"{name}_profile_days"},
        })
    return out


def population_metrics() -> list[dict[str, Any]]:
    """The population metrics (fixed: the population mart's measures)."""
    return [
        {"name": "segment_population", "label": "segment population",
         "description": "Members of each segment at the end of the period (the population of its last day with "
                        "data, per segment: semi-additive, never summed over days; summed over segments).",
         "type": "simple", "type_params": {"measure": "population_last_day"}},
        {"name": "segment_entered", "label": "profiles entered",
         "description": "Profiles whose membership began in the period (additive over days).",
         "type": "simple", "type_params": {"measure": "entered_total"}},
        {"name": "segment_exited", "label": "profiles exited",
         "description": "Profiles found no longer members in the period (additive over days).",
         "type": "simple", "type_params": {"measure": "exited_total"}},
        {"name": "api_population", "label": "API population",
         "description": "The population the CDP API reports, on the last day of the period with data, per segment.",
         "type": "simple", "type_params": {"measure": "api_population_last_day"}},
    ]


def render(config: Config) -> str:
    """The metrics YAML for the configured KPIs (and the population metrics)."""
    metrics: list[dict[str, Any]] = []
    for metric in config.metrics:
        metrics.extend(kpi_metrics(metric))
    metrics.extend(population_metrics())
    seen: set[str] = set()
    problems = []
    for entry in metrics:
        if entry["name"] in seen:
            problems.append(ConfigProblem("metrics", f"the semantic layer would define metric {entry['name']!r} "
                                                     "twice; rename the KPI"))
        seen.add(entry["name"])
    if problems:
        raise ConfigError(problems)
    body = yaml.safe_dump({"version": 2, "metrics": metrics}, sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


GENERATOR = Generator(path=PATH, render=render, what="semantic layer metrics, one set per configured KPI")
