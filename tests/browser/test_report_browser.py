"""The HTML report in a real headless Chromium: it renders, it is offline, and the filters work."""

from __future__ import annotations

import pytest

from tests.browser.helpers import chart, charts, open_tab, points, screenshot_stats, set_date
from tests.integration.report.marts_fixture import METRICS, SEGMENTS, TRICKY_NAME

pytestmark = pytest.mark.browser

EXPECTED_TABS = ["summary", "segments", "metrics-g0", "metrics-g1", "metrics-g2", "compare"]


def test_every_tab_renders_non_empty_charts_without_errors(open_report, full_report):
    page, log = open_report(full_report)
    tabs = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    assert tabs == EXPECTED_TABS
    labels = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.textContent)")
    assert labels[2:5] == ["Checkout events", "Screen events", "Push events"]
    for tab in tabs:
        open_tab(page, tab)
        drawn = charts(page, tab)
        assert drawn, f"tab {tab} has no charts"
        for item in drawn:
            assert item["state"] == "chart", f"{tab}/{item['id']} is empty: {item['empty_text']}"
            assert points(item) > 0, f"{tab}/{item['id']} plotted no points"
            assert item["svg_marks"] > 0, f"{tab}/{item['id']} drew nothing in its SVG"
        # The pixels agree: the first chart of the tab is not a blank rectangle.
        mean, variance, colours = screenshot_stats(page, f"#panel-{tab} [data-chart]")
        assert variance > 100 and colours > 20, f"{tab}: screenshot looks blank ({mean=:.0f} {variance=:.0f})"
    assert log.console_errors == [] and log.page_errors == []
    assert all(url.startswith("file:") for url in log.requests), log.requests


def test_cascading_filters_change_every_chart(open_report, full_report):
    page, log = open_report(full_report)
    open_tab(page, "segments")
    before = chart(page, "segments", "seg-population")
    assert len(before["traces"]) == 8  # every tracked segment, the deleted one included
    flow_before = chart(page, "segments", "seg-flow")
    cards = page.locator("[data-cards=rule-changes] .card").all_text_contents()
    assert cards[1] == "Rule changes3edits 2 · deletions 1" and cards[2].startswith("Segments changed3")

    # Parent segment -> the folder list narrows to that parent's folders, the charts to its segments.
    page.select_option("#f-ps", "2002")
    folders = page.eval_on_selector_all("#f-folder option", "os => os.map(o => o.textContent)")
    assert folders[1:] == ["Kunden München (V4)", "Kunden München (V4) / Stammkunden"]
    after = chart(page, "segments", "seg-population")
    assert sorted(t["name"] for t in after["traces"]) == sorted(
        ["Kunden München", TRICKY_NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")]
    )
    flow_after = chart(page, "segments", "seg-flow")
    assert flow_after["traces"][0]["x"] == flow_before["traces"][0]["x"]
    assert flow_after["traces"][0]["y"] != flow_before["traces"][0]["y"]  # fewer segments enter
    assert sum(flow_after["traces"][0]["y"]) < sum(flow_before["traces"][0]["y"])

    # Folder (with sub-folders) -> segment: the segment list cascades from the folder.
    page.select_option("#f-ps", "1001")
    page.select_option("#f-folder", "11")
    segment_options = page.eval_on_selector_all("#f-segment option", "os => os.map(o => o.value)")
    expected = {s.segment_id for s in SEGMENTS if s.ps_id == "1001"}  # folder 11 holds 12 as a sub-folder
    assert set(segment_options[1:]) == expected
    page.select_option("#f-segment", "104")
    one = chart(page, "segments", "seg-population")
    assert [t["name"] for t in one["traces"]] == ["A/B test — arm A"]

    # The same filter drives a metric tab, and the date range cuts every series.
    open_tab(page, "metrics-g0")
    metric = chart(page, "metrics-g0", "g0-total")
    assert [t["name"] for t in metric["traces"]] == ["A/B test — arm A"]
    # Default range: the last 90 days up to the latest day in the marts (2026-10-30, a run date).
    assert metric["traces"][0]["x"][0] == "2026-08-02" and metric["traces"][0]["x"][-1] == "2026-10-29"
    set_date(page, "#f-from", "2026-10-01")
    set_date(page, "#f-to", "2026-10-10")
    cut = chart(page, "metrics-g0", "g0-total")
    assert cut["traces"][0]["x"][0] == "2026-10-01" and cut["traces"][0]["x"][-1] == "2026-10-10"
    assert len(cut["traces"][0]["x"]) == 10
    # Grain: the same ten days, weekly, are three Monday-based weeks.
    page.select_option("#panel-metrics-g0 select[data-control=grain]", "weekly")
    weekly = chart(page, "metrics-g0", "g0-total")
    assert weekly["traces"][0]["x"] == ["2026-09-28", "2026-10-05"]
    assert sum(weekly["traces"][0]["y"]) == pytest.approx(sum(cut["traces"][0]["y"]))

    # A range with no data says so instead of drawing an empty axis.
    set_date(page, "#f-from", "2020-01-01")
    set_date(page, "#f-to", "2020-01-31")
    open_tab(page, "segments")
    empty = chart(page, "segments", "seg-population")
    assert empty["state"] == "empty" and "No population data between 2020-01-01 to 2020-01-31" in empty["empty_text"]
    assert log.console_errors == [] and log.page_errors == []


def test_population_history_before_membership_and_flow(open_report, full_report):
    page, log = open_report(full_report)
    open_tab(page, "segments")
    set_date(page, "#f-from", "2026-07-27")
    set_date(page, "#f-to", "2026-08-05")
    page.select_option("#f-segment", "101")
    population = chart(page, "segments", "seg-population")
    solid = [t for t in population["traces"] if t["dash"] is None]
    dotted = [t for t in population["traces"] if t["dash"] == "dot"]
    assert len(solid) == 1 and len(dotted) == 1
    # API statistics before the first membership day, joined to it; members computed from it on.
    assert dotted[0]["x"][0] == "2026-07-27" and dotted[0]["x"][-1] == "2026-08-01"
    assert dotted[0]["y"][:5] == [895.0, 896.0, 897.0, 898.0, 899.0]
    assert solid[0]["x"][0] == "2026-08-01" and solid[0]["x"][-1] == "2026-08-05"
    # The first membership day is the starting population, not entries: the flow starts the day after.
    flow = chart(page, "segments", "seg-flow")
    assert flow["traces"][0]["x"][0] == "2026-08-02" and len(flow["traces"][0]["x"]) == 4
    assert log.console_errors == [] and log.page_errors == []


def test_compare_two_to_four_segments(open_report, full_report):
    page, log = open_report(full_report)
    open_tab(page, "compare")
    first = chart(page, "compare", "compare-total")
    assert len(first["traces"]) == 2
    page.check("#panel-compare input[data-segment='104']")
    page.check("#panel-compare input[data-segment='105']")
    four = chart(page, "compare", "compare-total")
    assert len(four["traces"]) == 4
    assert {"A/B test — arm A", "A/B test — arm B"} <= {t["name"] for t in four["traces"]}
    # A fifth pick is refused: the remaining boxes are disabled.
    disabled = page.eval_on_selector_all("#panel-compare input[type=checkbox]:not(:checked)",
                                         "bs => bs.map(b => b.disabled)")
    assert disabled and all(disabled)
    headers = page.eval_on_selector_all("#panel-compare table.data thead th", "hs => hs.map(h => h.textContent)")
    assert len(headers) == 5
    # Switching the metric redraws the same segments with other numbers.
    page.select_option("#panel-compare select[data-control=metric]", "basket_value")
    value = chart(page, "compare", "compare-total")
    assert len(value["traces"]) == 4 and value["traces"][0]["y"] != four["traces"][0]["y"]
    for seg in ("104", "105", page.eval_on_selector_all(
            "#panel-compare input:checked", "bs => bs.map(b => b.value)")[0]):
        page.uncheck(f"#panel-compare input[data-segment='{seg}']")
    assert page.locator("#panel-compare .empty").first.text_content().startswith("Pick at least 2 segments")
    assert log.console_errors == [] and log.page_errors == []


def test_empty_states_say_why(open_report, bare_report):
    page, log = open_report(bare_report)
    tabs = page.eval_on_selector_all("[role=tab]", "els => els.map(e => e.dataset.tab)")
    assert tabs == ["summary", "segments", "metrics", "compare"]
    open_tab(page, "metrics")
    assert "No metrics configured" in page.locator("#panel-metrics").text_content()
    open_tab(page, "segments")
    changes = chart(page, "segments", "seg-changes")
    assert changes["state"] == "empty" and "No rule changes recorded yet" in changes["empty_text"]
    assert chart(page, "segments", "seg-population")["state"] == "chart"
    open_tab(page, "compare")
    assert "No metrics configured" in page.locator("#panel-compare").text_content()
    assert log.console_errors == [] and log.page_errors == []


def test_fixture_metrics_are_not_the_demo_names():
    # Guards the premise of the tab test: the report must not depend on hard-coded metric names.
    assert not {m["metric"] for m in METRICS} & {"orders", "revenue", "pageviews", "email_opens"}
