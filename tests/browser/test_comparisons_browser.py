"""The report's overlap heatmap (Segments tab) and the KPI table's week / month / year changes, in a
real headless Chromium, against numbers computed here from the same fixture marts."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.browser.helpers import chart, open_tab
from tests.integration.report.marts_fixture import OVERLAP_PAIRS, SEGMENTS, TRICKY_NAME, create_report_marts

pytestmark = pytest.mark.browser

HEATMAP_JS = """() => { const n = document.querySelector('#seg-overlap'); const t = (n.data || [])[0] || {};
  return {x: Array.from(t.x || []), y: Array.from(t.y || []), z: Array.from(t.z || []).map(r => Array.from(r))}; }"""


def _escaped(name: str) -> str:
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _kpi_rows() -> list[tuple[Any, ...]]:
    conn = duckdb.connect()
    try:
        create_report_marts(conn)
        return conn.execute(
            "select segment_id, kpi_name, agg, kpi_value, value_week_ago, value_month_ago, value_year_ago "
            "from segment_analytics_kpis_period_over_period "
            "where kpi_kind = 'metric' and period_start = "
            "(select max(period_start) from segment_analytics_kpis_period_over_period where kpi_kind = 'metric')"
        ).fetchall()
    finally:
        conn.close()


def _change(now: float, before: float) -> str:
    change = (now - before) / abs(before)
    return f"{'+' if change > 0 else ''}{change * 100:.1f} %"


def _delta_cells(page: Any, metric: str) -> list[str]:
    return page.eval_on_selector_all(
        "#panel-metrics-g0 [data-table=kpis] tbody tr",
        "(rows, m) => Array.from(rows.find(r => r.cells[0].textContent === m).querySelectorAll('td[data-delta]'))"
        ".map(c => c.textContent)", metric)


def test_overlap_heatmap_shows_the_latest_run_and_follows_the_filters(open_report, full_report):
    page, log = open_report(full_report)
    open_tab(page, "segments")
    assert chart(page, "segments", "seg-overlap")["state"] == "chart"
    heat = page.evaluate(HEATMAP_JS)
    names = {s.segment_id: _escaped(s.name) for s in SEGMENTS}
    base = {s.segment_id: s.base for s in SEGMENTS}
    # ordered by shared members in scope (latest run date only: the run before had twice as many)
    weight: dict[str, int] = {}
    for (a, b), both in OVERLAP_PAIRS.items():
        weight[a] = weight.get(a, 0) + both
        weight[b] = weight.get(b, 0) + both
    order = sorted(weight, key=lambda s: (-weight[s], s))
    assert heat["x"] == heat["y"] == [names[s] for s in order]
    i, j = order.index("101"), order.index("103")
    assert heat["z"][i][j] == pytest.approx(400 / base["101"], rel=1e-12)  # row in column
    assert heat["z"][j][i] == pytest.approx(400 / base["103"], rel=1e-12)
    assert heat["z"][i][i] == 1
    assert heat["z"][order.index("102")][order.index("104")] is None  # no shared member

    page.select_option("#f-ps", "2002")
    heat = page.evaluate(HEATMAP_JS)
    assert heat["x"] == [names["201"], _escaped(TRICKY_NAME)]
    assert heat["z"][0][1] == pytest.approx(25 / base["201"], rel=1e-12)
    page.select_option("#f-segment", "201")
    empty = chart(page, "segments", "seg-overlap")
    assert empty["state"] == "empty" and "No two segments in scope share members" in empty["empty_text"]
    assert log.console_errors == [] and log.page_errors == []


def test_kpi_table_shows_week_month_year_changes(open_report, full_report):
    rows = _kpi_rows()
    page, log = open_report(full_report)
    open_tab(page, "metrics-g0")
    headers = page.eval_on_selector_all("#panel-metrics-g0 [data-table=kpis] thead th",
                                        "hs => hs.map(h => h.textContent)")
    assert headers[-3:] == ["Latest day vs a week earlier", "Latest day vs a month earlier",
                            "Latest day vs a year earlier"]
    tracked = [r for r in rows if r[1] == "basket_count"]
    # every tracked segment in scope: count metrics add up over the segments with both days; no year-ago data
    assert _delta_cells(page, "basket_count") == [
        _change(sum(r[3] for r in tracked), sum(r[4] for r in tracked)),
        _change(sum(r[3] for r in tracked), sum(r[5] for r in tracked)),
        "–",
    ]
    # a max metric over several segments: the max of each day
    largest = [r for r in rows if r[1] == "largest_basket"]
    assert _delta_cells(page, "largest_basket")[0] == _change(max(r[3] for r in largest), max(r[4] for r in largest))
    # one segment
    page.select_option("#f-ps", "1001")
    page.select_option("#f-segment", "104")
    open_tab(page, "metrics-g0")
    one = next(r for r in rows if r[0] == "104" and r[1] == "basket_value")
    assert _delta_cells(page, "basket_value") == [_change(one[3], one[4]), _change(one[3], one[5]), "–"]
    hint = page.locator("#panel-metrics-g0 [data-hint=kpi-deltas]").text_content()
    assert "2026-10-29" in hint
    assert log.console_errors == [] and log.page_errors == []
