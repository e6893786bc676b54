"""A small, deterministic set of marts with the exact columns of docs/architecture.md, for the report
and publish tests (so they do not depend on the whole pipeline being built first)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import pyarrow

FIRST_DAY = dt.date(2026, 8, 1)
DAYS = 90
BACKFILL_DAYS = 5
RUN_DATES = [dt.date(2026, 10, 27) + dt.timedelta(days=n) for n in range(4)]

# Configured metrics in the shape of vars segment_analytics.metrics. The names are deliberately not
# the demo's, so a report that hard-coded metric names would show nothing.
METRICS: list[dict[str, Any]] = [
    {"metric": "basket_count", "agg": "count", "agg_col_name": "1", "source": "shop.checkout_events",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "basket_value", "agg": "sum", "agg_col_name": "amount", "source": "shop.checkout_events",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "largest_basket", "agg": "max", "agg_col_name": "amount", "source": "shop.checkout_events",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "screen_views", "agg": "count", "agg_col_name": "1", "source": "app.screen_events",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
    {"metric": "push_opens", "agg": "count", "agg_col_name": "1", "source": "crm.push_events",
     "join_key": "td_canonical_id", "unixtime_col": "time"},
]

TRICKY_NAME = '</script><b>Tricky "name" & co'


@dataclass(frozen=True)
class SegmentRow:
    segment_id: str
    name: str
    ps_id: str
    folder_id: str
    selected: bool = True
    current: bool = True
    base: int = 500


PARENTS = {
    "1001": ("Retail Customers", 5000, 1),
    "2002": ("Kunden München (V4)", 3000, 0),
}
FOLDERS = {
    "10": ("1001", "Retail Customers", "Retail Customers"),
    "11": ("1001", "Marketing", "Retail Customers / Marketing"),
    "12": ("1001", "Email", "Retail Customers / Marketing / Email"),
    "20": ("2002", "Kunden München (V4)", "Kunden München (V4)"),
    "21": ("2002", "Stammkunden", "Kunden München (V4) / Stammkunden"),
}
SEGMENTS = [
    SegmentRow("101", "High Spenders", "1001", "11", base=900),
    SegmentRow("102", "O'Brien's VIPs", "1001", "11", base=300),
    SegmentRow("103", "Newsletter Openers", "1001", "12", base=1500),
    SegmentRow("104", "A/B test — arm A", "1001", "12", base=700),
    SegmentRow("105", "A/B test — arm B", "1001", "12", base=650),
    SegmentRow("201", "Kunden München", "2002", "21", base=1200),
    SegmentRow("202", TRICKY_NAME, "2002", "21", base=80),
    SegmentRow("203", "Not tracked", "2002", "20", selected=False, base=40),
    SegmentRow("109", "Retired promo", "1001", "11", current=False, base=200),
]


@dataclass
class MartsSummary:
    prefix: str
    parent_segments: int
    folders: int
    current_segments: int
    metric_rows: int
    population_rows: int
    first_day: dt.date
    last_day: dt.date
    metrics: list[dict[str, Any]] = field(default_factory=lambda: list(METRICS))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(conn: Any, table: str, columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
    cols = ", ".join(f"{_ident(c)} {t}" for c, t in columns)
    conn.execute(f"create or replace table {_ident(table)} ({cols})")
    if rows:
        # One Arrow insert: row-by-row executemany is far too slow on a DuckDB file.
        frame = pyarrow.table({name: [row[i] for row in rows] for i, (name, _) in enumerate(columns)})
        conn.register("_fixture_rows", frame)
        try:
            conn.execute(f"insert into {_ident(table)} select * from _fixture_rows")
        finally:
            conn.unregister("_fixture_rows")


def create_report_marts(conn: Any, prefix: str = "segment_analytics", *, with_metrics: bool = True,
                        with_rule_changes: bool = True, with_comparisons: bool = True) -> MartsSummary:
    """Write the six marts into a DuckDB connection; deterministic (seeded)."""
    rng = random.Random(7)
    run_date = RUN_DATES[-1]
    ps_rows = []
    for seg in SEGMENTS:
        if not seg.current:
            continue
        ps_name, ps_pop, v5 = PARENTS[seg.ps_id]
        _, folder_name, folder_path = FOLDERS[seg.folder_id]
        ps_rows.append((seg.ps_id, ps_name, ps_pop, v5, seg.folder_id, folder_name, folder_path, seg.segment_id,
                        seg.name, seg.base, "batch", False, "h" + seg.segment_id, seg.selected, None, run_date))
    _create(conn, f"{prefix}_ps_stats", [
        ("ps_id", "varchar"), ("ps_name", "varchar"), ("ps_population", "bigint"), ("v5_flag", "integer"),
        ("folder_id", "varchar"), ("folder_name", "varchar"), ("folder_path", "varchar"),
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("segment_population", "bigint"),
        ("segment_type", "varchar"), ("realtime", "boolean"), ("rule_hash", "varchar"),
        ("is_selected", "boolean"), ("member_sql_problem", "varchar"), ("run_date", "date"),
    ], ps_rows)

    tracked = [s for s in SEGMENTS if s.selected]
    days = [FIRST_DAY + dt.timedelta(days=n) for n in range(DAYS)]
    pop_rows = []
    for seg in tracked:
        ps_name = PARENTS[seg.ps_id][0]
        folder_name = FOLDERS[seg.folder_id][1]
        population = seg.base
        if seg.current:
            # Days before membership history began: only the API's statistics population is known.
            for back in range(BACKFILL_DAYS, 0, -1):
                pop_rows.append((seg.segment_id, seg.name, seg.ps_id, ps_name, seg.folder_id, folder_name,
                                 FIRST_DAY - dt.timedelta(days=back), None, None, None, seg.base - back,
                                 "statistics", True))
        for day in days:
            entered = rng.randint(0, max(1, seg.base // 20))
            exited = rng.randint(0, max(1, seg.base // 22))
            population = max(0, population + entered - exited)
            pop_rows.append((seg.segment_id, seg.name, seg.ps_id, ps_name, seg.folder_id, folder_name, day,
                             population, entered, exited, population + rng.randint(-5, 5), "pull", True))
    _create(conn, f"{prefix}_population_daily", [
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("ps_id", "varchar"), ("ps_name", "varchar"),
        ("folder_id", "varchar"), ("folder_name", "varchar"), ("date", "date"), ("population", "bigint"),
        ("entered", "bigint"), ("exited", "bigint"), ("api_population", "bigint"),
        ("api_population_source", "varchar"), ("api_population_measured", "boolean"),
    ], pop_rows)

    tracker_rows = []
    for seg in SEGMENTS:
        if not seg.current:
            continue
        ps_name, ps_pop, _ = PARENTS[seg.ps_id]
        for number, day in enumerate(RUN_DATES):
            tracker_rows.append((day, seg.ps_id, ps_name, ps_pop, seg.segment_id, seg.name,
                                 seg.base + number * 3, seg.base + number * 3 - 1))
    _create(conn, f"{prefix}_population_tracker", [
        ("run_date", "date"), ("ps_id", "varchar"), ("ps_name", "varchar"), ("ps_population", "bigint"),
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("segment_population", "bigint"),
        ("member_count", "bigint"),
    ], tracker_rows)

    metric_rows = []
    wide_rows = []
    for seg in tracked:
        ps_name = PARENTS[seg.ps_id][0]
        folder_name = FOLDERS[seg.folder_id][1]
        for day in days:
            wide: list[Any] = [seg.ps_id, ps_name, seg.folder_id, folder_name, seg.segment_id, seg.name, day,
                               seg.base, 0]
            for metric in METRICS if with_metrics else []:
                unique = rng.randint(1, max(2, seg.base // 10))
                if metric["agg"] == "count":
                    value: float = unique + rng.randint(0, unique)
                elif metric["agg"] == "max":
                    value = round(rng.uniform(20, 400), 2)
                else:
                    value = round(unique * rng.uniform(15, 90), 2)
                avg = value / unique if metric["agg"] in ("count", "sum") else None
                metric_rows.append((seg.ps_id, ps_name, seg.folder_id, folder_name, seg.segment_id, seg.name, day,
                                    metric["metric"], metric["source"], metric["agg"], value, unique, avg, False))
                wide += [value, unique, avg]
            wide_rows.append(tuple(wide))
    _create(conn, f"{prefix}_metrics_daily", [
        ("ps_id", "varchar"), ("ps_name", "varchar"), ("folder_id", "varchar"), ("folder_name", "varchar"),
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("event_date", "date"),
        ("metric_name", "varchar"), ("metric_table", "varchar"), ("agg", "varchar"),
        ("metric_value", "double"), ("unique_profiles", "bigint"), ("avg_per_profile", "double"),
        ("membership_backfilled", "boolean"),
    ], metric_rows)
    wide_columns = [
        ("ps_id", "varchar"), ("ps_name", "varchar"), ("folder_id", "varchar"), ("folder_name", "varchar"),
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("event_date", "date"),
        ("segment_population", "bigint"), ("query_change", "integer"),
    ]
    for metric in METRICS if with_metrics else []:
        name = metric["metric"]
        wide_columns += [(f"{name}_total", "double"), (f"{name}_unique", "bigint"), (f"{name}_avg", "double")]
    _create(conn, f"{prefix}_final_metrics_table", wide_columns, wide_rows)

    change_rows = []
    if with_rule_changes:
        change_rows = [
            ("101", "High Spenders", "1001", "edit", 2, dt.datetime(2026, 10, 20), None, "alice@example.com",
             "h101a", "h101", "changed: conditions[0]\tamount GreaterEqual 100 -> amount GreaterEqual 150",
             910, 860),
            ("102", "O'Brien's VIPs", "1001", "edit", 2, dt.datetime(2026, 10, 24), None, "mallory@example.com",
             "h102a", "h102", "+ conditions[1]\tcountry Equal \"IE\"\n- conditions[1]\tcountry Equal \"UK\"",
             280, 300),
            ("109", "Retired promo", "1001", "deletion", 1, dt.datetime(2026, 10, 25), None, "bob@example.com",
             "h109", None, "segment deleted", 200, None),
        ]
    _create(conn, f"{prefix}_rule_changes", [
        ("segment_id", "varchar"), ("segment_name", "varchar"), ("ps_id", "varchar"), ("change_type", "varchar"),
        ("version", "integer"), ("valid_from", "timestamp"), ("valid_to", "timestamp"), ("changed_by", "varchar"),
        ("rule_hash_before", "varchar"), ("rule_hash_after", "varchar"), ("rule_diff", "varchar"),
        ("population_before", "bigint"), ("population_after", "bigint"),
    ], change_rows)
    _create_comparisons(conn, prefix, metric_rows if with_comparisons else [], with_comparisons)
    return MartsSummary(
        prefix=prefix,
        parent_segments=len(PARENTS),
        folders=len({s.folder_id for s in SEGMENTS if s.current}),
        current_segments=len(ps_rows),
        metric_rows=len(metric_rows),
        population_rows=len(pop_rows),
        first_day=days[0],
        last_day=days[-1],
    )


# Shared members of segment pairs (same parent segment), the latest run date; the run before had others.
OVERLAP_PAIRS: dict[tuple[str, str], int] = {
    ("101", "102"): 120, ("101", "103"): 400, ("101", "104"): 90, ("101", "105"): 85, ("102", "103"): 60,
    ("103", "104"): 310, ("103", "105"): 290, ("104", "105"): 3, ("201", "202"): 25,
}


def _create_comparisons(conn: Any, prefix: str, metric_rows: list[tuple[Any, ...]], with_rows: bool) -> None:
    """<prefix>_segment_overlap and <prefix>_kpis_period_over_period in the columns the report reads."""
    base = {s.segment_id: s.base for s in SEGMENTS}
    overlap_rows = []
    for run_date, scale in ((RUN_DATES[-2], 2), (RUN_DATES[-1], 1)):
        for (a, b), both in OVERLAP_PAIRS.items() if with_rows else []:
            both *= scale
            union = base[a] + base[b] - both
            overlap_rows.append((run_date, a, b, base[a], base[b], both, both / base[a], both / base[b],
                                 both / union))
    _create(conn, f"{prefix}_segment_overlap", [
        ("run_date", "date"), ("segment_a", "varchar"), ("segment_b", "varchar"), ("members_a", "bigint"),
        ("members_b", "bigint"), ("members_both", "bigint"), ("share_of_a_in_b", "double"),
        ("share_of_b_in_a", "double"), ("jaccard", "double"),
    ], overlap_rows)
    values = {(r[4], r[6], r[7]): (r[9], r[10]) for r in metric_rows}  # (segment, day, metric) -> (agg, value)
    last = max((r[6] for r in metric_rows), default=None)
    pop_rows = []
    for (segment_id, day, metric), (agg, value) in sorted(values.items()):
        if last is None or day < last - dt.timedelta(days=1):
            continue
        week = values.get((segment_id, day - dt.timedelta(days=7), metric), (None, None))[1]
        month = values.get((segment_id, day.replace(month=day.month - 1), metric), (None, None))[1]
        pop_rows.append((segment_id, "day", day, "metric", metric, agg, value, week, month, None))
    if with_rows:  # population rows run to the run date, a day after the last metric day
        pop_rows += [(s.segment_id, "day", RUN_DATES[-1], "population", "population", "last", float(s.base),
                      float(s.base - 20), None, None) for s in SEGMENTS if s.selected and s.current]
    _create(conn, f"{prefix}_kpis_period_over_period", [
        ("segment_id", "varchar"), ("period_grain", "varchar"), ("period_start", "date"), ("kpi_kind", "varchar"),
        ("kpi_name", "varchar"), ("agg", "varchar"), ("kpi_value", "double"), ("value_week_ago", "double"),
        ("value_month_ago", "double"), ("value_year_ago", "double"),
    ], pop_rows)
