"""Rule canonical JSON, meaning-bearing hash and line-per-condition description."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from orchestrate.cdp.canonical import DISPLAY_ONLY_KEYS, canonical_rule_json, describe_rule, rule_hash

LEAF_GENDER = {"type": "Value", "leftValue": {"name": "gender", "visibility": "clear"},
               "operator": {"not": False, "rightValues": ["Male"], "type": "Contain"}, "exclude": False}
LEAF_ORDERS = {"type": "Value", "leftValue": {
    "aggregation": {"type": "Count"}, "source": {"name": "behavior_orders"},
    "filter": {"type": "And", "conditions": [{"type": "Column", "column": "timestamp", "visibility": "clear",
                                              "operator": {"type": "TimeWithinPast", "unit": "day", "value": 30,
                                                           "not": False}}]}},
    "operator": {"not": False, "rightValue": 1, "type": "GreaterEqual"}, "exclude": False}
LEAF_REF = {"type": "Reference", "id": "1002", "exclude": False}
RULE = {"type": "And", "conditions": [{"type": "And", "description": "x", "conditions": [LEAF_GENDER, LEAF_ORDERS,
                                                                                         LEAF_REF]}]}


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_unknown_keys():
    rule = {"type": "And", "zeta": {"b": 1, "a": "ü"}, "conditions": []}
    assert canonical_rule_json(rule) == '{"conditions":[],"type":"And","zeta":{"a":"ü","b":1}}'
    assert json.loads(canonical_rule_json(RULE)) == RULE


def test_hash_ignores_display_only_keys_but_not_meaning():
    relabelled = json.loads(json.dumps(RULE))
    relabelled["conditions"][0]["description"] = "renamed"
    relabelled["conditions"][0]["conditions"][0]["leftValue"]["visibility"] = "masked"
    assert rule_hash(relabelled) == rule_hash(RULE)
    changed = json.loads(json.dumps(RULE))
    changed["conditions"][0]["conditions"][1]["operator"]["rightValue"] = 2
    assert rule_hash(changed) != rule_hash(RULE)
    assert {"description", "visibility"} <= DISPLAY_ONLY_KEYS


def test_empty_and_null_rules_hash_alike():
    assert rule_hash(None) == rule_hash({})
    assert describe_rule(None) == describe_rule({}) == ""


def test_hash_is_key_order_independent():
    reordered = json.loads(json.dumps(RULE), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert rule_hash(reordered) == rule_hash(RULE)
    assert len(rule_hash(RULE)) == 64


def test_describe_rule_one_line_per_leaf_sorted_by_path():
    assert describe_rule(RULE).split("\n") == [
        'conditions[0].conditions[0]\tgender Contain ["Male"]',
        "conditions[0].conditions[1]\tCount(behavior_orders where timestamp TimeWithinPast 30 day) GreaterEqual 1",
        "conditions[0].conditions[2]\tinclude segment 1002",
    ]


def test_describe_rule_numeric_path_order_groups_negation_and_exclusion():
    leaves = [dict(LEAF_GENDER, operator={"type": "In", "rightValues": [i], "not": i == 3}) for i in range(12)]
    leaves[5] = dict(LEAF_GENDER, exclude=True)
    rule = {"type": "Or", "conditions": [{"type": "Composite", "expr": "1 or 2", "conditions": leaves},
                                         {"type": "And", "conditions": [dict(LEAF_REF, exclude=True)]}]}
    lines = describe_rule(rule).split("\n")
    assert lines[0] == "rule\tOr"
    assert lines[1] == "conditions[0]\tComposite 1 or 2"
    assert lines[2].startswith("conditions[0].conditions[0]\t")
    assert lines[11].startswith("conditions[0].conditions[9]\t")
    assert lines[12].startswith("conditions[0].conditions[10]\t")
    assert "conditions[0].conditions[3]\tgender not In [3]" in lines
    assert 'conditions[0].conditions[5]\texclude gender Contain ["Male"]' in lines
    assert lines[-1] == "conditions[1].conditions[0]\texclude segment 1002"


def test_describe_rule_operators():
    def one(op, left=None):
        leaf = {"type": "Value", "leftValue": left or {"name": "age"}, "operator": op}
        return describe_rule({"type": "And", "conditions": [leaf]}).split("\t", 1)[1]

    assert one({"type": "Between", "minValue": 18, "maxValue": 30}) == "age Between 18 and 30"
    assert one({"type": "IsNull", "rightValue": None, "not": True}) == "age not IsNull"
    assert one({"type": "Equal", "rightValue": "O'Brien"}) == 'age Equal "O\'Brien"'
    assert one({"type": "Greater", "rightValue": {"timestamp": "2024-01-01"}}) == "age Greater 2024-01-01"
    assert one({"type": "TimeRange", "from": {"last": 1, "unit": "month"}, "duration": {"day": 7}}) == (
        'age TimeRange from last 1 month duration {"day":7}')
    assert one({"type": "Sum"}, {"source": {"name": "behavior_orders"}, "aggregation": {"type": "Sum",
                                                                                      "column": "amount"}}) == (
        "Sum(behavior_orders.amount) Sum")
    assert one({"type": "Equal", "rightValue": 1}, {"customerGroup": "household", "name": "size"}) == (
        "household.size Equal 1")
    assert one({"type": "Future", "weird": [1]}) == 'age Future {"weird":[1]}'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=12,
)


@given(json_values)
def test_canonical_json_round_trips_any_json(value):
    assert json.loads(canonical_rule_json(value)) == value
    assert isinstance(rule_hash(value), str)
    assert isinstance(describe_rule(value), str)


def _odd_values(rng, depth=0):
    """Random JSON values of every type, biased towards rule-like keys (for describe_rule)."""
    keys = ["type", "conditions", "leftValue", "operator", "filter", "aggregation", "columns", "groupingColumns",
            "source", "rightValue", "rightValues", "window", "limit", "expr", "name", "id", "not", "exclude"]
    types = ["And", "Or", "Value", "Column", "Composite", "Reference", "Between", "TimeWithinPast", "Count", ["x"],
             {"a": 1}, 5, None]
    roll = rng.random()
    if depth > 5 or roll < 0.3:
        return rng.choice([None, True, 3, 2.5, "text", "", [], {}, ["a", 1]])
    if roll < 0.5:
        return [_odd_values(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    node = {rng.choice(keys): _odd_values(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    if rng.random() < 0.7:
        node["type"] = rng.choice(types)
    return node


def test_describe_rule_and_hash_never_raise_on_odd_shapes():
    import random

    rng = random.Random(20261128)
    for _ in range(3000):
        rule = {"type": "And", "conditions": [_odd_values(rng) for _ in range(rng.randint(1, 3))]}
        assert isinstance(describe_rule(rule), str)
        assert len(rule_hash(rule)) == 64
    # the shapes that used to raise: a list as a type, a number as a list
    odd = {"type": "And", "conditions": [
        {"type": ["Value"], "leftValue": {"name": "x"}},
        {"type": "Value", "leftValue": {"source": {"name": "b"}, "filter": {"type": "And", "conditions": 5},
                                        "aggregation": {"type": "Count", "columns": 3, "groupingColumns": 7}},
         "operator": {"type": "Equal", "rightValue": 1}}]}
    assert describe_rule(odd).count("\n") == 1
