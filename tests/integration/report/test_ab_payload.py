"""The A/B tab's data (orchestrate/report/ab_tests.py): grouped per test, arm and metric, the SRM warning
below 0.001 only, the variants' cumulative lift per day, and no tab without the marts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from orchestrate.report.ab_tests import ab_tests_payload
from orchestrate.report.queries import MartTables


def _result(test: str, segment: str, control: bool, metric: str, srm: float, **stats: Any) -> dict[str, Any]:
    row = {"test_name": test, "segment_id": segment, "segment_name": segment.upper(), "is_control": control,
           "metric_name": metric, "computed_through": dt.date(2026, 3, 15), "members": 10, "metric_total": 5.0,
           "mean_per_member": 0.5, "lift": None, "lift_ci_low": None, "lift_ci_high": None, "p_value": None,
           "chance_to_beat_control": None, "srm_p_value": srm, "profiles_in_multiple_arms": 2,
           "membership_backfilled": False}
    row.update(stats)
    return row


def test_grouped_per_test_with_srm_warning_and_daily_lift() -> None:
    results = [
        _result("b", "v", False, "orders", 0.0009, lift=Decimal("0.25"), p_value=0.01),
        _result("b", "c", True, "orders", 0.0009),
        _result("a", "c", True, "orders", 0.5, membership_backfilled=True),
        _result("a", "v", False, "orders", 0.5, lift=float("nan")),
    ]
    daily = [{"test_name": "b", "segment_id": "v", "segment_name": "V", "is_control": False, "metric_name": "orders",
              "event_date": dt.date(2026, 3, d), "lift": 0.1 * d, "lift_ci_low": 0.0, "lift_ci_high": 1.0}
             for d in (2, 1)] + [
             {"test_name": "b", "segment_id": "c", "segment_name": "C", "is_control": True, "metric_name": "orders",
              "event_date": dt.date(2026, 3, 1), "lift": None, "lift_ci_low": None, "lift_ci_high": None}]
    tests = ab_tests_payload(MartTables(tables={"ab_results": results, "ab_daily": daily}))
    assert tests is not None
    assert [t["name"] for t in tests] == ["a", "b"]
    a, b = tests
    assert (a["srm_warning"], b["srm_warning"]) == (False, True)
    assert (a["membership_backfilled"], b["membership_backfilled"]) == (True, False)
    assert [arm["segment_id"] for arm in b["arms"]] == ["c", "v"]  # the control first
    assert b["metrics"][0]["arms"][1]["lift"] == 0.25
    assert a["metrics"][0]["arms"][1]["lift"] is None  # NaN is not a number to draw
    assert b["metrics"][0]["daily"] == [{"segment_id": "v", "segment_name": "V", "dates": ["2026-03-01", "2026-03-02"],
                                          "lift": [0.1, 0.2], "low": [0.0, 0.0], "high": [1.0, 1.0]}]
    assert b["profiles_in_multiple_arms"] == 2


def test_no_tab_without_the_marts_or_rows() -> None:
    assert ab_tests_payload(MartTables(tables={"ab_results": []}, absent={"ab_results"})) is None
    assert ab_tests_payload(MartTables(tables={"ab_results": []})) is None
