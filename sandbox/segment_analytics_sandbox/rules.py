"""Small builders for Audience Studio rule JSON (the wire format, cdp_api.md §6), used by the demo."""

from __future__ import annotations

from typing import Any

Rule = dict[str, Any]


def rule(*condition_sets: Rule) -> Rule:
    """The outer `And` holding one or more condition sets, as the Audience Studio UI writes it."""
    return {"type": "And", "conditions": list(condition_sets)}


def all_of(*leaves: Rule, description: str | None = None) -> Rule:
    return _set("And", leaves, description)


def any_of(*leaves: Rule, description: str | None = None) -> Rule:
    return _set("Or", leaves, description)


def _set(kind: str, leaves: tuple[Rule, ...], description: str | None) -> Rule:
    out: Rule = {"type": kind, "conditions": list(leaves)}
    if description is not None:
        out["description"] = description
    return out


def attr(
    name: str, operator: Rule, *, exclude: bool = False, array_matching: str | None = None
) -> Rule:
    """A `Value` condition on a customers-table attribute."""
    leaf: Rule = {
        "type": "Value",
        "leftValue": {"name": name, "visibility": "clear"},
        "operator": operator,
        "exclude": exclude,
    }
    if array_matching is not None:
        leaf["arrayMatching"] = array_matching
    return leaf


def op(kind: str, *, negate: bool = False, **fields: Any) -> Rule:
    """An operator: `op("Greater", rightValue=1500)`, `op("In", rightValues=[...])`."""
    return {"type": kind, "not": negate, **fields}


def within_past(value: int, unit: str = "day", *, negate: bool = False) -> Rule:
    return {"type": "TimeWithinPast", "value": value, "unit": unit, "not": negate}


def column(name: str, operator: Rule) -> Rule:
    """A `Column` filter on a behaviour column (used inside a behaviour condition's filter)."""
    return {"type": "Column", "column": name, "operator": operator, "visibility": "clear"}


def behavior(
    source: str,
    aggregation: Rule,
    operator: Rule,
    *filters: Rule,
    exclude: bool = False,
) -> Rule:
    """A `Value` condition on an aggregate over a behaviour table `behavior_<source>`."""
    left: Rule = {"source": {"name": f"behavior_{source}"}, "aggregation": aggregation}
    left["filter"] = {"type": "And", "conditions": list(filters)} if filters else {}
    return {"type": "Value", "leftValue": left, "operator": operator, "exclude": exclude}


def reference(segment_id: str, *, exclude: bool = False) -> Rule:
    return {"type": "Reference", "id": segment_id, "exclude": exclude}
