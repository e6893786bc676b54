"""Value operators (Equal, In, Between, Contain, ..., timeframes) applied to one SQL expression.

The returned predicate may be NULL (e.g. a NULL column); callers fold it to two-valued logic with
`coalesce(..., false)`, so a NULL never matches an operator, negated (`not`) or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from orchestrate.rules.context import Context
from orchestrate.rules.literals import (
    LiteralError,
    epoch_literal,
    scalar_literal,
    string_literal,
    timestamp_literal,
)
from orchestrate.rules.time_operators import TIMEFRAME_TYPES, instant, is_time_operand, window
from orchestrate.rules.timeframes import TimeSpecError, parse_timestamp

TimeKind = Literal["timestamp", "epoch"]

COMPARISONS = {"Equal": "=", "Greater": ">", "GreaterEqual": ">=", "Less": "<", "LessEqual": "<="}
STRING_MATCHES = ("Contain", "StartWith", "EndWith")


@dataclass(frozen=True)
class Operand:
    """The SQL expression an operator tests, and how time values are rendered against it:
    `timestamp` literals for timestamp columns, integer unix seconds for behaviour `time`."""

    expr: str
    time_kind: TimeKind = "timestamp"


def _time_literal(moment: datetime, operand: Operand) -> str:
    return epoch_literal(moment) if operand.time_kind == "epoch" else timestamp_literal(moment)


def _value(value: object, operand: Operand, ctx: Context, path: str, construct: str) -> str:
    if is_time_operand(value):
        return _time_literal(instant(value, ctx, path), operand)  # type: ignore[arg-type]
    if operand.time_kind == "epoch" and isinstance(value, str):
        try:
            return _time_literal(parse_timestamp(value, ctx.tz, "value"), operand)
        except TimeSpecError as exc:
            ctx.fail(path, construct, str(exc))
    if value is None:
        ctx.fail(path, construct, "value is missing or null")
    try:
        return scalar_literal(value)
    except LiteralError as exc:
        ctx.fail(path, construct, str(exc))


def _values(op: Mapping, ctx: Context, path: str, construct: str) -> list:
    values = op.get("rightValues")
    if values is None and "rightValue" in op and not isinstance(op.get("rightValue"), Mapping):
        values = [op["rightValue"]]
    if not isinstance(values, list):
        ctx.fail(f"{path}.rightValues", construct, "rightValues must be a list")
    return values


def _empty(operand: Operand) -> str:
    return f"(case when {operand.expr} is null then null else false end)"


def _string_match(kind: str, operand: Operand, values: list, ctx: Context, path: str) -> str:
    if not values:
        return _empty(operand)
    parts = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            ctx.fail(f"{path}.rightValues[{index}]", kind, f"{kind} needs strings, got {value!r}")
        literal = _value(value, Operand(operand.expr), ctx, f"{path}.rightValues[{index}]", kind)
        if kind == "Contain":
            parts.append(f"strpos({operand.expr}, {literal}) > 0")
        elif kind == "StartWith":
            parts.append(ctx.dialect.starts_with(operand.expr, literal))
        else:
            parts.append(ctx.dialect.ends_with(operand.expr, literal, len(value)))
    return "(" + " or ".join(parts) + ")"


def _positive(op: Mapping, operand: Operand, ctx: Context, path: str) -> str:
    kind = op.get("type")
    x = operand.expr
    if kind in ("NotEqual", "NotIn"):
        kind = kind[3:]
    if kind in COMPARISONS:
        if "rightValue" not in op:
            ctx.fail(f"{path}.rightValue", str(kind), "rightValue is required")
        right = _value(op["rightValue"], operand, ctx, f"{path}.rightValue", str(kind))
        return f"({x} {COMPARISONS[kind]} {right})"
    if kind == "Between":
        low = _value(op.get("minValue"), operand, ctx, f"{path}.minValue", "Between")
        high = _value(op.get("maxValue"), operand, ctx, f"{path}.maxValue", "Between")
        return f"({x} between {low} and {high})"
    if kind == "In":
        values = _values(op, ctx, path, "In")
        if not values:
            return _empty(operand)
        rendered = [
            _value(v, operand, ctx, f"{path}.rightValues[{i}]", "In") for i, v in enumerate(values)
        ]
        return f"({x} in ({', '.join(rendered)}))"
    if kind in STRING_MATCHES:
        return _string_match(str(kind), operand, _values(op, ctx, path, str(kind)), ctx, path)
    if kind == "Regexp":
        pattern = op.get("rightValue")
        if not isinstance(pattern, str):
            ctx.fail(f"{path}.rightValue", "Regexp", "Regexp needs a string pattern")
        try:
            literal = string_literal(pattern)
        except LiteralError as exc:
            ctx.fail(f"{path}.rightValue", "Regexp", str(exc))
        problem = ctx.dialect.regexp_problem(pattern)
        if problem:
            ctx.fail(f"{path}.rightValue", "Regexp", problem)
        return ctx.dialect.regexp(x, literal)
    if kind in TIMEFRAME_TYPES:
        span = window(op, ctx, path)
        upper = "<=" if span.end_inclusive else "<"
        low, high = _time_literal(span.start, operand), _time_literal(span.end, operand)
        return f"({x} >= {low} and {x} {upper} {high})"
    ctx.fail(f"{path}.type", "operator", f"unknown operator type {kind!r}")


def compile_operator(op: object, operand: Operand, ctx: Context, path: str) -> str:
    """Predicate for `operand <op>`; `not` negates it (a NULL operand still never matches)."""
    if not isinstance(op, Mapping):
        ctx.fail(path, "operator", "operator must be an object")
    negate = op.get("not") is True
    if op.get("type") in ("NotEqual", "NotIn"):
        negate = not negate
    if op.get("type") == "IsNull":
        return f"({operand.expr} is {'not ' if negate else ''}null)"
    predicate = _positive(op, operand, ctx, path)
    return f"(not {predicate})" if negate else predicate


def compile_matching(
    op: object, array_matching: object, operand: Operand, ctx: Context, path: str, matching_path: str
) -> str:
    """Operator on a scalar, or with `arrayMatching` on each element of an array column.

    any: at least one element matches; all: the array is non-empty and every element matches;
    atLeast/atMost/exactly n: the number of matching elements. `not` negates the element test."""
    if array_matching is None:
        return compile_operator(op, operand, ctx, path)
    var = ctx.alias("el")
    element = compile_operator(op, Operand(var, operand.time_kind), ctx, path)
    matched = ctx.dialect.count_matching(operand.expr, var, element)
    if array_matching == "any":
        return f"({matched} >= 1)"
    if array_matching == "all":
        size = ctx.dialect.array_length(operand.expr)
        return f"({size} >= 1 and {matched} = {size})"
    if isinstance(array_matching, Mapping) and len(array_matching) == 1:
        (key, number), = array_matching.items()
        bounds = {"atLeast": ">=", "atMost": "<=", "exactly": "="}
        if key in bounds and isinstance(number, int | float) and not isinstance(number, bool):
            if float(number).is_integer() and number >= 0:
                return f"({matched} {bounds[key]} {int(number)})"
    ctx.fail(matching_path, "arrayMatching", f"unsupported arrayMatching {array_matching!r}")
