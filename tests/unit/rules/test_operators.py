"""Every value operator and its `not`, on attribute columns, against hand-computed members."""

from __future__ import annotations

import pytest

from tests.unit.rules.datasets import PEOPLE
from tests.unit.rules.rulekit import attr, op, rule

ALL = {f"c{i}" for i in range(1, 9)}
NULL_NAME = {"c3"}

CASES = [
    # (column, operator kind, fields, members without not, members with not)
    ("name", "Equal", {"rightValue": "bob"}, {"c2"}, ALL - NULL_NAME - {"c2"}),
    ("name", "Equal", {"rightValue": "O'Hara"}, {"c4"}, ALL - NULL_NAME - {"c4"}),
    ("age", "Equal", {"rightValue": 40}, {"c5", "c6"}, {"c1", "c2", "c4", "c7", "c8"}),
    ("score", "Equal", {"rightValue": 7.5}, {"c1", "c8"}, {"c2", "c4", "c5", "c6", "c7"}),
    ("vip", "Equal", {"rightValue": True}, {"c1", "c4", "c6"}, {"c2", "c5", "c7"}),
    ("age", "Greater", {"rightValue": 34}, {"c4", "c5", "c6"}, {"c1", "c2", "c7", "c8"}),
    ("age", "GreaterEqual", {"rightValue": 34}, {"c1", "c4", "c5", "c6"}, {"c2", "c7", "c8"}),
    ("age", "Less", {"rightValue": 30}, {"c2", "c7"}, {"c1", "c4", "c5", "c6", "c8"}),
    ("age", "LessEqual", {"rightValue": 30}, {"c2", "c7", "c8"}, {"c1", "c4", "c5", "c6"}),
    ("score", "Greater", {"rightValue": -1.5}, {"c1", "c2", "c4", "c6", "c7", "c8"}, {"c5"}),
    ("name", "Greater", {"rightValue": "a"}, {"c2", "c5", "c6", "c7"}, {"c1", "c4", "c8"}),
    ("age", "Between", {"minValue": 25, "maxValue": 40}, {"c1", "c5", "c6", "c7", "c8"}, {"c2", "c4"}),
    ("score", "Between", {"minValue": 0, "maxValue": 7.5}, {"c1", "c2", "c6", "c8"}, {"c4", "c5", "c7"}),
    ("name", "In", {"rightValues": ["bob", "Alice", "nobody"]}, {"c1", "c2"}, ALL - NULL_NAME - {"c1", "c2"}),
    ("age", "In", {"rightValues": [17, 65]}, {"c2", "c4"}, {"c1", "c5", "c6", "c7", "c8"}),
    ("age", "In", {"rightValues": []}, set(), {"c1", "c2", "c4", "c5", "c6", "c7", "c8"}),
    ("name", "IsNull", {"rightValue": ""}, {"c3"}, ALL - {"c3"}),
    ("vip", "IsNull", {"rightValue": ""}, {"c3", "c8"}, ALL - {"c3", "c8"}),
    ("name", "Contain", {"rightValues": ["li"]}, {"c1", "c6"}, ALL - NULL_NAME - {"c1", "c6"}),
    ("name", "Contain", {"rightValues": ["%", "\\"]}, {"c5", "c8"}, ALL - NULL_NAME - {"c5", "c8"}),
    ("name", "Contain", {"rightValues": ["☃"]}, {"c7"}, ALL - NULL_NAME - {"c7"}),
    ("name", "Contain", {"rightValues": ["\n"]}, {"c6"}, ALL - NULL_NAME - {"c6"}),
    ("name", "StartWith", {"rightValues": ["b", "O'"]}, {"c2", "c4", "c5"}, {"c1", "c6", "c7", "c8"}),
    ("name", "StartWith", {"rightValues": ["50%"]}, {"c8"}, ALL - NULL_NAME - {"c8"}),
    ("name", "EndWith", {"rightValues": ["ice", "名前"]}, {"c1", "c7"}, ALL - NULL_NAME - {"c1", "c7"}),
    ("name", "EndWith", {"rightValues": [".*"]}, {"c8"}, ALL - NULL_NAME - {"c8"}),
    ("name", "EndWith", {"rightValues": [""]}, ALL - NULL_NAME, set()),
    ("name", "Regexp", {"rightValue": "^[A-Z]"}, {"c1", "c4"}, {"c2", "c5", "c6", "c7", "c8"}),
    ("name", "Regexp", {"rightValue": "\\[sale\\]"}, {"c8"}, ALL - NULL_NAME - {"c8"}),
    ("name", "Regexp", {"rightValue": "o+b"}, {"c2"}, ALL - NULL_NAME - {"c2"}),
]


@pytest.mark.parametrize("negate", [False, True], ids=["plain", "not"])
@pytest.mark.parametrize(("column", "kind", "fields", "plain", "negated"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_operator_and_its_not(rule_harness, column, kind, fields, plain, negated, negate):
    members = rule_harness.members(rule(attr(column, op(kind, negate, **fields))), PEOPLE)
    assert members == (negated if negate else plain)


def test_exclude_keeps_null_values_while_not_drops_them(rule_harness):
    equal_bob = op("Equal", rightValue="bob")
    assert rule_harness.members(rule(attr("name", equal_bob, exclude=True)), PEOPLE) == ALL - {"c2"}
    assert rule_harness.members(rule(attr("name", op("Equal", True, rightValue="bob"))), PEOPLE) == (
        ALL - {"c2", "c3"})
    assert rule_harness.members(rule(attr("name", op("Equal", True, rightValue="bob"), exclude=True)),
                                PEOPLE) == {"c2", "c3"}


def test_tdx_not_equal_and_not_in_are_negations(rule_harness):
    assert rule_harness.members(rule(attr("age", op("NotEqual", rightValue=40))), PEOPLE) == {
        "c1", "c2", "c4", "c7", "c8"}
    assert rule_harness.members(rule(attr("age", op("NotIn", rightValues=[40, 17]))), PEOPLE) == {
        "c1", "c4", "c7", "c8"}


def test_weird_column_name_is_quoted(rule_harness):
    assert rule_harness.members(rule(attr('we"ird col', op("Equal", rightValue="x"))), PEOPLE) == {"c1"}


ARRAY_CASES = [
    ("tags", op("Equal", rightValue="a"), "any", {"c1", "c5", "c8"}),
    ("tags", op("Equal", rightValue="a"), "all", {"c8"}),
    ("tags", op("Equal", True, rightValue="a"), "any", {"c1", "c2", "c6", "c7"}),
    ("tags", op("Equal", rightValue="c"), {"atLeast": 2}, {"c6"}),
    ("tags", op("Equal", rightValue="a"), {"atMost": 0}, {"c2", "c4", "c6", "c7"}),
    ("tags", op("Equal", rightValue="a"), {"exactly": 1}, {"c1", "c5"}),
    ("tags", op("In", rightValues=["b", "ü"]), "any", {"c1", "c2", "c7"}),
    ("tags", op("StartWith", rightValues=["c"]), "all", {"c6"}),
    ("tags", op("IsNull", rightValue=""), "any", {"c5"}),
    ("nums", op("Greater", rightValue=1.5), "any", {"c1", "c2", "c5", "c8"}),
    ("nums", op("Greater", rightValue=0.1), "all", {"c1", "c2", "c6", "c8"}),
    ("nums", op("Between", minValue=0, maxValue=2), {"exactly": 2}, {"c1", "c8"}),
    ("nums", op("Less", rightValue=0.001), "any", {"c7"}),
]


@pytest.mark.parametrize(("column", "operator", "matching", "expected"), ARRAY_CASES,
                         ids=[f"{c[0]}-{c[1]['type']}-{c[2]}-{i}" for i, c in enumerate(ARRAY_CASES)])
def test_array_matching(rule_harness, column, operator, matching, expected):
    assert rule_harness.members(rule(attr(column, operator, array_matching=matching)), PEOPLE) == expected


def test_array_is_null_without_matching_tests_the_array(rule_harness):
    assert rule_harness.members(rule(attr("tags", op("IsNull", rightValue=""))), PEOPLE) == {"c3"}


# Regexp operands the target engine cannot run are compile errors of that segment (H10).
REGEXP_ERRORS = [
    ("duckdb", "(?=vip)", "invalid perl operator"),  # lookahead: Joni (TD) runs it, RE2 does not
    ("duckdb", "(a)\\1", "invalid escape sequence"),
    ("duckdb", "a*+", "bad repetition operator"),
    ("duckdb", "a{1001}", "invalid repetition size"),
    ("trino", "(?P<n>a)", "undefined group option"),
    ("trino", "(unclosed", "unmatched parenthesis"),
    ("trino", "(a+)+$", "backtrack for ever"),
]


@pytest.mark.parametrize(("dialect", "pattern", "says"), REGEXP_ERRORS)
def test_regexp_the_engine_cannot_run_is_a_compile_error(dialect, pattern, says):
    from orchestrate.rules import RuleCompileError, compile_rule

    with pytest.raises(RuleCompileError) as caught:
        compile_rule(rule(attr("name", op("Regexp", rightValue=pattern))), audience_id="1", dialect=dialect,
                     segment_id="42")
    assert caught.value.construct == "Regexp" and caught.value.segment_id == "42"
    assert caught.value.path.endswith("operator.rightValue") and says in caught.value.message


@pytest.mark.parametrize(("dialect", "pattern"), [("trino", "(?=vip)"), ("trino", "(a)\\1"), ("trino", "a*+"),
                                                  ("duckdb", "(?P<n>a)"), ("duckdb", "[[:alpha:]]")])
def test_regexp_the_engine_runs_compiles(dialect, pattern):
    from orchestrate.rules import compile_rule

    assert "regexp_" in compile_rule(rule(attr("name", op("Regexp", rightValue=pattern))), audience_id="1",
                                     dialect=dialect)
