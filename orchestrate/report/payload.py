"""Shape the rows read from the marts into the JSON document embedded in the report."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from orchestrate.report.ab_tests import ab_tests_payload
from orchestrate.report.metric_groups import MetricGroup
from orchestrate.report.queries import MartTables

_TRUE_TEXT = {"1", "true", "t", "yes", "y", "v5"}


def plain(value: Any) -> Any:
    """One cell as a JSON value: dates as ISO text, decimals as floats, NaN/inf as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _day(value: Any) -> str | None:
    """A date-like cell as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def _text_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_TEXT
    return False


def _number(value: Any) -> float | int | None:
    cell = plain(value)
    return cell if isinstance(cell, int | float) and not isinstance(cell, bool) else None


def _segment_entry(row: dict[str, Any], segment_id: str, **rest: Any) -> dict[str, Any]:
    """The identity fields every segment entry reads from its row; `rest` adds the others."""
    return {
        "id": segment_id,
        "name": plain(row["segment_name"]) or f"segment {segment_id}",
        "ps_id": _text_id(row["ps_id"]),
        "ps_name": plain(row["ps_name"]),
        "folder_id": _text_id(row["folder_id"]),
        "folder_name": plain(row["folder_name"]),
        **rest,
    }


def _segments(tables: MartTables) -> list[dict[str, Any]]:
    """Every segment the report knows: the account snapshot first, then segments only seen in history."""
    segments: dict[str, dict[str, Any]] = {}
    for row in tables.tables.get("ps_stats", []):
        segment_id = _text_id(row["segment_id"])
        if segment_id is None:
            continue
        segments[segment_id] = _segment_entry(
            row, segment_id,
            folder_path=plain(row["folder_path"]),
            population=_number(row["segment_population"]),
            type=plain(row["segment_type"]),
            realtime=_flag(row["realtime"]),
            selected=_flag(row["is_selected"]),
            v5=_flag(row["v5_flag"]),
            current=True,
        )
    for key in ("metric_segments", "population_segments"):
        for row in tables.tables.get(key, []):
            segment_id = _text_id(row["segment_id"])
            if segment_id is None or segment_id in segments:
                continue
            segments[segment_id] = _segment_entry(
                row, segment_id,
                folder_path=plain(row["folder_name"]),
                population=None, type=None, realtime=False, selected=True, v5=False, current=False,
            )
    problems = _member_sql_problems(tables)
    for segment in segments.values():
        segment["member_sql_problem"] = problems.get(segment["id"])
    return list(segments.values())


def _member_sql_problems(tables: MartTables) -> dict[str, str]:
    """segment id -> why the segment has no usable member SQL this run (selected segments only)."""
    problems: dict[str, str] = {}
    for row in tables.tables.get("member_sql", []):
        segment_id, problem = _text_id(row["segment_id"]), plain(row["member_sql_problem"])
        if segment_id is not None and isinstance(problem, str) and problem:
            problems[segment_id] = problem
    return problems


def _parent_segments(tables: MartTables) -> list[dict[str, Any]]:
    parents: dict[str, dict[str, Any]] = {}
    for row in tables.tables.get("ps_stats", []):
        ps_id = _text_id(row["ps_id"])
        if ps_id is None or ps_id in parents:
            continue
        parents[ps_id] = {
            "id": ps_id,
            "name": plain(row["ps_name"]) or f"parent segment {ps_id}",
            "population": _number(row["ps_population"]),
            "v5": _flag(row["v5_flag"]),
        }
    return list(parents.values())


def _columnar(rows: list[dict[str, Any]], spec: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """Rows as {"columns": [...], "rows": [[...], ...]} — compact for large marts."""
    names = list(spec)
    out_rows = [[convert(row[source]) for source, convert in spec.values()] for row in rows]
    return {"columns": names, "rows": out_rows}


def _alerts(tables: MartTables) -> list[dict[str, Any]] | None:
    """Each alert with its delivery state per destination (a `delivered` attempt wins over any
    failure); None when the alerts mart could not be read (the report then has no Alerts tab)."""
    if "alerts" in tables.missing or "alerts" in tables.absent:
        return None
    state: dict[str, dict[str, str]] = {}
    for row in sorted(tables.tables.get("alert_deliveries", []), key=lambda r: str(plain(r["attempted_at"]) or "")):
        alert_id, destination, status = plain(row["alert_id"]), plain(row["destination"]), plain(row["status"])
        per_alert = state.setdefault(str(alert_id), {})
        if per_alert.get(str(destination)) != "delivered":
            per_alert[str(destination)] = str(status)
    alerts = []
    for row in tables.tables.get("alerts", []):
        alert_id = str(plain(row["alert_id"]))
        alerts.append({
            "alert_id": alert_id, "run_date": _day(row["run_date"]), "kind": plain(row["kind"]),
            "severity": plain(row["severity"]), "ps_id": _text_id(row["ps_id"]),
            "segment_id": _text_id(row["segment_id"]), "segment_name": plain(row["segment_name"]),
            "metric_name": plain(row["metric_name"]), "observed_value": _number(row["observed_value"]),
            "expected_value": _number(row["expected_value"]), "threshold": _number(row["threshold"]),
            "message": plain(row["message"]), "updated_by": plain(row["updated_by"]),
            "authorized": None if row["authorized"] is None else _flag(row["authorized"]),
            "muted": _flag(row["muted"]), "muted_until": _day(row["muted_until"]),
            "deliveries": dict(sorted(state.get(alert_id, {}).items())),
        })
    return sorted(alerts, key=lambda a: (a["run_date"] or "", a["alert_id"]), reverse=True)


def _run_date(tables: MartTables) -> str | None:
    days = [_day(row["run_date"]) for row in tables.tables.get("ps_stats", []) if row["run_date"] is not None]
    return max(days) if days else None


def build_payload(
    tables: MartTables,
    groups: list[MetricGroup],
    *,
    title: str,
    prefix: str,
    generated_at: str,
) -> dict[str, Any]:
    configured = {metric.name for group in groups for metric in group.metrics}
    metric_rows = [
        row for row in tables.tables.get("metrics_daily", []) if plain(row["metric_name"]) in configured
    ]
    changes = [
        {
            "segment_id": _text_id(row["segment_id"]),
            "segment_name": plain(row["segment_name"]),
            "ps_id": _text_id(row["ps_id"]),
            "change_type": plain(row["change_type"]),
            "version": _number(row["version"]),
            "date": _day(row["valid_from"]),
            "changed_by": plain(row["changed_by"]),
            "rule_diff": plain(row["rule_diff"]),
            "population_before": _number(row["population_before"]),
            "population_after": _number(row["population_after"]),
        }
        for row in tables.tables.get("rule_changes", [])
    ]
    return {
        "title": title,
        "prefix": prefix,
        "generated_at": generated_at,
        "run_date": _run_date(tables),
        "parent_segments": _parent_segments(tables),
        "segments": _segments(tables),
        "population": _columnar(
            tables.tables.get("population_daily", []),
            {
                "segment_id": ("segment_id", _text_id),
                "date": ("date", _day),
                "population": ("population", _number),
                "entered": ("entered", _number),
                "exited": ("exited", _number),
                "api_population": ("api_population", _number),
            },
        ),
        "tracker": _columnar(
            tables.tables.get("population_tracker", []),
            {
                "segment_id": ("segment_id", _text_id),
                "date": ("run_date", _day),
                "population": ("segment_population", _number),
                "member_count": ("member_count", _number),
            },
        ),
        "metrics": _columnar(
            metric_rows,
            {
                "segment_id": ("segment_id", _text_id),
                "date": ("event_date", _day),
                "metric": ("metric_name", plain),
                "value": ("metric_value", _number),
                "unique": ("unique_profiles", _number),
            },
        ),
        "overlap": _columnar(
            tables.tables.get("segment_overlap", []),
            {
                "run_date": ("run_date", _day),
                "segment_a": ("segment_a", _text_id),
                "segment_b": ("segment_b", _text_id),
                "members_a": ("members_a", _number),
                "members_b": ("members_b", _number),
                "members_both": ("members_both", _number),
                "share_of_a_in_b": ("share_of_a_in_b", _number),
                "share_of_b_in_a": ("share_of_b_in_a", _number),
                "jaccard": ("jaccard", _number),
            },
        ),
        "kpi_deltas": _columnar(
            tables.tables.get("kpi_deltas", []),
            {
                "segment_id": ("segment_id", _text_id),
                "date": ("period_start", _day),
                "kind": ("kpi_kind", plain),
                "kpi": ("kpi_name", plain),
                "agg": ("agg", plain),
                "value": ("kpi_value", _number),
                "week_ago": ("value_week_ago", _number),
                "month_ago": ("value_month_ago", _number),
                "year_ago": ("value_year_ago", _number),
            },
        ),
        "metric_groups": [group.as_payload() for group in groups],
        "rule_changes": changes,
        "alerts": _alerts(tables),
        "ab_tests": ab_tests_payload(tables),
        "missing": dict(tables.missing),
    }
