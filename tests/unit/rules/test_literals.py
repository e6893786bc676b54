"""Hostile strings and names: every value is a literal, every name an identifier; nothing injects."""

from __future__ import annotations

import math

import pytest

from orchestrate.rules import RuleCompileError, compile_rule
from tests.rules_oracle import Dataset, Table
from tests.unit.rules.rulekit import attr, behavior, column, op, rule

HOSTILE = [
    "'; drop table customers; --",
    "' or '1'='1",
    "it''s",
    "back\\slash\\",
    "\\'",
    "line\nbreak\r\ttab",
    '"double" quotes',
    "$$dollar$$",
    "%_like_%",
    ".*+?()[]{}|^$\\d",
    "é vs e\u0301",
    "😀 astral 𝄞",
    "\u2028\u202e rtl",
    "/* comment */ --",
    "",
]
NAME = 'na"me\'; --'
BEHAVIOUR = 'behavior_ev"il\'tbl'
AUDIENCE = 'evil"; drop schema x; --'


def _data() -> Dataset:
    rows = [{"cdp_customer_id": f"h{i}", NAME: text, "n": i} for i, text in enumerate(HOSTILE)]
    rows.append({"cdp_customer_id": "nullname", NAME: None, "n": None})
    events = [{"cdp_customer_id": f"h{i}", "time": 1_790_000_000 + i, 'co"l': text}
              for i, text in enumerate(HOSTILE)]
    return Dataset(
        audience_id=AUDIENCE,
        customers=Table({"cdp_customer_id": "varchar", NAME: "varchar", "n": "bigint"}, rows),
        behaviors={BEHAVIOUR: Table({"cdp_customer_id": "varchar", "time": "bigint", 'co"l': "varchar"}, events)},
    )


DATA = _data()


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in ".^$|?*+()[]{}\\" else ch for ch in text)


def _count_customers(harness) -> int:
    return len(harness.run(harness.sql({}, DATA), DATA))


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=[repr(s)[:30] for s in HOSTILE])
def test_hostile_values_select_exactly_their_profile(rule_harness, index):
    text = HOSTILE[index]
    mine = {f"h{index}"}
    same_text = {f"h{i}" for i, other in enumerate(HOSTILE) if other == text}
    before = _count_customers(rule_harness)
    assert rule_harness.members(rule(attr(NAME, op("Equal", rightValue=text))), DATA) == same_text | mine
    assert rule_harness.members(rule(attr(NAME, op("In", rightValues=[text, "zzz"]))), DATA) == mine
    contains = rule_harness.members(rule(attr(NAME, op("Contain", rightValues=[text]))), DATA)
    assert mine <= contains
    assert rule_harness.members(rule(attr(NAME, op("StartWith", rightValues=[text]))), DATA) >= mine
    assert rule_harness.members(rule(attr(NAME, op("EndWith", rightValues=[text]))), DATA) >= mine
    anchored = "^" + _regex_escape(text) + "$"
    assert rule_harness.members(rule(attr(NAME, op("Regexp", rightValue=anchored))), DATA) == mine
    in_events = behavior(BEHAVIOUR, {"type": "Count"}, op("GreaterEqual", rightValue=1),
                         filters=[column('co"l', op("Equal", rightValue=text))])
    assert rule_harness.members(rule(in_events), DATA) == mine
    assert _count_customers(rule_harness) == before == len(HOSTILE) + 1


def test_regex_metacharacters_are_regex_in_regexp_but_plain_elsewhere(rule_harness):
    pattern = ".*+?()[]{}|^$\\d"
    assert rule_harness.members(rule(attr(NAME, op("Contain", rightValues=[pattern]))), DATA) == {"h9"}
    assert rule_harness.members(rule(attr(NAME, op("Regexp", rightValue="^\\$\\$"))), DATA) == {"h7"}


@pytest.mark.parametrize(("value", "field"), [
    ("nul\x00byte", "rightValue"),
    ("lone \ud800 surrogate", "rightValue"),
    (math.inf, "rightValue"),
    (math.nan, "rightValue"),
    (2**70, "rightValue"),
    ({"unexpected": "object"}, "rightValue"),
    (None, "rightValue"),
])
def test_unrenderable_values_are_clear_errors(value, field):
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("x", op("Equal", rightValue=value))), audience_id="1", dialect="duckdb",
                     segment_id="s1")
    assert info.value.path == f"conditions[0].conditions[0].operator.{field}"
    assert info.value.segment_id == "s1"


def test_bad_identifiers_are_clear_errors():
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("bad\x00name", op("Equal", rightValue=1))), audience_id="1", dialect="duckdb")
    assert info.value.path == "conditions[0].conditions[0].leftValue.name"
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("", op("Equal", rightValue=1))), audience_id="1", dialect="duckdb")
    assert info.value.path == "conditions[0].conditions[0].leftValue.name"
    with pytest.raises(RuleCompileError):
        compile_rule({}, audience_id="", dialect="duckdb")


def test_numbers_render_exactly(rule_harness):
    for value, expected in [(3, {"h3"}), (3.0, {"h3"}), (-1, set()), (2**62, set())]:
        assert rule_harness.members(rule(attr("n", op("Equal", rightValue=value))), DATA) == expected
    assert rule_harness.members(rule(attr("n", op("Between", minValue=0.5, maxValue=2.5))), DATA) == {"h1", "h2"}
    assert rule_harness.members(rule(attr("n", op("Less", rightValue=-0.0))), DATA) == set()
    assert rule_harness.members(rule(attr("n", op("Greater", rightValue=13.999999999))), DATA) == {"h14"}


def test_fractional_time_bounds_on_unix_seconds_are_exact(rule_harness):
    # event times are 1_790_000_000 + i; a bound half a second after event h3 keeps h3 out of ">="
    moment = "2026-09-21T14:13:23.5Z"  # 1_790_000_003.5
    after = behavior(BEHAVIOUR, {"type": "Count"}, op("GreaterEqual", rightValue=1),
                     filters=[column("timestamp", op("GreaterEqual", rightValue={"timestamp": moment}))])
    assert rule_harness.members(rule(after), DATA) == {f"h{i}" for i in range(4, len(HOSTILE))}


@pytest.mark.parametrize("operator", [
    {"type": "TimeWithinPast", "value": 10**12, "unit": "day"},
    {"type": "TimeWithinNext", "value": 10**6, "unit": "year"},
    {"type": "Greater", "not": False, "rightValue": {"last": 10**15, "unit": "second"}},
    {"type": "Greater", "not": False, "rightValue": {"timestamp": "not a time"}},
])
def test_out_of_range_or_bad_times_are_clear_errors(operator):
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule(attr("t", operator)), audience_id="1", dialect="trino", segment_id="s2")
    assert info.value.path.startswith("conditions[0].conditions[0].operator")
