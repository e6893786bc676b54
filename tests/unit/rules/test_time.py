"""Time operators on a timestamp attribute, with a fixed `now`, boundaries and time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.rules.datasets import PEOPLE
from tests.unit.rules.rulekit import attr, op, rule

# signup: c1 2026-11-28 08:00, c2 2026-11-01 00:00, c3 NULL, c4 2025-12-31 23:59:59,
# c5 2026-10-31 23:00, c6 2026-02-28 12:00, c7 2026-12-15 00:00, c8 2027-01-01 00:00 (all UTC)
NOW = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
END_OF_MARCH = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)


def unit(kind: str, name: str, **extra: object) -> dict:
    return {"type": kind, "from": {"unit": name}, **extra}


TIMEFRAMES = [
    ("past-30-day", {"type": "TimeWithinPast", "value": 30, "unit": "day"}, NOW, None, {"c1", "c2", "c5"}),
    ("past-1-month", {"type": "TimeWithinPast", "value": "1", "unit": "month"}, NOW, None, {"c1", "c2", "c5"}),
    ("past-1-year", {"type": "TimeWithinPast", "value": 1, "unit": "year"}, NOW, None,
     {"c1", "c2", "c4", "c5", "c6"}),
    ("past-3-hour", {"type": "TimeWithinPast", "value": 3, "unit": "hour"}, NOW, None, {"c1"}),
    ("next-3-week", {"type": "TimeWithinNext", "value": 3, "unit": "week"}, NOW, None, {"c7"}),
    ("next-34-day", {"type": "TimeWithinNext", "value": 34, "unit": "day"}, NOW, None, {"c7", "c8"}),
    ("today", {"type": "TimeToday"}, NOW, None, {"c1"}),
    ("this-week", unit("TimeThis", "week"), NOW, None, {"c1"}),
    ("this-month", unit("TimeThis", "month"), NOW, None, {"c1", "c2"}),
    ("this-quarter", unit("TimeThis", "quarter"), NOW, None, {"c1", "c2", "c5", "c7"}),
    ("this-year", unit("TimeThis", "year"), NOW, None, {"c1", "c2", "c5", "c6", "c7"}),
    ("next-month", unit("TimeNext", "month"), NOW, None, {"c7"}),
    ("next-quarter", unit("TimeNext", "quarter"), NOW, None, {"c8"}),
    ("next-year", unit("TimeNext", "year"), NOW, None, {"c8"}),
    ("previous-month", unit("TimeRange", "month", **{"not": False}), NOW, None, {"c5"}),
    ("previous-quarter", unit("TimeRange", "quarter"), NOW, None, set()),
    ("previous-year", unit("TimeRange", "year"), NOW, None, {"c4"}),
    ("range-7d-from-1-month-ago",
     {"type": "TimeRange", "duration": {"day": 7}, "from": {"last": 1, "unit": "month"}, "not": False,
      "reverse": False}, NOW, None, {"c2", "c5"}),
    ("range-7d-from-27-days-ago",
     {"type": "TimeRange", "duration": {"day": 7}, "from": {"last": 27, "unit": "day"}, "not": False,
      "reverse": False}, NOW, None, set()),
    ("range-7d-before-27-days-ago-reverse",
     {"type": "TimeRange", "duration": {"day": 7}, "from": {"last": 27, "unit": "day"}, "not": False,
      "reverse": True}, NOW, None, {"c2", "c5"}),
    ("range-local-duration",
     {"type": "TimeRange", "duration": {"month": 1}, "from": {"last": {"month": 1, "day": 1}, "unit": "day"},
      "not": False, "reverse": False}, NOW, None, {"c2", "c5"}),
    ("in-between-next-1-2-month",
     {"type": "TimeInBetweenNext", "from": {"next": 1, "unit": "month"}, "to": {"next": 2, "unit": "month"},
      "not": False}, NOW, None, {"c8"}),
    # time zones
    ("tokyo-today", {"type": "TimeToday"}, NOW, "Asia/Tokyo", {"c1"}),
    ("tokyo-this-month", unit("TimeThis", "month"), NOW, "Asia/Tokyo", {"c1", "c2", "c5"}),
    ("tokyo-previous-month", unit("TimeRange", "month"), NOW, "Asia/Tokyo", set()),
    ("tokyo-this-year", unit("TimeThis", "year"), NOW, "Asia/Tokyo", {"c1", "c2", "c4", "c5", "c6", "c7"}),
    ("tokyo-next-year", unit("TimeNext", "year"), NOW, "Asia/Tokyo", {"c8"}),
    ("new-york-today", {"type": "TimeToday"}, NOW, "America/New_York", {"c1"}),
    ("new-york-this-month", unit("TimeThis", "month"), NOW, "America/New_York", {"c1"}),
    ("new-york-previous-month", unit("TimeRange", "month"), NOW, "America/New_York", {"c2", "c5"}),
    # month boundary: 31 March minus one month clamps to 28 February (inclusive bound)
    ("march-31-past-1-month", {"type": "TimeWithinPast", "value": 1, "unit": "month"}, END_OF_MARCH, None,
     {"c6"}),
    ("march-31-previous-month", unit("TimeRange", "month"), END_OF_MARCH, None, {"c6"}),
    ("march-31-this-month", unit("TimeThis", "month"), END_OF_MARCH, None, set()),
    # year boundary
    ("new-year-today", {"type": "TimeToday"}, NEW_YEAR, None, {"c8"}),
    ("new-year-this-year", unit("TimeThis", "year"), NEW_YEAR, None, {"c8"}),
    ("new-year-previous-year", unit("TimeRange", "year"), NEW_YEAR, None, {"c1", "c2", "c5", "c6", "c7"}),
    ("new-year-this-week", unit("TimeThis", "week"), NEW_YEAR, None, {"c8"}),
    ("new-year-previous-week", unit("TimeRange", "week"), NEW_YEAR, None, set()),
    ("new-year-past-3-week", {"type": "TimeWithinPast", "value": 3, "unit": "week"}, NEW_YEAR, None,
     {"c7", "c8"}),
    ("new-year-previous-quarter", unit("TimeRange", "quarter"), NEW_YEAR, None, {"c1", "c2", "c5", "c7"}),
]


@pytest.mark.parametrize(("operator", "now", "zone", "expected"), [c[1:] for c in TIMEFRAMES],
                         ids=[c[0] for c in TIMEFRAMES])
def test_timeframe_on_timestamp_attribute(rule_harness, operator, now, zone, expected):
    assert rule_harness.members(rule(attr("signup", operator)), PEOPLE, now=now, timezone=zone) == expected


def test_not_on_timeframe_means_outside_and_not_null(rule_harness):
    operator = {**unit("TimeThis", "month"), "not": True}
    assert rule_harness.members(rule(attr("signup", operator)), PEOPLE, now=NOW) == {"c4", "c5", "c6", "c7", "c8"}


COMPARISONS = [
    ("greater-timestamp", op("Greater", rightValue={"timestamp": "2026-11-01T00:00:00Z"}), None,
     {"c1", "c7", "c8"}),
    ("greater-equal-timestamp", op("GreaterEqual", rightValue={"timestamp": "2026-11-01T00:00:00Z"}), None,
     {"c1", "c2", "c7", "c8"}),
    ("less-last-9-month", op("Less", rightValue={"last": 9, "unit": "month"}), None, {"c4"}),
    ("less-equal-local-duration", op("LessEqual", rightValue={"last": {"month": 9, "day": 1}, "unit": "day"}),
     None, {"c4"}),
    ("equal-offset", op("Equal", rightValue={"timestamp": "2026-11-01T09:00:00+09:00"}), None, {"c2"}),
    ("equal-local-in-zone", op("Equal", rightValue={"timestamp": "2026-11-01 09:00:00"}), "Asia/Tokyo", {"c2"}),
    ("equal-not", op("Equal", True, rightValue={"timestamp": "2026-11-01T00:00:00Z"}), None,
     {"c1", "c4", "c5", "c6", "c7", "c8"}),
    ("between-timestamp-and-last-0", op("Between", minValue={"timestamp": "2026-10-31"},
                                         maxValue={"last": 0, "unit": "day"}), None, {"c1", "c2", "c5"}),
    ("greater-equal-last-3-day", op("GreaterEqual", rightValue={"last": 3, "unit": "day"}), None,
     {"c1", "c7", "c8"}),
]


@pytest.mark.parametrize(("operator", "zone", "expected"), [c[1:] for c in COMPARISONS],
                         ids=[c[0] for c in COMPARISONS])
def test_time_forms_of_comparisons(rule_harness, operator, zone, expected):
    assert rule_harness.members(rule(attr("signup", operator)), PEOPLE, now=NOW, timezone=zone) == expected


def test_month_arithmetic_clamps_to_the_last_day_of_the_shorter_month(rule_harness):
    from tests.rules_oracle import Dataset, Table
    from tests.unit.rules.datasets import ts

    data = Dataset("3003", Table({"cdp_customer_id": "varchar", "t": "timestamp"}, [
        {"cdp_customer_id": "apr29", "t": ts("2026-04-29 12:00:00")},
        {"cdp_customer_id": "apr30", "t": ts("2026-04-30 13:00:00")},
        {"cdp_customer_id": "feb28", "t": ts("2024-02-28 13:00:00")},
        {"cdp_customer_id": "feb29", "t": ts("2024-02-29 13:00:00")},
    ]))
    past_month = rule(attr("t", {"type": "TimeWithinPast", "value": 1, "unit": "month"}))
    assert rule_harness.members(past_month, data, now=datetime(2026, 5, 31, 12, tzinfo=UTC)) == {"apr30"}
    assert rule_harness.members(past_month, data, now=datetime(2024, 3, 31, 12, tzinfo=UTC)) == {"feb29"}
    past_year = rule(attr("t", {"type": "TimeWithinPast", "value": 1, "unit": "year"}))
    assert rule_harness.members(past_year, data, now=datetime(2025, 2, 28, 13, tzinfo=UTC)) == {"feb28", "feb29"}
