"""Small hand-built inputs of the comparison marts and an independent Python oracle of their rows.

The marts read four upstream tables by their warehouse names (prefix `sa`); the tests create those
tables directly (on DuckDB and on the local Trino) and build only the comparison models.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PREFIX = "sa"


@dataclass(frozen=True)
class Table:
    """An input table: its name, (column, SQL type) pairs and rows."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple[Any, ...], ...]


# ---------------------------------------------------------------------------------------------- overlap
# Parent segment p1: s1 {a b c d}, s2 {b c e}, s3 {c d e f}, s4 selected but empty, s6 not selected
# (shares everything with s1); parent segment p2: s5 {c} (same profile id as p1's c, never compared).
# Profile c is in s1, s2 and s3.
MEMBERS: dict[str, tuple[str, set[str]]] = {
    "s1": ("p1", {"a", "b", "c", "d"}),
    "s2": ("p1", {"b", "c", "e"}),
    "s3": ("p1", {"c", "d", "e", "f"}),
    "s4": ("p1", set()),
    "s5": ("p2", {"c"}),
    "s6": ("p1", {"a", "b", "c", "d"}),
}
SELECTED = {"s1", "s2", "s3", "s4", "s5"}
PS_NAMES = {"p1": "Shop", "p2": "Crm"}


def overlap_tables(members: dict[str, tuple[str, set[str]]] = MEMBERS) -> list[Table]:
    selected = Table(
        f"{PREFIX}_int_segments__selected",
        (("segment_id", "varchar"), ("segment_name", "varchar"), ("ps_id", "varchar"), ("ps_name", "varchar"),
         ("is_selected", "boolean")),
        tuple((sid, f"Segment {sid}", ps, PS_NAMES[ps], sid in SELECTED) for sid, (ps, _) in sorted(members.items())),
    )
    membership = Table(
        f"{PREFIX}_int_segment_members",
        (("segment_id", "varchar"), ("ps_id", "varchar"), ("profile_id", "varchar")),
        tuple((sid, ps, pid) for sid, (ps, pids) in sorted(members.items()) if sid in SELECTED
              for pid in sorted(pids)),
    )
    return [selected, membership]


def expected_overlap(run_date: dt.date, top: int,
                     members: dict[str, tuple[str, set[str]]] = MEMBERS) -> list[tuple[Any, ...]]:
    """Every pair of selected segments of one parent segment with a shared member, ranked per segment
    by shared members desc, union asc, other id asc; kept when in the top of either segment."""
    chosen = {sid: v for sid, v in members.items() if sid in SELECTED}
    pairs: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    for a in sorted(chosen):
        for b in sorted(chosen):
            if a < b and chosen[a][0] == chosen[b][0]:
                both = len(chosen[a][1] & chosen[b][1])
                if both:
                    pairs[(a, b)] = (len(chosen[a][1]), len(chosen[b][1]), both, len(chosen[a][1] | chosen[b][1]))
    ends: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for (a, b), (_, _, both, union) in pairs.items():
        ends[a].append((-both, union, b))
        ends[b].append((-both, union, a))
    rank = {(sid, other): i + 1 for sid, items in ends.items() for i, (_, _, other) in enumerate(sorted(items))}
    rows = []
    for (a, b), (na, nb, both, union) in sorted(pairs.items()):
        ra, rb = rank[(a, b)], rank[(b, a)]
        if ra <= top or rb <= top:
            ps = chosen[a][0]
            rows.append((run_date, ps, PS_NAMES[ps], a, f"Segment {a}", b, f"Segment {b}", na, nb, both,
                         both / na, both / nb, both / union, ra, rb))
    return rows


OVERLAP_COLUMNS = ("run_date", "ps_id", "ps_name", "segment_a", "segment_a_name", "segment_b", "segment_b_name",
                   "members_a", "members_b", "members_both", "share_of_a_in_b", "share_of_b_in_a", "jaccard",
                   "rank_in_a", "rank_in_b")


# ------------------------------------------------------------------------------------ period over period
def _days(first: str, last: str) -> list[dt.date]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


METRIC_AGGS = {"orders": "count", "revenue": "sum", "avg_order": "avg", "max_items": "max",
               "min_items": "min", "distinct_urls": "count_distinct"}
# s1: a stretch of 2023 (the year before the leap day) and 2024-01-22 .. 2024-04-07, some days missing
S1_DAYS = _days("2023-02-20", "2023-03-12") + _days("2024-01-22", "2024-04-07")
MISSING_METRIC_DAYS = {dt.date(2024, 3, 22), dt.date(2024, 2, 15), dt.date(2023, 3, 1)}
S2_DAYS = _days("2024-03-25", "2024-04-02")


def _metric_value(metric: str, day: dt.date, seg: str) -> tuple[float, int]:
    n = day.toordinal() % 97 + (3 if seg == "s2" else 0)
    profiles = n % 7 + 1
    value = {"orders": float(n % 13 + profiles), "revenue": (n % 11) * 10 + 0.5, "avg_order": (n % 5) + 0.25,
             "max_items": float(n % 9), "min_items": float(n % 4), "distinct_urls": float(n % 6 + 1)}[metric]
    return value, profiles


def metric_rows() -> list[tuple[Any, ...]]:
    rows = []
    for seg, days in (("s1", S1_DAYS), ("s2", S2_DAYS)):
        for day in days:
            for metric, agg in METRIC_AGGS.items():
                if seg == "s1" and metric == "orders" and day in MISSING_METRIC_DAYS:
                    continue
                value, profiles = _metric_value(metric, day, seg)
                name = f"Segment {seg}" if day.year == 2024 else f"Old name {seg}"
                avg = value / profiles if agg in ("count", "sum") else None
                rows.append(("p1", "Shop", seg, name, day, metric, agg, value, profiles, avg))
    return rows


POP_DAYS = [d for d in _days("2024-01-29", "2024-04-07") if d != dt.date(2024, 3, 10)]


def population_rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [("s1", "Segment s1", "p1", "Shop", dt.date(2024, 1, 28), None, None, None)]
    population = 100
    for day in POP_DAYS:
        entered, exited = day.toordinal() % 5, day.toordinal() % 3
        population += entered - exited
        rows.append(("s1", "Segment s1", "p1", "Shop", day, population, entered, exited))
    return rows


def pop_tables() -> list[Table]:
    return [
        Table(f"{PREFIX}_metrics_daily",
              (("ps_id", "varchar"), ("ps_name", "varchar"), ("segment_id", "varchar"), ("segment_name", "varchar"),
               ("event_date", "date"), ("metric_name", "varchar"), ("agg", "varchar"), ("metric_value", "double"),
               ("unique_profiles", "bigint"), ("avg_per_profile", "double")),
              tuple(metric_rows())),
        Table(f"{PREFIX}_population_daily",
              (("segment_id", "varchar"), ("segment_name", "varchar"), ("ps_id", "varchar"), ("ps_name", "varchar"),
               ("date", "date"), ("population", "bigint"), ("entered", "bigint"), ("exited", "bigint")),
              tuple(population_rows())),
    ]


def minus_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier, clamped at the month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_first - dt.timedelta(days=1)).day))


PopKey = tuple[str, str, dt.date, str, str]


def expected_pop() -> dict[PopKey, dict[str, Any]]:
    """Every row of the period-over-period mart, keyed by (segment, grain, start, kind, kpi)."""
    daily: list[tuple[str, dt.date, str, str, str, float, int | None]] = []
    for _, _, seg, _, day, metric, agg, value, profiles, _ in metric_rows():
        daily.append((seg, day, "metric", metric, agg, value, profiles))
    for seg, _, _, _, day, population, entered, exited in population_rows():
        if population is None:
            continue
        daily.append((seg, day, "population", "population", "last", float(population), None))
        daily.append((seg, day, "population", "entered", "sum", float(entered), None))
        daily.append((seg, day, "population", "exited", "sum", float(exited), None))
    periods: dict[PopKey, dict[str, Any]] = {}
    for seg, day, kind, name, agg, value, profiles in daily:
        periods[(seg, "day", day, kind, name)] = {"period_end": day, "days_with_data": 1, "agg": agg,
                                                 "kpi_value": value, "profile_days": profiles}
    groups: dict[PopKey, list[tuple[dt.date, float, int | None, str]]] = defaultdict(list)
    for seg, day, kind, name, agg, value, profiles in daily:
        groups[(seg, "week", day - dt.timedelta(days=day.weekday()), kind, name)].append((day, value, profiles, agg))
        groups[(seg, "month", day.replace(day=1), kind, name)].append((day, value, profiles, agg))
    for key, items in groups.items():
        agg = items[0][3]
        values = [v for _, v, _, _ in items]
        rolled = {"count": sum(values), "sum": sum(values), "min": min(values), "max": max(values),
                  "last": max(items)[1]}.get(agg)
        profile_counts = [p for _, _, p, _ in items if p is not None]
        start = key[2]
        end = start + dt.timedelta(days=6) if key[1] == "week" else minus_months(start, -1) - dt.timedelta(days=1)
        periods[key] = {"period_end": end, "days_with_data": len(items), "agg": agg, "kpi_value": rolled,
                        "profile_days": sum(profile_counts) if profile_counts else None}
    names = {"s1": "Segment s1", "s2": "Segment s2"}
    for (seg, grain, start, kind, name), row in periods.items():
        row.update(ps_id="p1", ps_name="Shop", segment_name=names[seg])
        row["value_per_profile_day"] = (row["kpi_value"] / row["profile_days"]
                                        if kind == "metric" and row["agg"] in ("count", "sum") and row["profile_days"]
                                        else None)
        earlier = {
            "week": start - dt.timedelta(days=7) if grain in ("day", "week") else None,
            "month": minus_months(start, 1) if grain in ("day", "month") else None,
            "year": start - dt.timedelta(days=364) if grain == "week" else minus_months(start, 12),
        }
        for ago, when in earlier.items():
            prior = periods.get((seg, grain, when, kind, name)) if when else None
            prior_value = prior["kpi_value"] if prior else None
            row[f"{ago}_ago_date"] = when
            row[f"value_{ago}_ago"] = prior_value
            both = row["kpi_value"] is not None and prior_value is not None
            row[f"delta_{ago}_ago"] = row["kpi_value"] - prior_value if both else None
            row[f"delta_{ago}_ago_relative"] = ((row["kpi_value"] - prior_value) / abs(prior_value)
                                                if both and prior_value != 0 else None)
    return periods


POP_VALUE_COLUMNS = ("ps_id", "ps_name", "segment_name", "period_end", "days_with_data", "agg", "kpi_value",
                     "profile_days", "value_per_profile_day", "week_ago_date", "value_week_ago", "delta_week_ago",
                     "delta_week_ago_relative", "month_ago_date", "value_month_ago", "delta_month_ago",
                     "delta_month_ago_relative", "year_ago_date", "value_year_ago", "delta_year_ago",
                     "delta_year_ago_relative")


def same_value(got: Any, want: Any) -> bool:
    if isinstance(want, float) and isinstance(got, float | int) and not isinstance(got, bool):
        return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)
    return got == want


def row_differences(got: dict[PopKey, dict[str, Any]], want: dict[PopKey, dict[str, Any]]) -> list[str]:
    problems = [f"missing {key}" for key in sorted(set(want) - set(got))]
    problems += [f"unexpected {key}" for key in sorted(set(got) - set(want))]
    for key in sorted(set(got) & set(want)):
        for column in POP_VALUE_COLUMNS:
            if not same_value(got[key][column], want[key][column]):
                problems.append(f"{key} {column}: got {got[key][column]!r}, want {want[key][column]!r}")
    return problems


def keyed_pop_rows(rows: Iterable[dict[str, Any]]) -> dict[PopKey, dict[str, Any]]:
    return {(r["segment_id"], r["period_grain"], r["period_start"], r["kpi_kind"], r["kpi_name"]): r for r in rows}


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def table_statements(table: Table, qualified_name: str) -> list[str]:
    """DROP, CREATE and INSERT statements for one input table (DuckDB and Trino alike)."""
    columns = ", ".join(f'"{name}" {kind}' for name, kind in table.columns)
    statements = [f"drop table if exists {qualified_name}", f"create table {qualified_name} ({columns})"]
    for first in range(0, len(table.rows), 500):
        values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in table.rows[first:first + 500])
        if values:
            statements.append(f"insert into {qualified_name} values {values}")
    return statements
