"""Rule structure: empty rules, And/Or nesting, Composite, exclude, references, limits, errors."""

from __future__ import annotations

import pytest

from orchestrate.rules import RuleCompileError, compile_rule
from tests.unit.rules.datasets import PEOPLE, SHOP
from tests.unit.rules.rulekit import attr, behavior, op, rule

ALL = {f"c{i}" for i in range(1, 9)}
ADULT = attr("age", op("GreaterEqual", rightValue=30))  # c1 c4 c5 c6 c8
VIP = attr("vip", op("Equal", rightValue=True))  # c1 c4 c6
LOW_SCORE = attr("score", op("Less", rightValue=5))  # c2 c5 c6


@pytest.mark.parametrize("empty", [None, {}])
def test_empty_rule_is_the_whole_parent_segment(rule_harness, empty):
    assert rule_harness.sql(empty, PEOPLE) == 'select a.* from "cdp_audience_1001"."customers" a'
    assert rule_harness.members(empty, PEOPLE) == ALL


def test_skeleton_matches_td(rule_harness):
    sql = rule_harness.sql(rule(VIP), PEOPLE)
    assert sql.startswith('select a.* from "cdp_audience_1001"."customers" a where (')


def test_and_or(rule_harness):
    assert rule_harness.members(rule(ADULT, VIP), PEOPLE) == {"c1", "c4", "c6"}
    assert rule_harness.members(rule(VIP, LOW_SCORE, kind="Or"), PEOPLE) == {"c1", "c2", "c4", "c5", "c6"}


def test_deep_nesting(rule_harness):
    deep = {"type": "Or", "conditions": [
        {"type": "And", "conditions": [
            {"type": "Or", "conditions": [VIP, attr("name", op("Equal", rightValue="bob"))]},
            {"type": "And", "conditions": [{"type": "Or", "conditions": [LOW_SCORE]}]},
        ]},
        attr("age", op("Equal", rightValue=25)),
    ]}
    assert rule_harness.members(deep, PEOPLE) == {"c2", "c6", "c7"}


def test_empty_groups_impose_nothing(rule_harness):
    assert rule_harness.members({"type": "And", "conditions": []}, PEOPLE) == ALL
    assert rule_harness.members({"type": "Or", "conditions": [{"type": "Or", "conditions": []}]}, PEOPLE) == ALL
    assert rule_harness.members({"type": "And", "conditions": [{"type": "And", "conditions": []}, VIP]},
                                PEOPLE) == {"c1", "c4", "c6"}


@pytest.mark.parametrize(("expr", "expected"), [
    ("1 and (2 or 3)", {"c1", "c4", "c5", "c6"}),
    ("A and (B or C)", {"c1", "c4", "c5", "c6"}),
    ("1 or 2 and 3", {"c1", "c4", "c5", "c6", "c8"}),
    ("(1 or 2) and 3", {"c5", "c6"}),
    ("C", {"c2", "c5", "c6"}),
    ("B AND C OR A", {"c1", "c4", "c5", "c6", "c8"}),
])
def test_composite(rule_harness, expr, expected):
    assert rule_harness.members(rule(ADULT, VIP, LOW_SCORE, kind="Composite", expr=expr), PEOPLE) == expected


@pytest.mark.parametrize("expr", ["1 and", "1 and A", "(1 or 2", "4", "1 ; drop table x", "0", "AB"])
def test_composite_errors_name_the_expr(expr):
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(ADULT, VIP, LOW_SCORE, kind="Composite", expr=expr), audience_id="1", dialect="duckdb",
                     segment_id="77")
    assert info.value.path == "conditions[0].expr"
    assert info.value.segment_id == "77"
    assert info.value.construct == "Composite"


def test_exclude_on_group(rule_harness):
    group = {"type": "And", "conditions": [VIP], "exclude": True}
    assert rule_harness.members({"type": "And", "conditions": [group]}, PEOPLE) == ALL - {"c1", "c4", "c6"}


REFERENCES = {
    "s-vip": rule(VIP),
    "s-adult-not-vip": {"type": "And", "conditions": [
        {"type": "And", "conditions": [ADULT, {"type": "Reference", "id": "s-vip", "exclude": True}]}]},
    "s-everyone": {},
    "s-cycle-a": rule({"type": "Reference", "id": "s-cycle-b", "exclude": False}),
    "s-cycle-b": rule({"type": "Reference", "id": "s-cycle-a", "exclude": False}),
    "s-top2-age": {"type": "And", "conditions": [], "limit": {
        "type": "Count", "number": 2, "orderColumns": [{"type": "Column", "column": "age", "order": "descending"}]}},
    "s-predictive": rule({"type": "PredictiveScoreReference", "id": "9", "includeConvertedCustomers": False,
                          "minGrade": 1, "maxGrade": 3}),
}


def ref(segment: str, exclude: bool = False) -> dict:
    return {"type": "Reference", "id": segment, "exclude": exclude}


@pytest.mark.parametrize(("condition", "extra", "expected"), [
    (ref("s-vip"), None, {"c1", "c4", "c6"}),
    (ref("s-vip", exclude=True), None, ALL - {"c1", "c4", "c6"}),
    (ref("s-adult-not-vip"), None, {"c5", "c8"}),
    (ref("s-everyone"), None, ALL),
    (ref("s-everyone", exclude=True), None, set()),
    (ref("s-top2-age"), None, {"c4", "c5"}),
    (ref("s-top2-age"), LOW_SCORE, {"c5"}),
])
def test_reference(rule_harness, condition, extra, expected):
    conditions = [condition] if extra is None else [condition, extra]
    assert rule_harness.members(rule(*conditions), PEOPLE, references=REFERENCES) == expected


def test_reference_cycle_is_an_error():
    with pytest.raises(RuleCompileError, match="reference cycle") as info:
        compile_rule(rule(ref("s-cycle-a")), audience_id="1", dialect="duckdb",
                     resolve_reference=REFERENCES.__getitem__, segment_id="top")
    assert info.value.construct == "Reference"
    assert "s-cycle-a -> s-cycle-b -> s-cycle-a" in info.value.message


def test_self_reference_is_a_cycle():
    with pytest.raises(RuleCompileError, match="top -> top"):
        compile_rule(rule(ref("top")), audience_id="1", dialect="duckdb",
                     resolve_reference=lambda _id: rule(VIP), segment_id="top")


def test_reference_errors():
    with pytest.raises(RuleCompileError, match="no resolver"):
        compile_rule(rule(ref("s-vip")), audience_id="1", dialect="duckdb")
    with pytest.raises(RuleCompileError, match="not found") as info:
        compile_rule(rule(ref("nope")), audience_id="1", dialect="duckdb", resolve_reference=REFERENCES.__getitem__)
    assert info.value.path == "conditions[0].conditions[0].id"
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(VIP, ref("s-predictive")), audience_id="1", dialect="duckdb",
                     resolve_reference=REFERENCES.__getitem__, segment_id="55")
    assert info.value.construct == "PredictiveScoreReference"
    assert info.value.segment_id == "55"
    assert info.value.path == "conditions[0].conditions[1](segment s-predictive).conditions[0].conditions[0]"


@pytest.mark.parametrize("construct", [
    {"type": "PredictiveScoreReference", "id": "1", "includeConvertedCustomers": True, "minGrade": 1, "maxGrade": 2},
    {"type": "MlAttributeReference", "id": "1", "solutionType": "rfm", "leftValue": {"attribute": "r_quartile"},
     "operator": {"type": "Equal", "rightValue": 1, "not": False}},
    {"type": "FunnelStageReference", "id": "1", "exclude": False},
    {"type": "AbTestVariantReference", "id": "1", "exclude": False},
])
def test_uncompilable_constructs_name_segment_path_and_construct(construct):
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(VIP, construct), audience_id="1", dialect="trino", segment_id="seg-9")
    error = info.value
    assert (error.segment_id, error.path, error.construct) == ("seg-9", "conditions[0].conditions[1]",
                                                                construct["type"])
    assert "seg-9" in str(error) and construct["type"] in str(error)


def test_error_paths_point_inside_the_rule():
    bad_agg = behavior("behavior_orders", {"type": "Median", "column": "amount"}, op("Greater", rightValue=1))
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(VIP, bad_agg), audience_id="1", dialect="duckdb")
    assert info.value.path == "conditions[0].conditions[1].leftValue.aggregation.type"
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("age", op("Between", minValue=1))), audience_id="1", dialect="duckdb")
    assert info.value.path == "conditions[0].conditions[0].operator.maxValue"
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("signup", {"type": "TimeWithinPast", "value": 3, "unit": "days"})),
                     audience_id="1", dialect="duckdb")
    assert info.value.path == "conditions[0].conditions[0].operator.value.unit"
    with pytest.raises(RuleCompileError) as info:
        compile_rule({"type": "Xor", "conditions": []}, audience_id="1", dialect="duckdb")
    assert info.value.path == "type"
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule({"leftValue": {"customerGroup": "g", "name": "x"}, "type": "Value",
                           "operator": op("Equal", rightValue=1)}), audience_id="1", dialect="duckdb")
    assert info.value.construct == "customerGroup attribute"


BY_AGE_DESC = [{"type": "Column", "column": "age", "order": "descending"}]


@pytest.mark.parametrize(("limit", "expected"), [
    ({"type": "Count", "number": 3, "orderColumns": BY_AGE_DESC}, {"c4", "c5", "c6"}),
    ({"type": "Count", "number": 3, "orderColumns": [{"type": "Column", "column": "age", "order": "ascending"}]},
     {"c2", "c7", "c8"}),
    ({"type": "Count", "number": 2}, {"c1", "c2"}),
    ({"type": "Count", "number": 0, "orderColumns": BY_AGE_DESC}, set()),
    ({"type": "Count", "number": 100, "orderColumns": BY_AGE_DESC}, ALL),
    ({"type": "Percent", "number": 50, "orderColumns": BY_AGE_DESC}, {"c4", "c5", "c6", "c1"}),
    ({"type": "Percent", "number": 30, "orderColumns": [
        {"type": "Column", "column": "score", "order": "descending"},
        {"type": "Column", "column": "name", "order": "ascending"}]}, {"c7", "c4"}),
    ({"type": "Count", "number": 8, "orderColumns": [{"type": "Column", "column": "vip", "order": "descending"}]},
     ALL),
])
def test_rule_limit(rule_harness, limit, expected):
    assert rule_harness.members({"type": "And", "conditions": [], "limit": limit}, PEOPLE) == expected


def test_limit_applies_after_the_conditions(rule_harness):
    limited = rule(ADULT, limit={"type": "Count", "number": 2, "orderColumns": BY_AGE_DESC})
    assert rule_harness.members(limited, PEOPLE) == {"c4", "c5"}


def test_condition_limit_then_exclude(rule_harness):
    top2 = attr("age", op("GreaterEqual", rightValue=30), limit={"type": "Count", "number": 2,
                                                                 "orderColumns": BY_AGE_DESC})
    assert rule_harness.members(rule(top2), PEOPLE) == {"c4", "c5"}
    assert rule_harness.members(rule({**top2, "exclude": True}), PEOPLE) == ALL - {"c4", "c5"}
    assert rule_harness.members(rule(top2, VIP, kind="Or"), PEOPLE) == {"c1", "c4", "c5", "c6"}


def test_limit_on_behaviour_data(rule_harness):
    limit = {"type": "Percent", "number": 25, "orderColumns": [{"type": "Column", "column": "score",
                                                                "order": "ascending"}]}
    buyers = behavior("behavior_orders", {"type": "Count"}, op("GreaterEqual", rightValue=1))
    assert rule_harness.members(rule(buyers, limit=limit), SHOP) == {"c5"}


def test_rule_json_text_is_accepted(rule_harness):
    import json

    assert rule_harness.sql(json.dumps(rule(VIP)), PEOPLE) == rule_harness.sql(rule(VIP), PEOPLE)
    assert rule_harness.sql("", PEOPLE) == 'select a.* from "cdp_audience_1001"."customers" a'
    with pytest.raises(RuleCompileError, match="not valid JSON"):
        compile_rule("{nope", audience_id="1", dialect="duckdb")
