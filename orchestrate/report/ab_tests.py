"""The A/B tab's data: the rows of `<prefix>_ab_test_results` and `<prefix>_ab_test_daily` grouped per
test, arm and metric (docs/ab_tests.md). Plain data only; app.js draws it."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from orchestrate.report.queries import MartTables

# An SRM p-value below this says the split itself is broken (the tab's warning).
SRM_THRESHOLD = 0.001


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = float(value) if isinstance(value, float | Decimal | int) else None
    return number if number is not None and math.isfinite(number) else None


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def _flag(value: Any) -> bool:
    return bool(value) if isinstance(value, bool | int | float | Decimal) else str(value).lower() in ("true", "1")


_STATS = ("members", "metric_total", "mean_per_member", "lift", "lift_ci_low", "lift_ci_high", "p_value",
          "chance_to_beat_control")


def ab_tests_payload(tables: MartTables) -> list[dict[str, Any]] | None:
    """[{name, computed_through, srm_p_value, srm_warning, profiles_in_multiple_arms,
    membership_backfilled, arms: [...], metrics: [{metric, arms: [...], daily: [...]}]}], or None when
    the marts are not there (the report then has no A/B tab)."""
    if "ab_results" in tables.absent or "ab_results" in tables.missing:
        return None
    results = tables.tables.get("ab_results", [])
    if not results:
        return None
    daily = tables.tables.get("ab_daily", [])
    tests: dict[str, dict[str, Any]] = {}
    for row in sorted(results, key=lambda r: (str(r["test_name"]), not _flag(r["is_control"]), str(r["segment_id"]),
                                              str(r["metric_name"]))):
        name = str(row["test_name"])
        test = tests.setdefault(name, {
            "name": name, "computed_through": _day(row["computed_through"]),
            "srm_p_value": _number(row["srm_p_value"]),
            "profiles_in_multiple_arms": _number(row["profiles_in_multiple_arms"]) or 0,
            "membership_backfilled": False, "arms": [], "metrics": {}})
        srm = test["srm_p_value"]
        test["srm_warning"] = srm is not None and srm < SRM_THRESHOLD
        test["membership_backfilled"] = test["membership_backfilled"] or _flag(row["membership_backfilled"])
        segment = str(row["segment_id"])
        if all(arm["segment_id"] != segment for arm in test["arms"]):
            test["arms"].append({"segment_id": segment, "segment_name": row["segment_name"],
                                 "is_control": _flag(row["is_control"]), "members": _number(row["members"])})
        metric = test["metrics"].setdefault(str(row["metric_name"]), {"metric": str(row["metric_name"]), "arms": [],
                                                                       "daily": {}})
        metric["arms"].append({"segment_id": segment, "segment_name": row["segment_name"],
                               "is_control": _flag(row["is_control"]),
                               **{column: _number(row[column]) for column in _STATS}})
    for row in sorted(daily, key=lambda r: str(_day(r["event_date"]))):
        test = tests.get(str(row["test_name"]))
        if test is None or _flag(row["is_control"]):
            continue
        metric = test["metrics"].get(str(row["metric_name"]))
        if metric is None:
            continue
        series = metric["daily"].setdefault(str(row["segment_id"]), {
            "segment_id": str(row["segment_id"]), "segment_name": row["segment_name"],
            "dates": [], "lift": [], "low": [], "high": []})
        series["dates"].append(_day(row["event_date"]))
        series["lift"].append(_number(row["lift"]))
        series["low"].append(_number(row["lift_ci_low"]))
        series["high"].append(_number(row["lift_ci_high"]))
    return [{**test, "metrics": [{**m, "daily": list(m["daily"].values())} for m in test["metrics"].values()]}
            for test in tests.values()]
