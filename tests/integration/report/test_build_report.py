"""build_report on DuckDB marts: one offline file, data faithful to the marts, safe with hostile names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from orchestrate.config import validate_config
from orchestrate.report import ReportError, build_report
from orchestrate.report.assets import plotly_js
from orchestrate.report.queries import REPORT_QUERIES
from tests.integration.report.marts_fixture import METRICS, TRICKY_NAME, create_report_marts


def _embedded(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="sa-data">(.*?)</script>', html, re.S)
    assert match, "embedded data block missing"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def marts():
    conn = duckdb.connect()
    summary = create_report_marts(conn)
    yield conn, summary
    conn.close()


def test_report_is_one_offline_file_with_the_marts_data(marts, tmp_path: Path):
    conn, summary = marts
    lines: list[str] = []
    out = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "out" / "r.html",
                       title="Acme & Co <report>", progress=lines.append)
    html = out.read_text(encoding="utf-8")
    # No external resource of any kind: scripts, styles and data are inline.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html, re.I)
    assert plotly_js() in html  # inlined whole, from the installed plotly package
    own_parts = html.replace(plotly_js(), "")
    assert "http://" not in own_parts and "https://" not in own_parts
    # Title escaped, never raw markup.
    assert "<title>Acme &amp; Co &lt;report&gt;</title>" in html
    data = _embedded(html)
    assert len(data["segments"]) == summary.current_segments + 1  # + the deleted one seen in history
    assert len(data["parent_segments"]) == summary.parent_segments
    assert len(data["metrics"]["rows"]) == summary.metric_rows
    assert len(data["population"]["rows"]) == summary.population_rows
    assert data["run_date"] == "2026-10-30"
    assert data["missing"] == {}
    # Progress: one line per query, then the written file.
    assert sum("querying" in line for line in lines) == len(REPORT_QUERIES)
    assert lines[-1].startswith("report: wrote")


def test_metric_groups_come_from_the_configuration(marts, tmp_path: Path):
    conn, _ = marts
    html = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "r.html",
                        progress=None).read_text(encoding="utf-8")
    groups = _embedded(html)["metric_groups"]
    assert [g["source"] for g in groups] == ["shop.checkout_events", "app.screen_events", "crm.push_events"]
    assert [m["name"] for m in groups[0]["metrics"]] == ["basket_count", "basket_value", "largest_basket"]
    assert groups[0]["label"] == "Checkout events"
    # Only configured metrics are embedded: drop one from the config and its rows disappear.
    fewer = [m for m in METRICS if m["metric"] != "push_opens"]
    data = _embedded(build_report(conn, prefix="segment_analytics", metrics=fewer, out_path=tmp_path / "s.html",
                                  progress=None).read_text(encoding="utf-8"))
    metric_col = data["metrics"]["columns"].index("metric")
    assert {row[metric_col] for row in data["metrics"]["rows"]} == {m["metric"] for m in fewer}
    assert [g["source"] for g in data["metric_groups"]] == ["shop.checkout_events", "app.screen_events"]


def test_the_typed_config_metrics_give_the_same_report_groups(marts, tmp_path: Path):
    conn, _ = marts
    typed = validate_config({"metrics": METRICS}).metrics
    from_typed = build_report(conn, prefix="segment_analytics", metrics=typed, out_path=tmp_path / "t.html",
                              progress=None).read_text(encoding="utf-8")
    from_mappings = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "m.html",
                                 progress=None).read_text(encoding="utf-8")
    assert _embedded(from_typed)["metric_groups"] == _embedded(from_mappings)["metric_groups"]
    assert len(_embedded(from_typed)["metric_groups"]) == 3


def test_hostile_names_cannot_end_the_data_script(marts, tmp_path: Path):
    conn, _ = marts
    html = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "r.html",
                        progress=None).read_text(encoding="utf-8")
    # Exactly the template's three closing script tags: data, plotly, app.
    assert html.lower().count("</script") == 3
    names = {s["name"] for s in _embedded(html)["segments"]}
    assert TRICKY_NAME in names
    assert "O'Brien's VIPs" in names and "Kunden München" in names


def test_missing_optional_marts_are_reported_not_fatal(tmp_path: Path):
    conn = duckdb.connect()
    create_report_marts(conn)
    conn.execute('drop table "segment_analytics_rule_changes"')
    conn.execute('drop table "segment_analytics_metrics_daily"')
    data = _embedded(build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "r.html",
                                  progress=None).read_text(encoding="utf-8"))
    assert set(data["missing"]) == {"rule_changes", "metrics_daily", "metric_segments"}
    assert "segment_analytics_rule_changes could not be read" in data["missing"]["rule_changes"]
    assert data["rule_changes"] == [] and data["metrics"]["rows"] == []


def test_missing_account_mart_is_a_clear_error(tmp_path: Path):
    conn = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(ReportError, match=r"cannot read other_ps_stats.*Build the marts first"):
        build_report(conn, prefix="other", metrics=METRICS, out_path=tmp_path / "r.html", progress=None)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prefix": 'x"; drop table y; --'}, "project_prefix"),
        ({"metrics": [{"agg": "sum", "source": "a.b"}]}, r"metrics\[0\]\.metric"),
        ({"metrics": [{"metric": "m", "agg": "sum"}]}, r"metrics\[0\]\.source"),
        ({"metrics": [{"metric": "m", "source": "a.b"}, {"metric": "m", "source": "a.b"}]}, r"metrics\[1\]\.metric"),
    ],
)
def test_bad_input_names_the_field(marts, tmp_path: Path, kwargs, field):
    conn, _ = marts
    args = {"prefix": "segment_analytics", "metrics": METRICS, **kwargs}
    with pytest.raises(ReportError, match=field):
        build_report(conn, out_path=tmp_path / "r.html", progress=None, **args)


def test_prefix_and_schema_are_quoted(tmp_path: Path):
    conn = duckdb.connect()
    conn.execute('create schema "Marts ü"')
    conn.execute('use "Marts ü"')
    create_report_marts(conn, prefix="sa2")
    conn.execute("use main")
    data = _embedded(build_report(conn, prefix="sa2", metrics=METRICS, schema="Marts ü", out_path=tmp_path / "r.html",
                                  progress=None).read_text(encoding="utf-8"))
    assert data["prefix"] == "sa2" and len(data["segments"]) == 9


def test_no_metrics_configured_still_builds(marts, tmp_path: Path):
    conn, _ = marts
    data = _embedded(build_report(conn, prefix="segment_analytics", metrics=[], out_path=tmp_path / "r.html",
                                  progress=None).read_text(encoding="utf-8"))
    assert data["metric_groups"] == [] and data["metrics"]["rows"] == []
