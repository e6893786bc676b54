"""Behaviour conditions: an aggregate over a profile's rows in `behavior_<name>`, then an operator.

The rule column `timestamp` is the behaviour table's integer unix-seconds `time` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orchestrate.rules.context import Context
from orchestrate.rules.operators import Operand, compile_matching, compile_operator

TIME_COLUMN = "time"
_WINDOWED = ("Count", "Sum", "Min", "Max", "Average")


@dataclass(frozen=True)
class Aggregate:
    sql: str  # aggregate expression over alias rows
    extra_where: str  # extra row predicate (non-null requirements) or "true"
    time_kind: str  # "epoch" when the aggregated column is `timestamp`
    empty_value: str  # the value for a profile without rows: 0 for counts, null otherwise


def column(name: object, alias: str, ctx: Context, path: str) -> Operand:
    if name == "timestamp":
        return Operand(f'{alias}."{TIME_COLUMN}"', "epoch")
    return Operand(f"{alias}.{ctx.ident(name, path, 'column')}")


def compile_filter(node: object, alias: str, ctx: Context, path: str) -> str:
    """A filter group (And/Or of Column filters, nesting allowed) as a two-valued predicate."""
    if node is None or node == {}:
        return "true"
    if not isinstance(node, Mapping):
        ctx.fail(path, "filter", "filter must be an object")
    kind = node.get("type")
    if kind in ("And", "Or"):
        children = node.get("conditions")
        if not isinstance(children, list):
            ctx.fail(f"{path}.conditions", "filter", "conditions must be a list")
        parts = [compile_filter(c, alias, ctx, f"{path}.conditions[{i}]") for i, c in enumerate(children)]
        if not parts:
            return "true"
        return "(" + f" {kind.lower()} ".join(parts) + ")"
    if kind in ("Column", "Value"):
        target = column(node.get("column"), alias, ctx, f"{path}.column")
        test = compile_matching(
            node.get("operator"), node.get("arrayMatching"), target, ctx, f"{path}.operator",
            f"{path}.arrayMatching",
        )
        return f"coalesce({test}, false)"
    ctx.fail(f"{path}.type", "filter", f"unknown filter type {kind!r}")


def _aggregate(spec: object, alias: str, ctx: Context, path: str) -> Aggregate:
    if not isinstance(spec, Mapping):
        ctx.fail(path, "aggregation", "aggregation must be an object")
    kind = spec.get("type")
    if kind == "Count":
        return Aggregate("count(*)", "true", "timestamp", "0")
    if kind == "CountDistinct":
        names = spec.get("columns")
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names:
            ctx.fail(f"{path}.columns", "CountDistinct", "columns must be a non-empty list")
        cols = [column(n, alias, ctx, f"{path}.columns[{i}]").expr for i, n in enumerate(names)]
        if len(cols) == 1:
            return Aggregate(f"count(distinct {cols[0]})", "true", "timestamp", "0")
        # Rows with a null in any counted column are not counted, but they still form their group
        # (a group of only such rows counts 0), so the test is in the aggregate, not the WHERE.
        present = " and ".join(f"{c} is not null" for c in cols)
        return Aggregate(f"count(distinct case when {present} then row({', '.join(cols)}) end)", "true",
                         "timestamp", "0")
    if kind in ("Sum", "Min", "Max", "Average"):
        target = column(spec.get("column"), alias, ctx, f"{path}.column")
        function = {"Sum": "sum", "Min": "min", "Max": "max", "Average": "avg"}[kind]
        return Aggregate(f"{function}({target.expr})", "true", target.time_kind, "null")
    if kind in ("First", "Last"):
        target = column(spec.get("column"), alias, ctx, f"{path}.column")
        order = column(spec.get("orderColumn"), alias, ctx, f"{path}.orderColumn")
        function = "min_by" if kind == "First" else "max_by"
        present = f"{target.expr} is not null and {order.expr} is not null"
        return Aggregate(f"{function}({target.expr}, {order.expr})", present, target.time_kind, "null")
    ctx.fail(f"{path}.type", "aggregation", f"unknown aggregation type {kind!r}")


def _window_seconds(window: object, ctx: Context, path: str) -> int:
    if not isinstance(window, Mapping) or window.get("type") != "TimeSliding":
        ctx.fail(path, "window", "window must be {\"type\": \"TimeSliding\", \"duration\": {...}}")
    duration = window.get("duration")
    factors = {"day": 86400, "hour": 3600, "minute": 60, "second": 1}
    if not isinstance(duration, Mapping) or not duration:
        ctx.fail(f"{path}.duration", "TimeSliding", "duration must be an object like {\"day\": 7}")
    total = 0
    for key, value in duration.items():
        if key not in factors or isinstance(value, bool) or not isinstance(value, int | float):
            ctx.fail(f"{path}.duration.{key}", "TimeSliding", f"bad duration part {key!r}: {value!r}")
        if not float(value).is_integer() or value < 0:
            ctx.fail(f"{path}.duration.{key}", "TimeSliding", "duration parts must be whole numbers")
        total += int(value) * factors[key]
    if total < 1:
        ctx.fail(f"{path}.duration", "TimeSliding", "window duration must be at least one second")
    return total


def compile_behavior(left: Mapping, op: object, ctx: Context, path: str) -> str:
    """Two-valued predicate on customer alias `a` for a behaviour aggregation condition."""
    source = left.get("source")
    if not isinstance(source, Mapping) or not isinstance(source.get("name"), str):
        ctx.fail(f"{path}.leftValue.source.name", "behavior source", "source.name must be a string")
    table = ctx.table(source["name"], f"{path}.leftValue.source.name")
    b = ctx.alias("b")
    agg = _aggregate(left.get("aggregation"), b, ctx, f"{path}.leftValue.aggregation")
    where = compile_filter(left.get("filter"), b, ctx, f"{path}.leftValue.filter")
    rows = f"{where} and {agg.extra_where}"
    key = ctx.key
    grouping = left["aggregation"].get("groupingColumns") or []
    op_path = f"{path}.operator"

    def test(expr: str) -> str:
        return f"coalesce({compile_operator(op, Operand(expr, agg.time_kind), ctx, op_path)}, false)"  # type: ignore[arg-type]

    if left.get("window") is not None:
        kind = left["aggregation"].get("type")
        if kind not in _WINDOWED or grouping:
            ctx.fail(f"{path}.leftValue.window", "TimeSliding",
                     f"sliding windows support {', '.join(_WINDOWED)} without groupingColumns")
        seconds = _window_seconds(left["window"], ctx, f"{path}.leftValue.window")
        w = ctx.alias("w")
        frame = (f"over (partition by {b}.{key} order by {b}.\"{TIME_COLUMN}\" "
                 f"range between current row and {seconds - 1} following)")
        windows = f"select {b}.{key} as k, {agg.sql} {frame} as v from {table} {b} where {rows}"
        none = f"select 1 from {table} {b} where {b}.{key} = a.{key} and {rows}"
        return (f"(a.{key} in (select {w}.k from ({windows}) {w} where {test(f'{w}.v')})"
                f" or (not exists ({none}) and {test(agg.empty_value)}))")
    if grouping:
        if not isinstance(grouping, list):
            ctx.fail(f"{path}.leftValue.aggregation.groupingColumns", "groupingColumns", "must be a list")
        groups = [column(g, b, ctx, f"{path}.leftValue.aggregation.groupingColumns[{i}]").expr
                  for i, g in enumerate(grouping)]
        return (f"(a.{key} in (select {b}.{key} from {table} {b} where {rows} "
                f"group by {b}.{key}, {', '.join(groups)} having {test(agg.sql)}))")
    value = f"(select {agg.sql} from {table} {b} where {b}.{key} = a.{key} and {rows})"
    return test(value)


def aggregate_value(left: Mapping, ctx: Context, path: str) -> str:
    """The condition's aggregate as a scalar over customer alias `a` (for Limit ordering)."""
    if left.get("window") is not None or left.get("aggregation", {}).get("groupingColumns"):
        ctx.fail(f"{path}.limit.orderColumns", "Limit",
                 "ordering by an aggregation with a window or groupingColumns is not supported")
    table = ctx.table(left["source"]["name"], f"{path}.leftValue.source.name")
    b = ctx.alias("b")
    agg = _aggregate(left.get("aggregation"), b, ctx, f"{path}.leftValue.aggregation")
    where = compile_filter(left.get("filter"), b, ctx, f"{path}.leftValue.filter")
    key = ctx.key
    return f"(select {agg.sql} from {table} {b} where {b}.{key} = a.{key} and {where} and {agg.extra_where})"
