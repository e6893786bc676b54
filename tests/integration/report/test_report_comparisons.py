"""The report reads the overlap of the latest run date and each KPI's latest day only, and builds
without the comparison marts (they are optional)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestrate.report import build_report
from tests.integration.report.marts_fixture import METRICS, OVERLAP_PAIRS, RUN_DATES, create_report_marts
from tests.integration.report.test_build_report import _embedded


def _data(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> dict:
    path = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "r.html", progress=None)
    return _embedded(path.read_text(encoding="utf-8"))


def test_latest_overlap_and_latest_kpi_day(tmp_path: Path) -> None:
    conn = duckdb.connect()
    try:
        create_report_marts(conn)
        data = _data(conn, tmp_path)
        expected_kpis = conn.execute(
            "select count(*), max(period_start) from segment_analytics_kpis_period_over_period "
            "where kpi_kind = 'metric'").fetchone()
    finally:
        conn.close()
    overlap = [dict(zip(data["overlap"]["columns"], row, strict=True)) for row in data["overlap"]["rows"]]
    assert {row["run_date"] for row in overlap} == {RUN_DATES[-1].isoformat()}
    assert {(row["segment_a"], row["segment_b"]): row["members_both"] for row in overlap} == OVERLAP_PAIRS
    kpis = [dict(zip(data["kpi_deltas"]["columns"], row, strict=True)) for row in data["kpi_deltas"]["rows"]]
    # the latest metric day, not the run date the population rows reach
    assert {row["date"] for row in kpis} == {expected_kpis[1].isoformat()} != {RUN_DATES[-1].isoformat()}
    assert {row["kind"] for row in kpis} == {"metric"}
    assert 0 < len(kpis) < expected_kpis[0]  # the day before is in the mart, not in the report
    assert "segment_overlap" not in data["missing"] and "kpi_deltas" not in data["missing"]


def test_without_the_comparison_marts_the_report_still_builds(tmp_path: Path) -> None:
    conn = duckdb.connect()
    try:
        create_report_marts(conn)
        conn.execute('drop table "segment_analytics_segment_overlap"')
        conn.execute('drop table "segment_analytics_kpis_period_over_period"')
        data = _data(conn, tmp_path)
    finally:
        conn.close()
    assert data["overlap"]["rows"] == [] and data["kpi_deltas"]["rows"] == []
    assert "segment_analytics_segment_overlap could not be read" in data["missing"]["segment_overlap"]
    assert "kpi_deltas" in data["missing"]
