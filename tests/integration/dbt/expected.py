"""Expected marts for the landing fixture, computed in plain Python from the fixture's rows (never
by running the project's SQL). Segment rules and metric filters are restated here as Python."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.fixtures import landing_fixture as lf

Row = dict[str, Any]

# The fixture's segment rules, restated as Python predicates over `customers` rows.
SEGMENT_RULES: dict[str, tuple[str, Callable[[Row], bool]]] = {
    "s1": (lf.PS_RETAIL, lambda c: c["country"] == "JP"),
    "s2": (lf.PS_RETAIL, lambda c: c["age"] >= 30),
    "s4": (lf.PS_QUOTED, lambda c: True),
}

# The fixture config's metric filters, restated as Python.
METRIC_FILTERS: dict[str, Callable[[Row], bool]] = {
    "ad_clicks": lambda r: "utm_" in (r["td_url"] or "").lower(),
    "email_sends": lambda r: r["event_type"] == "send",
    "email_opens": lambda r: r["event_type"] == "open",
}

SOURCES = {"demo_behaviors.orders": lf.ORDERS, "demo_behaviors.pageviews": lf.PAGEVIEWS,
           "demo_behaviors.email_events": lf.EMAIL_EVENTS}


def members(selected: set[str] | None = None) -> dict[str, set[str]]:
    """segment_id -> profile ids."""
    out: dict[str, set[str]] = {}
    for segment_id, (ps_id, rule) in SEGMENT_RULES.items():
        if selected is not None and segment_id not in selected:
            continue
        out[segment_id] = {c["td_canonical_id"] for c in lf.CUSTOMERS[ps_id] if rule(c)}
    return out


def utc_day(seconds: int) -> date:
    return datetime.fromtimestamp(seconds, tz=UTC).date()


def aggregate(agg: str, values: list[Any]) -> float:
    """One metric's value over a segment-day's qualifying values."""
    if agg == "count":
        return float(len(values))
    if agg == "count_distinct":
        return float(len(set(values)))
    if agg == "sum":
        return float(sum(values))
    if agg == "avg":
        return float(sum(values)) / len(values)
    return float(min(values) if agg == "min" else max(values))


def metrics_daily(config: dict[str, Any], run_date: date, lookback_days: int) -> dict[tuple[str, date, str], Row]:
    """(segment_id, event_date, metric) -> {metric_value, unique_profiles, avg_per_profile}."""
    start = run_date - timedelta(days=lookback_days)
    by_segment = members()
    out: dict[tuple[str, date, str], Row] = {}
    for metric in config["metrics"]:
        name, agg, column = metric["metric"], metric["agg"], metric["agg_col_name"]
        keep = METRIC_FILTERS.get(name, lambda r: True)
        groups: dict[tuple[str, date], list[tuple[str, Any]]] = defaultdict(list)
        for row in SOURCES[metric["source"]]:
            day = utc_day(row["time"])
            if row["td_canonical_id"] is None or not (start <= day < run_date) or not keep(row):
                continue
            value = 1 if column == "1" else row[column]
            if value is None:
                continue
            for segment_id, profiles in by_segment.items():
                if row["td_canonical_id"] in profiles:
                    groups[(segment_id, day)].append((row["td_canonical_id"], value))
        for (segment_id, day), events in groups.items():
            values = [v for _, v in events]
            profiles = {p for p, _ in events}
            result = aggregate(agg, values)
            out[(segment_id, day, name)] = {
                "metric_value": result,
                "unique_profiles": len(profiles),
                "avg_per_profile": result / len(profiles) if agg in ("count", "sum") else None,
            }
    return out
