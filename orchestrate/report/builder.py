"""build_report: read the marts, embed data + plotly.js + the app into one offline HTML file."""

from __future__ import annotations

import datetime as dt
import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrate.config import Metric
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.report.assets import app_js, inline_script, json_for_script, plotly_js, render_page, style_css
from orchestrate.report.metric_groups import group_metrics, parse_metrics
from orchestrate.report.payload import build_payload
from orchestrate.report.queries import MartMissingError, Progress, read_marts
from orchestrate.report.relations import check_prefix


class ReportError(SegmentAnalyticsError, RuntimeError):
    """The report cannot be built (marts missing, bad configuration); the message says what to do."""


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_report(
    conn: Any,
    *,
    prefix: str,
    metrics: Sequence[Metric | dict[str, Any]] | None,
    out_path: str | Path,
    title: str = "Segment Analytics",
    schema: str | None = None,
    progress: Progress | None = _stderr_progress,
    generated_at: dt.datetime | None = None,
) -> Path:
    """Write the self-contained report to `out_path` and return its path.

    `conn` is an open DB-API connection (DuckDB or Trino) whose default schema holds the marts, or
    pass `schema`. `metrics` is the configured metric list (`Config.metrics`, or the mappings of vars
    segment_analytics.metrics).
    """
    try:
        check_prefix(prefix)
        groups = group_metrics(parse_metrics(metrics))
    except ValueError as error:
        raise ReportError(str(error)) from error
    try:
        tables = read_marts(conn, prefix=prefix, schema=schema, progress=progress)
    except MartMissingError as error:
        raise ReportError(str(error)) from error
    stamp = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    document = build_payload(tables, groups, title=title, prefix=prefix, generated_at=stamp)
    page = render_page(
        {
            "TITLE": html.escape(title),
            "STYLE": style_css().replace("</", "<\\/"),
            "PLOTLY": inline_script(plotly_js()),
            "DATA": json_for_script(document),
            "APP": inline_script(app_js()),
        }
    )
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    if progress:
        rows = sum(len(rows) for rows in tables.tables.values())
        progress(f"report: wrote {target} ({rows:,} rows, {target.stat().st_size / 1e6:.1f} MB)")
    return target
