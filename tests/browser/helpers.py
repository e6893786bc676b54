"""Reading what plotly actually drew, from the DOM of the report page."""

from __future__ import annotations

from typing import Any

from tests.browser.png import decode_png

CHARTS_JS = """(panel) => Array.from(document.querySelectorAll('#panel-' + panel + ' [data-chart]')).map(n => ({
  id: n.id,
  state: n.dataset.state,
  empty_text: n.dataset.state === 'empty' ? n.textContent : null,
  traces: (n.data || []).map(t => ({
    name: t.name || null,
    dash: (t.line && t.line.dash) || null,
    x: Array.from(t.x || t.labels || []).map(String),
    y: Array.from(t.y || t.values || []).map(v => v === null ? null : Number(v)),
  })),
  svg_marks: n.querySelectorAll('.scatterlayer path.js-line, .scatterlayer path.point, .barlayer path, '
    + '.pielayer path.surface, .heatmaplayer image').length,
}))"""


def open_tab(page: Any, key: str) -> None:
    page.click(f"#tab-{key}")
    page.wait_for_function(f"document.body.dataset.renderedTab === {key!r}")


def charts(page: Any, panel: str) -> list[dict[str, Any]]:
    return page.evaluate(CHARTS_JS, panel)


def chart(page: Any, panel: str, chart_id: str) -> dict[str, Any]:
    for item in charts(page, panel):
        if item["id"] == chart_id:
            return item
    raise AssertionError(f"chart {chart_id} not found in panel {panel}")


def points(item: dict[str, Any]) -> int:
    return sum(len(t["y"]) for t in item["traces"])


def screenshot_stats(page: Any, selector: str) -> tuple[float, float, int]:
    """Mean, variance of luma and distinct colours of an element's screenshot."""
    image = decode_png(page.locator(selector).first.screenshot(type="png"))
    return image.luminance_stats(step=2)


def set_date(page: Any, selector: str, day: str) -> None:
    page.evaluate(
        "([sel, day]) => { const n = document.querySelector(sel); n.value = day;"
        " n.dispatchEvent(new Event('change', {bubbles: true})); }",
        [selector, day],
    )
