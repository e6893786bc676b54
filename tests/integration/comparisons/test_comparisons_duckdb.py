"""The comparison marts on DuckDB, built alone over hand-built upstream tables, row for row against
the independent Python oracle in cases.py (overlap pairs, top-N bound and ties; period-over-period
across month ends, the leap day, missing days, and the week and month roll-ups)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.integration.comparisons.cases import (
    MEMBERS,
    OVERLAP_COLUMNS,
    Table,
    expected_overlap,
    expected_pop,
    keyed_pop_rows,
    overlap_tables,
    pop_tables,
    row_differences,
    table_statements,
)

RUN_1, RUN_2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)


def _load(workspace: DbtWorkspace, tables: list[Table]) -> None:
    con = duckdb.connect(str(workspace.db_path))
    try:
        for table in tables:
            for statement in table_statements(table, f'main."{table.name}"'):
                con.execute(statement)
    finally:
        con.close()


def _build(workspace: DbtWorkspace, model: str, run_date: dt.date, **config: Any) -> None:
    # raises when a model or one of its data tests fails
    workspace.dbt(["build", "--select", model], config=fixture_config(**config), run_date=run_date.isoformat())


def _overlap_rows(workspace: DbtWorkspace) -> list[tuple[Any, ...]]:
    return workspace.query(f"select {', '.join(OVERLAP_COLUMNS)} from main.sa_segment_overlap "
                           "order by run_date, segment_a, segment_b")


def test_overlap_pairs_ranks_and_history(dbt_workspace: DbtWorkspace) -> None:
    _load(dbt_workspace, overlap_tables())
    _build(dbt_workspace, "fct_segment_overlap", RUN_1)
    # by hand: c is in s1, s2 and s3; s4 is empty, s5 is in another parent segment, s6 not selected
    assert _overlap_rows(dbt_workspace) == [
        (RUN_1, "p1", "Shop", "s1", "Segment s1", "s2", "Segment s2", 4, 3, 2, 0.5, 2 / 3, 0.4, 1, 1),
        (RUN_1, "p1", "Shop", "s1", "Segment s1", "s3", "Segment s3", 4, 4, 2, 0.5, 0.5, 2 / 6, 2, 2),
        (RUN_1, "p1", "Shop", "s2", "Segment s2", "s3", "Segment s3", 3, 4, 2, 2 / 3, 0.5, 0.4, 2, 1),
    ]
    assert _overlap_rows(dbt_workspace) == expected_overlap(RUN_1, 20)

    # s4 gains f. Top 1 per segment: s1's best is s2 (same shared count as s3, smaller union); s2's
    # pairs tie on both counts and s1 wins by id; s3's best is s2; s4's only pair is s3; s1-s3 is
    # nobody's top pair and is dropped
    changed = {**MEMBERS, "s4": ("p1", {"f"})}
    _load(dbt_workspace, overlap_tables(changed))
    _build(dbt_workspace, "fct_segment_overlap", RUN_2, overlap={"top_pairs_per_segment": 1})
    second = [row for row in _overlap_rows(dbt_workspace) if row[0] == RUN_2]
    assert second == expected_overlap(RUN_2, 1, changed)
    assert [(r[3], r[5], r[13], r[14]) for r in second] == [("s1", "s2", 1, 1), ("s2", "s3", 2, 1),
                                                            ("s3", "s4", 3, 1)]
    # the earlier run date is kept; re-running a day replaces only that day's rows
    assert [row for row in _overlap_rows(dbt_workspace) if row[0] == RUN_1] == expected_overlap(RUN_1, 20)
    _build(dbt_workspace, "fct_segment_overlap", RUN_2, overlap={"top_pairs_per_segment": 20})
    rows = _overlap_rows(dbt_workspace)
    assert rows == expected_overlap(RUN_1, 20) + expected_overlap(RUN_2, 20, changed)


def test_overlap_without_any_shared_member_is_empty(dbt_workspace: DbtWorkspace) -> None:
    _load(dbt_workspace, overlap_tables({"s1": ("p1", {"a"}), "s2": ("p1", {"b"}), "s4": ("p1", set())}))
    _build(dbt_workspace, "fct_segment_overlap", RUN_1)
    assert _overlap_rows(dbt_workspace) == []


def pop_rows(workspace: DbtWorkspace) -> list[dict[str, Any]]:
    return workspace.query_dicts("select * from main.sa_kpis_period_over_period")


def test_period_over_period_rows_match_the_oracle(dbt_workspace: DbtWorkspace) -> None:
    _load(dbt_workspace, pop_tables())
    _build(dbt_workspace, "fct_segment_kpis_period_over_period", RUN_1)
    got = keyed_pop_rows(pop_rows(dbt_workspace))
    want = expected_pop()
    assert row_differences(got, want) == []

    def row(grain: str, day: str, name: str, kind: str = "metric", seg: str = "s1") -> dict[str, Any]:
        return got[(seg, grain, dt.date.fromisoformat(day), kind, name)]

    # by hand: month ends clamp, the leap day's year ago, missing earlier days give null
    assert row("day", "2024-03-31", "orders")["month_ago_date"] == dt.date(2024, 2, 29)
    assert row("day", "2024-03-30", "orders")["month_ago_date"] == dt.date(2024, 2, 29)
    assert row("day", "2024-02-29", "orders")["year_ago_date"] == dt.date(2023, 2, 28)
    leap = row("day", "2024-02-29", "revenue")
    assert leap["value_year_ago"] == want[("s1", "day", dt.date(2023, 2, 28), "metric", "revenue")]["kpi_value"]
    assert leap["delta_year_ago"] == leap["kpi_value"] - leap["value_year_ago"]
    missing = row("day", "2024-03-29", "orders")  # 2024-03-22 has no orders row
    assert (missing["week_ago_date"], missing["value_week_ago"], missing["delta_week_ago"]) == \
        (dt.date(2024, 3, 22), None, None)
    assert row("day", "2024-03-17", "population", "population")["value_week_ago"] is None  # no row on 03-10
    # roll-ups: sums of the days, never averages; avg and count_distinct get null
    days = [d for d in (dt.date(2024, 3, 4) + dt.timedelta(days=i) for i in range(7))]
    week_orders = sum(want[("s1", "day", d, "metric", "orders")]["kpi_value"] for d in days)
    week_profiles = sum(want[("s1", "day", d, "metric", "orders")]["profile_days"] for d in days)
    week = row("week", "2024-03-04", "orders")
    assert (week["kpi_value"], week["profile_days"], week["days_with_data"], week["period_end"]) == \
        (week_orders, week_profiles, 7, dt.date(2024, 3, 10))
    assert row("week", "2024-03-04", "avg_order")["kpi_value"] is None
    assert row("month", "2024-02-01", "distinct_urls")["kpi_value"] is None
    feb = row("month", "2024-02-01", "orders")
    assert (feb["period_end"], feb["days_with_data"]) == (dt.date(2024, 2, 29), 28)  # 02-15 missing
    assert row("month", "2024-03-01", "population", "population")["kpi_value"] == \
        want[("s1", "day", dt.date(2024, 3, 31), "population", "population")]["kpi_value"]
    assert row("month", "2024-02-01", "orders")["year_ago_date"] == dt.date(2023, 2, 1)
    # the day before membership history began (population null) has no row
    assert ("s1", "day", dt.date(2024, 1, 28), "population", "population") not in got
