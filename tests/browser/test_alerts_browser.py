"""The Alerts tab of the report and the alert markers on the population and KPI charts, in headless
Chromium, over the report fixture marts plus an alerts mart and a delivery ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.report import build_report
from tests.browser.helpers import chart, open_tab
from tests.integration.alert_delivery.mart import insert_sql, table_ddl
from tests.integration.report.marts_fixture import METRICS, create_report_marts

pytestmark = pytest.mark.browser

PREFIX = "segment_analytics"
ALERTS = [
    {"alert_id": "a1", "run_date": "2026-10-28", "kind": "population_anomaly", "severity": "warning", "ps_id": "1001",
     "segment_id": "101", "segment_name": "High Spenders", "observed_value": 450.0, "expected_value": 900.0,
     "threshold": 20.0, "message": "population of High Spenders fell 50.0% (900 -> 450)", "muted": False,
     "detected_at": "2026-10-28 06:00:00"},
    {"alert_id": "a2", "run_date": "2026-10-29", "kind": "rule_change", "severity": "critical", "ps_id": "1001",
     "segment_id": "103", "segment_name": "Newsletter Openers", "message": "rule edited by mallory (unauthorised)",
     "updated_by": "mallory", "authorized": False, "rule_diff": "- a\n+ b",
     "revert_command": "segment-analytics rules revert 103 --to-version 2", "muted": False,
     "detected_at": "2026-10-29 06:00:00"},
    {"alert_id": "a3", "run_date": "2026-10-29", "kind": "metric_anomaly", "severity": "warning", "ps_id": "1001",
     "segment_id": "101", "segment_name": "High Spenders", "metric_name": "basket_count", "observed_value": 3.0,
     "expected_value": 40.0, "message": "basket_count of High Spenders is 3 (expected 40)", "muted": True,
     "muted_until": "2026-11-30", "detected_at": "2026-10-29 06:00:00"},
    {"alert_id": "a4", "run_date": "2026-10-30", "kind": "stale_data", "severity": "info",
     "message": "landing is 30 hours old (limit 24)", "muted": False, "detected_at": "2026-10-30 06:00:00"},
    {"alert_id": "a5", "run_date": "2026-10-29", "kind": "population_anomaly", "severity": "warning", "ps_id": "2002",
     "segment_id": "201", "segment_name": "Kunden München", "message": "population of Kunden München rose 80.0%",
     "muted": False, "detected_at": "2026-10-29 06:00:00"},
]
DELIVERIES = [  # (alert_id, destination, status, attempt, attempted_at)
    ("a1", "ops", "delivered", 1, "2026-10-28 07:00:00"),
    ("a2", "ops", "failed", 1, "2026-10-29 07:00:00"),
    ("a2", "ops", "delivered", 2, "2026-10-29 08:00:00"),
    ("a2", "slack", "failed", 1, "2026-10-29 07:00:00"),
    ("a4", "ops", "delivered", 1, "2026-10-30 07:00:00"),
]
HEADERS = ["Date", "Severity", "Kind", "Segment", "What happened", "Muted", "Delivery"]


@pytest.fixture(scope="module")
def alerts_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alerts-report") / "alerts.html"
    conn = duckdb.connect()
    try:
        create_report_marts(conn)
        conn.execute(table_ddl(f"{PREFIX}_alerts"))
        conn.execute(insert_sql(f"{PREFIX}_alerts", ALERTS))
        conn.execute(f"create table {PREFIX}_alert_deliveries (alert_id varchar, destination varchar, status varchar, "
                     "attempt bigint, attempted_at timestamp, error varchar)")
        conn.executemany(f"insert into {PREFIX}_alert_deliveries values (?, ?, ?, ?, cast(? as timestamp), null)",
                         [list(row) for row in DELIVERIES])
        return build_report(conn, prefix=PREFIX, metrics=METRICS, out_path=out, title="Alerts test", progress=None)
    finally:
        conn.close()


def rows(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#panel-alerts table.data tbody tr", "trs => trs.map(tr => Array.from(tr.cells).map(td => td.textContent))")


def test_alerts_tab_lists_what_fired_muted_and_delivered(open_report: Any, alerts_report: Path) -> None:
    page, log = open_report(alerts_report)
    tabs = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    assert tabs[-1] == "alerts"
    open_tab(page, "alerts")
    headers = page.eval_on_selector_all("#panel-alerts table.data thead th", "hs => hs.map(h => h.textContent)")
    assert headers == HEADERS
    assert rows(page) == [
        ["2026-10-30", "info", "stale_data", "account", "landing is 30 hours old (limit 24)", "no", "ops: delivered"],
        ["2026-10-29", "warning", "population_anomaly", "Kunden München", "population of Kunden München rose 80.0%",
         "no", "not sent"],
        ["2026-10-29", "warning", "metric_anomaly", "High Spenders", "basket_count of High Spenders is 3 (expected 40)",
         "until 2026-11-30", "muted, not sent"],
        ["2026-10-29", "critical", "rule_change", "Newsletter Openers", "rule edited by mallory (unauthorised)", "no",
         "ops: delivered, slack: failed"],
        ["2026-10-28", "warning", "population_anomaly", "High Spenders",
         "population of High Spenders fell 50.0% (900 -> 450)", "no", "ops: delivered"],
    ]
    cards = page.locator("[data-cards=alerts] .card").all_text_contents()
    assert cards == ["Alerts5" + "2026-08-02 to 2026-10-30", "Critical1warnings 3", "Muted1never sent",
                     "Failed deliveries1alerts a destination has not taken yet"]

    # The filters apply: one parent segment keeps its own alerts and the account-level ones.
    page.select_option("#f-ps", "2002")
    assert [r[2] for r in rows(page)] == ["stale_data", "population_anomaly"]
    page.select_option("#f-segment", "201")
    assert [r[3] for r in rows(page)] == ["Kunden München"]
    assert log.console_errors == [] and log.page_errors == []


def test_population_and_kpi_charts_mark_alert_days(open_report: Any, alerts_report: Path) -> None:
    page, log = open_report(alerts_report)
    open_tab(page, "segments")
    node = "#panel-segments [data-chart=seg-population]"
    assert page.get_attribute(node, "data-alert-days") == "2026-10-28,2026-10-29"
    shapes = page.evaluate(f"() => (document.querySelector('{node}').layout.shapes || []).map(s => s.x0)")
    assert shapes == ["2026-10-28", "2026-10-29"]
    hover = page.evaluate(f"() => document.querySelector('{node}').layout.annotations.map(a => a.hovertext)")
    assert hover == ["[warning] population_anomaly: High Spenders",
                     "[critical] rule_change: Newsletter Openers<br>[warning] population_anomaly: Kunden München"]
    assert len(chart(page, "segments", "seg-population")["traces"]) == 8  # markers are no extra series

    open_tab(page, "metrics-g0")  # basket_count: the muted metric anomaly is still marked
    assert page.get_attribute("#panel-metrics-g0 [data-chart=g0-total]", "data-alert-days") == "2026-10-29"
    page.select_option("#panel-metrics-g0 select[data-control=metric]", "basket_value")
    assert page.get_attribute("#panel-metrics-g0 [data-chart=g0-total]", "data-alert-days") == ""
    page.select_option("#f-segment", "102")  # another segment: no marker for High Spenders' anomaly
    open_tab(page, "segments")
    assert page.get_attribute(node, "data-alert-days") == ""
    assert log.console_errors == [] and log.page_errors == []
