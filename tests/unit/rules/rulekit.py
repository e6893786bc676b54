"""Small builders for rule JSON in tests."""

from __future__ import annotations


def attr(name: str, op: dict, *, exclude: bool = False, array_matching: object = None,
         limit: dict | None = None) -> dict:
    node = {"type": "Value", "leftValue": {"name": name, "visibility": "clear"}, "operator": op,
            "exclude": exclude, "arrayMatching": array_matching}
    if limit is not None:
        node["limit"] = limit
    return node


def op(kind: str, not_: bool = False, **fields: object) -> dict:
    return {"type": kind, "not": not_, **fields}


def rule(*conditions: dict, kind: str = "And", expr: str | None = None, limit: dict | None = None) -> dict:
    """A two-level rule: an outer group holding one condition set with the given leaves."""
    inner = {"type": kind, "conditions": list(conditions)}
    if expr is not None:
        inner["expr"] = expr
    outer: dict = {"type": "And", "conditions": [inner]}
    if limit is not None:
        outer["limit"] = limit
    return outer


def behavior(source: str, aggregation: dict, operator: dict, *, filters: list[dict] | None = None,
             filter_type: str = "And", window: dict | None = None, exclude: bool = False,
             limit: dict | None = None) -> dict:
    left: dict = {"source": {"name": source}, "aggregation": aggregation,
                  "filter": {"type": filter_type, "conditions": filters} if filters is not None else {}}
    if window is not None:
        left["window"] = window
    node = {"type": "Value", "leftValue": left, "operator": operator, "exclude": exclude}
    if limit is not None:
        node["limit"] = limit
    return node


def column(name: str, operator: dict, array_matching: object = None) -> dict:
    return {"type": "Column", "column": name, "operator": operator, "arrayMatching": array_matching,
            "visibility": "clear"}
