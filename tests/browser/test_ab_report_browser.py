"""The A/B tab of the report in headless Chromium: per test the arms, the lift with its interval
bars coloured by significance, the SRM warning only where the split is broken, and the cumulative
lift chart from `<prefix>_ab_test_daily`. No tab when the A/B marts are absent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestrate.report import build_report
from tests.browser.helpers import chart, charts, open_tab, points, screenshot_stats
from tests.integration.report.marts_fixture import METRICS, create_report_marts

pytestmark = pytest.mark.browser

PREFIX = "segment_analytics"
DAYS = [dt.date(2026, 10, 1) + dt.timedelta(days=n) for n in range(14)]
# test, segment, name, control, metric, members, total, mean, lift, low, high, p, chance, srm, multi
RESULTS = [
    ("hero", "11", "Control", True, "basket_count", 500, 600.0, 1.2, None, None, None, None, None, 0.62, 0),
    ("hero", "12", "New banner", False, "basket_count", 510, 765.0, 1.5, 0.25, 0.11, 0.39, 0.0004, 0.9998, 0.62, 0),
    ("hero", "11", "Control", True, "basket_value", 500, 9000.0, 18.0, None, None, None, None, None, 0.62, 0),
    ("hero", "12", "New banner", False, "basket_value", 510, 8721.0, 17.1, -0.05, -0.2, 0.1, 0.51, 0.26, 0.62, 0),
    ("skewed", "21", "Old flow", True, "basket_count", 900, 900.0, 1.0, None, None, None, None, None, 1e-12, 3),
    ("skewed", "22", "New flow", False, "basket_count", 300, 240.0, 0.8, -0.2, -0.3, -0.1, 0.001, 0.0005, 1e-12, 3),
]


def _ab_marts(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"""create table {PREFIX}_ab_test_results (test_name varchar, segment_id varchar,
        segment_name varchar, is_control boolean, metric_name varchar, computed_through date, members bigint,
        metric_total double, mean_per_member double, lift double, lift_ci_low double, lift_ci_high double,
        p_value double, chance_to_beat_control double, srm_p_value double, profiles_in_multiple_arms bigint,
        membership_backfilled boolean)""")
    conn.executemany(f"insert into {PREFIX}_ab_test_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [[*r[:5], DAYS[-1], *r[5:], False] for r in RESULTS])
    conn.execute(f"""create table {PREFIX}_ab_test_daily (test_name varchar, segment_id varchar, segment_name varchar,
        is_control boolean, metric_name varchar, event_date date, lift double, lift_ci_low double,
        lift_ci_high double)""")
    rows = []
    for r in RESULTS:
        for n, day in enumerate(DAYS):
            lift = None if r[3] else r[8] * (1 + 0.5 / (n + 1))
            rows.append([*r[:5], day, lift, None if lift is None else lift - 0.2, None if lift is None else lift + 0.2])
    conn.executemany(f"insert into {PREFIX}_ab_test_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _report(folder: Path, name: str, *, with_ab: bool) -> Path:
    conn = duckdb.connect()
    try:
        create_report_marts(conn)
        if with_ab:
            _ab_marts(conn)
        return build_report(conn, prefix=PREFIX, metrics=METRICS, out_path=folder / name, title="A/B", progress=None)
    finally:
        conn.close()


def test_ab_tab_shows_lift_intervals_significance_srm_and_cumulative_lift(open_report, tmp_path: Path) -> None:
    page, log = open_report(_report(tmp_path, "ab.html", with_ab=True))
    tabs = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    assert tabs[-1] == "ab"
    open_tab(page, "ab")
    assert page.eval_on_selector_all(".ab-test", "els => els.map(e => e.dataset.test)") == ["hero", "skewed"]
    # the SRM warning only for the broken split, with the overlap notice beside it
    warned = page.eval_on_selector_all("[data-srm=warning]", "els => els.map(e => e.closest('.ab-test').dataset.test)")
    assert warned == ["skewed"]
    assert "3 profile(s) are in more than one arm" in page.locator(".ab-test[data-test=skewed]").inner_text()
    # significance colouring: better / inconclusive / worse, the control apart
    verdicts = page.eval_on_selector_all("tr.ab-row", "els => els.map(e => [e.dataset.metric, e.dataset.segment, "
                                         "e.dataset.verdict, getComputedStyle(e.querySelector('td.lift')).color])")
    assert [v[:3] for v in verdicts] == [
        ["basket_count", "11", "control"], ["basket_count", "12", "better"],
        ["basket_value", "11", "control"], ["basket_value", "12", "inconclusive"],
        ["basket_count", "21", "control"], ["basket_count", "22", "worse"]]
    colours = {v[2]: v[3] for v in verdicts}
    assert colours["better"] == "rgb(31, 122, 58)" and colours["worse"] == "rgb(180, 35, 24)"
    # interval bars: one point per variant and metric, at its lift
    bars = chart(page, "ab", "ab-lift-0")
    assert bars["state"] == "chart" and bars["traces"][0]["x"] == ["0.25", "-0.05"]
    # cumulative lift: one line per variant and metric over the window's days
    daily = chart(page, "ab", "ab-daily-1")
    assert [len(t["x"]) for t in daily["traces"]] == [14]
    assert daily["traces"][0]["y"][-1] == pytest.approx(-0.2 * (1 + 0.5 / 14))
    for item in charts(page, "ab"):
        assert item["state"] == "chart" and points(item) > 0, item["id"]
    _, variance, distinct = screenshot_stats(page, "#panel-ab [data-chart]")
    assert variance > 100 and distinct > 20
    assert log.console_errors == [] and log.page_errors == []


def test_no_ab_tab_without_the_marts(open_report, tmp_path: Path) -> None:
    page, log = open_report(_report(tmp_path, "plain.html", with_ab=False))
    assert "ab" not in page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    assert log.page_errors == []
