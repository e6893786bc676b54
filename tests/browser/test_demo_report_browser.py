"""The report of the demo pipeline (fake API -> pull -> dbt on DuckDB -> marts) in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestrate.project import PACKAGE_ROOT
from orchestrate.report import build_report
from segment_analytics_sandbox.demo.config import demo_config
from tests.browser.helpers import charts, open_tab, points, screenshot_stats

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from segment_analytics_sandbox.demo.run import run_demo

    work = tmp_path_factory.mktemp("demo-report")
    result = run_demo(work, work / "demo.duckdb", days=2, n_profiles=1000, project_dir=PACKAGE_ROOT)
    config = demo_config()
    conn = duckdb.connect(str(result.duckdb_path), read_only=True)
    try:
        return build_report(conn, prefix=config.project_prefix, metrics=config.metrics,
                            out_path=work / "report.html", title="Demo", progress=None)
    finally:
        conn.close()


def test_demo_report_renders_every_tab(open_report, demo_report):
    page, log = open_report(demo_report)
    tabs = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    labels = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.textContent)")
    # One tab per configured source table of the demo's metrics (sandbox/segment_analytics_sandbox/demo/config.py).
    # ... then the Alerts tab and the A/B tab of the demo's one test
    assert labels == ["Account summary", "Segments", "Orders", "Pageviews", "Email events", "Compare", "Alerts",
                      "A/B tests"]
    for tab in tabs:
        open_tab(page, tab)
        if tab == "alerts":
            # a table, no charts: the demo's simulated days raise alerts, each one a row
            rows = page.eval_on_selector_all("#panel-alerts [data-alert]", "rs => rs.length")
            assert rows > 0, "the demo's Alerts tab lists no alert"
            continue
        drawn = charts(page, tab)
        assert drawn, tab
        for item in drawn:
            assert item["state"] == "chart", f"{tab}/{item['id']}: {item['empty_text']}"
            assert points(item) > 0 and item["svg_marks"] > 0, f"{tab}/{item['id']}"
        _, variance, colours = screenshot_stats(page, f"#panel-{tab} [data-chart]")
        assert variance > 100 and colours > 20, tab
    # A parent segment filter changes what the metric tab plots.
    open_tab(page, "metrics-g0")
    before = charts(page, "metrics-g0")[0]
    first_ps = page.eval_on_selector_all("#f-ps option", "os => os.map(o => o.value)")[1]
    page.select_option("#f-ps", first_ps)
    after = charts(page, "metrics-g0")[0]
    assert {t["name"] for t in after["traces"]} != {t["name"] for t in before["traces"]} or \
        [t["y"] for t in after["traces"]] != [t["y"] for t in before["traces"]]
    assert log.console_errors == [] and log.page_errors == []
    assert all(url.startswith("file:") for url in log.requests)
