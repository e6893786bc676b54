"""Behaviour conditions: aggregations, filters, timeframes on `timestamp`, grouping, sliding windows."""

from __future__ import annotations

import pytest

from tests.unit.rules.datasets import SHOP
from tests.unit.rules.rulekit import behavior, column, op, rule

ORDERS = "behavior_orders"
COUNT = {"type": "Count"}
PAST_30 = column("timestamp", {"type": "TimeWithinPast", "value": 30, "unit": "day"})


def members(harness, condition: dict, **kwargs: object) -> set[str]:
    return harness.members(rule(condition), SHOP, **kwargs)


CASES = [
    ("count-past-30", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), filters=[PAST_30]),
     {"c1", "c2", "c5", "c6", "c8"}),
    ("count-any", behavior(ORDERS, {"type": "Count", "groupingColumns": []}, op("GreaterEqual", rightValue=1)),
     {"c1", "c2", "c4", "c5", "c6", "c7", "c8"}),
    ("count-zero-means-no-rows", behavior(ORDERS, COUNT, op("Less", rightValue=1)), {"c3"}),
    ("count-equal-zero-in-past-30", behavior(ORDERS, COUNT, op("Equal", rightValue=0), filters=[PAST_30]),
     {"c3", "c4", "c7"}),
    ("count-not-at-least-2", behavior(ORDERS, COUNT, op("GreaterEqual", True, rightValue=2)),
     {"c2", "c3", "c5", "c7", "c8"}),
    ("sum", behavior(ORDERS, {"type": "Sum", "column": "amount"}, op("GreaterEqual", rightValue=12)),
     {"c1", "c2", "c6"}),
    ("sum-is-null", behavior(ORDERS, {"type": "Sum", "column": "amount"}, op("IsNull", rightValue=0)),
     {"c3", "c5"}),
    ("min", behavior(ORDERS, {"type": "Min", "column": "amount"}, op("Less", rightValue=3)), {"c4"}),
    ("max", behavior(ORDERS, {"type": "Max", "column": "amount"}, op("GreaterEqual", rightValue=10)),
     {"c1", "c2"}),
    ("average", behavior(ORDERS, {"type": "Average", "column": "amount"}, op("Equal", rightValue=4)), {"c6"}),
    ("count-distinct", behavior(ORDERS, {"type": "CountDistinct", "columns": ["sku"]},
                                op("GreaterEqual", rightValue=2)), {"c1", "c6"}),
    ("count-distinct-pairs", behavior(ORDERS, {"type": "CountDistinct", "columns": ["store", "sku"]},
                                      op("GreaterEqual", rightValue=3)), {"c1", "c6"}),
    ("first", behavior(ORDERS, {"type": "First", "column": "sku", "orderColumn": "timestamp"},
                       op("Equal", rightValue="A")), {"c1", "c4", "c6"}),
    ("last", behavior(ORDERS, {"type": "Last", "column": "sku", "orderColumn": "timestamp"},
                      op("Equal", rightValue="A")), {"c1", "c4"}),
    ("last-amount", behavior(ORDERS, {"type": "Last", "column": "amount", "orderColumn": "timestamp"},
                             op("Greater", rightValue=5)), {"c1", "c2", "c7", "c8"}),
    ("max-timestamp-within-past", behavior(ORDERS, {"type": "Max", "column": "timestamp"},
                                           {"type": "TimeWithinPast", "value": 2, "unit": "day"}),
     {"c1", "c2", "c8"}),
    ("filter-and", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=2), filters=[
        column("store", op("Equal", rightValue="web")), column("sku", op("In", rightValues=["A", "B"]))]),
     {"c1", "c4", "c6"}),
    ("filter-nested-or", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), filter_type="Or", filters=[
        column("store", op("Equal", rightValue="shop")),
        {"type": "And", "conditions": [column("sku", op("Equal", rightValue="E")),
                                       column("timestamp", {"type": "TimeToday"})]}]),
     {"c1", "c2", "c6", "c8"}),
    ("filter-not", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), filters=[
        column("store", op("Equal", True, rightValue="web"))]), {"c1", "c2", "c6"}),
    ("filter-timestamp-last-1-day", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), filters=[
        column("timestamp", op("GreaterEqual", rightValue={"last": 1, "unit": "day"}))]), {"c2", "c7", "c8"}),
    ("filter-array-any", behavior("behavior_pageviews", COUNT, op("GreaterEqual", rightValue=1), filters=[
        column("tags", op("Equal", rightValue="x"), "any")]), {"c1"}),
    ("grouping-sum-by-store", behavior(ORDERS, {"type": "Sum", "column": "amount", "groupingColumns": ["store"]},
                                       op("GreaterEqual", rightValue=9)), {"c1", "c2"}),
    ("grouping-count-by-sku", behavior(ORDERS, {"type": "Count", "groupingColumns": ["sku"]},
                                       op("GreaterEqual", rightValue=2)), {"c1", "c4"}),
    ("window-count-3-in-2-days", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=3),
                                          window={"type": "TimeSliding", "duration": {"day": 2}}), {"c6"}),
    ("window-count-3-in-1-day", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=3),
                                         window={"type": "TimeSliding", "duration": {"day": 1}}), set()),
    ("window-count-2-in-1-day", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=2),
                                         window={"type": "TimeSliding", "duration": {"day": 1}}), {"c4", "c6"}),
    ("window-count-2-in-12-hours", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=2),
                                            window={"type": "TimeSliding", "duration": {"hour": 12}}), {"c4"}),
    ("window-sum", behavior(ORDERS, {"type": "Sum", "column": "amount"}, op("GreaterEqual", rightValue=7),
                            window={"type": "TimeSliding", "duration": {"day": 1}}),
     {"c1", "c2", "c6", "c7", "c8"}),
    ("window-count-zero", behavior(ORDERS, COUNT, op("Less", rightValue=1),
                                   window={"type": "TimeSliding", "duration": {"day": 1}}), {"c3"}),
    ("limit-by-aggregation", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), limit={
        "type": "Count", "number": 2, "orderColumns": [{"type": "Aggregation", "order": "descending"}]}),
     {"c1", "c6"}),
    ("exclude-behaviour", behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=1), filters=[PAST_30],
                                   exclude=True), {"c3", "c4", "c7"}),
]


@pytest.mark.parametrize(("condition", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_behaviour_condition(rule_harness, condition, expected):
    assert members(rule_harness, condition) == expected


def test_behaviour_calendar_filter_uses_the_rule_time_zone(rule_harness):
    this_year = column("timestamp", {"type": "TimeThis", "from": {"unit": "year"}})
    condition = behavior(ORDERS, COUNT, op("GreaterEqual", rightValue=2), filters=[this_year])
    assert members(rule_harness, condition) == {"c1", "c6"}
    assert members(rule_harness, condition, timezone="Asia/Tokyo") == {"c1", "c4", "c6"}


def test_real_starter_pack_rule(rule_harness):
    real = {"type": "And", "conditions": [{"type": "And", "conditions": [{
        "type": "Value",
        "leftValue": {"aggregation": {"type": "Count"}, "source": {"name": "behavior_orders"},
                      "filter": {"type": "And", "conditions": [
                          {"type": "Column", "column": "timestamp", "visibility": "clear",
                           "operator": {"type": "TimeWithinPast", "unit": "day", "value": 30, "not": False}}]}},
        "operator": {"not": False, "rightValue": 1, "type": "GreaterEqual"}, "exclude": False}]}]}
    assert rule_harness.members(real, SHOP) == {"c1", "c2", "c5", "c6", "c8"}
