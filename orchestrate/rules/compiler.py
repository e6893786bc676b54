"""Audience Studio rule JSON -> member SQL (`select a.* from "cdp_audience_<id>"."customers" a ...`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Literal

from orchestrate.rules.behaviors import aggregate_value, compile_behavior
from orchestrate.rules.composite import ExprError, Node, parse_expr
from orchestrate.rules.context import Context
from orchestrate.rules.dialects import dialect_for
from orchestrate.rules.errors import RuleCompileError
from orchestrate.rules.limits import apply_limit
from orchestrate.rules.literals import LiteralError, quote_ident
from orchestrate.rules.operators import Operand, compile_matching
from orchestrate.rules.timeframes import TimeSpecError, zone

GROUP_TYPES = ("And", "Or", "Composite")
UNSUPPORTED = {
    "FunnelStageReference": "funnel-stage references need the funnel's stage membership, which is not compiled",
    "AbTestVariantReference": "A/B-test variant assignment is random and only known to Treasure Data",
    "PredictiveScoreReference": "predictive scores are computed by Treasure Data's models",
    "MlAttributeReference": "ML (AutoML RFM/CLTV) attributes are computed by Treasure Data",
}


def _join(parts: list[str], word: str) -> str:
    if not parts:
        return "true"
    return parts[0] if len(parts) == 1 else "(" + f" {word} ".join(parts) + ")"


def _composite(tree: Node, parts: list[str]) -> str:
    if isinstance(tree, int):
        return parts[tree]
    word, children = tree
    return _join([_composite(child, parts) for child in children], word)


def _group(node: Mapping, ctx: Context, path: str) -> str:
    kind = node.get("type")
    children = node.get("conditions")
    if children is None:
        children = []
    if not isinstance(children, list):
        ctx.fail(f"{path}.conditions", str(kind), "conditions must be a list")
    parts = [_node(child, ctx, f"{path}.conditions[{i}]") for i, child in enumerate(children)]
    if kind == "Composite":
        if not parts:
            return "true"
        try:
            tree = parse_expr(node.get("expr"), len(parts))  # type: ignore[arg-type]
        except ExprError as exc:
            ctx.fail(f"{path}.expr", "Composite", str(exc))
        return _composite(tree, parts)
    return _join(parts, "and" if kind == "And" else "or")


def _value(node: Mapping, ctx: Context, path: str) -> str:
    left = node.get("leftValue")
    if not isinstance(left, Mapping):
        ctx.fail(f"{path}.leftValue", "Value", "leftValue must be an object")
    aggregation: Callable[[], str] | None = None
    if "source" in left or "aggregation" in left:
        predicate = compile_behavior(left, node.get("operator"), ctx, path)

        def aggregation() -> str:
            return aggregate_value(left, ctx, path)
    elif "customerGroup" in left:
        ctx.fail(f"{path}.leftValue.customerGroup", "customerGroup attribute",
                 "customer-group attributes are not compiled")
    else:
        column = ctx.ident(left.get("name"), f"{path}.leftValue.name", "attribute")
        test = compile_matching(
            node.get("operator"), node.get("arrayMatching"), Operand(f"a.{column}"), ctx,
            f"{path}.operator", f"{path}.arrayMatching",
        )
        predicate = f"coalesce({test}, false)"
    if node.get("limit") is not None:
        predicate = apply_limit(node["limit"], predicate, ctx, f"{path}.limit", aggregation)
    return predicate


def _reference(node: Mapping, ctx: Context, path: str) -> str:
    ref = node.get("id")
    if isinstance(ref, int) and not isinstance(ref, bool):
        ref = str(ref)
    if not isinstance(ref, str) or not ref:
        ctx.fail(f"{path}.id", "Reference", "id must be a segment id string")
    if ctx.resolve_reference is None:
        ctx.fail(path, "Reference", f"segment {ref} is referenced but no resolver was given")
    if ref in ctx.reference_stack:
        chain = " -> ".join((*ctx.reference_stack, ref))
        ctx.fail(path, "Reference", f"reference cycle: {chain}")
    try:
        target = ctx.resolve_reference(ref)
    except (KeyError, LookupError) as exc:
        ctx.fail(f"{path}.id", "Reference", f"referenced segment {ref} not found ({exc})")
    inner = Context(
        audience_id=ctx.audience_id, dialect=ctx.dialect, now=ctx.now, tz=ctx.tz,
        customer_key=ctx.customer_key, segment_id=ctx.segment_id,
        resolve_reference=ctx.resolve_reference, reference_stack=(*ctx.reference_stack, ref),
        counter=ctx.counter,
    )
    try:
        body = _body(target, inner, "")
    except RuleCompileError as exc:
        raise RuleCompileError(
            ctx.segment_id, f"{path}(segment {ref}).{exc.path}", exc.construct, exc.message
        ) from exc
    if body is None:
        return "true"
    r = ctx.alias("r")
    return (f"coalesce(a.{ctx.key} in (select {r}.{ctx.key} from ({_select(body, inner)}) {r}), false)")


def _node(node: object, ctx: Context, path: str) -> str:
    if not isinstance(node, Mapping):
        ctx.fail(path, "condition", "condition must be an object")
    kind = node.get("type")
    if kind in GROUP_TYPES:
        predicate = _group(node, ctx, path)
    elif kind == "Value":
        predicate = _value(node, ctx, path)
    elif kind == "Reference":
        predicate = _reference(node, ctx, path)
    elif kind in UNSUPPORTED:
        ctx.fail(path, str(kind), UNSUPPORTED[str(kind)])
    else:
        ctx.fail(f"{path}.type", "condition", f"unknown condition type {kind!r}")
    if node.get("exclude") is True:
        predicate = f"(not {predicate})"
    return predicate


def _body(rule: object, ctx: Context, path: str) -> str | None:
    """The where-predicate of a rule, or None for the empty rule (whole parent segment)."""
    if rule is None or (isinstance(rule, Mapping) and not rule):
        return None
    if not isinstance(rule, Mapping):
        ctx.fail(path, "rule", f"rule must be an object, got {type(rule).__name__}")
    if rule.get("type") not in GROUP_TYPES:
        kind = rule.get("type")
        ctx.fail(f"{path}.type", "rule", f"rule type must be And, Or or Composite, got {kind!r}")
    predicate = _node(rule, ctx, path)
    if rule.get("limit") is not None:
        predicate = apply_limit(rule["limit"], predicate, ctx, f"{path}.limit")
    return predicate


def _select(body: str | None, ctx: Context) -> str:
    head = f"select a.* from {ctx.table('customers', '')} a"
    return head if body is None else f"{head} where ({body})"


def compile_rule(
    rule: dict | str | None,
    *,
    audience_id: str,
    dialect: Literal["duckdb", "trino"],
    now: datetime | None = None,
    resolve_reference: Callable[[str], dict] | None = None,
    segment_id: str | None = None,
    customer_key: str = "cdp_customer_id",
    timezone: str | None = None,
) -> str:
    """Compile a segment rule (a dict, or its JSON text) to member SQL for DuckDB or Trino.

    `now` fixes the clock for relative time operators (default: the current time, UTC), truncated
    to whole seconds; `timezone` is the parent segment's zone for calendar units (default UTC).
    Raises RuleCompileError naming the segment, the path in the rule and the construct.
    """
    if isinstance(rule, str | bytes):
        try:
            rule = json.loads(rule) if rule.strip() else None
        except ValueError as exc:
            raise RuleCompileError(segment_id, "", "rule", f"rule is not valid JSON: {exc}") from exc
    if isinstance(audience_id, int) and not isinstance(audience_id, bool):
        audience_id = str(audience_id)
    if not isinstance(audience_id, str) or not audience_id:
        raise RuleCompileError(segment_id, "audience_id", "audience", "audience_id must be a non-empty string")
    try:
        quote_ident(audience_id)
        quote_ident(customer_key)
    except LiteralError as exc:
        raise RuleCompileError(segment_id, "audience_id", "audience", str(exc)) from exc
    try:
        tz = zone(timezone)
    except TimeSpecError as exc:
        raise RuleCompileError(segment_id, "timezone", "timezone", str(exc)) from exc
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ctx = Context(
        audience_id=audience_id, dialect=dialect_for(dialect), now=moment.replace(microsecond=0),
        tz=tz, customer_key=customer_key, segment_id=segment_id,
        resolve_reference=resolve_reference,
        reference_stack=(segment_id,) if segment_id is not None else (),
    )
    return _select(_body(rule, ctx, ""), ctx)
