"""Limit: keep the top N (Count) or top N percent (Percent) of the profiles a predicate selects.

Order: the `orderColumns` in turn (NULLs last), then the customer key ascending, so the choice is
deterministic. Percent keeps the first floor(matches * N / 100) profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orchestrate.rules.context import Context
from orchestrate.rules.literals import LiteralError, number_literal


def apply_limit(
    limit: object,
    predicate: str,
    ctx: Context,
    path: str,
    aggregation: Callable[[], str] | None = None,
) -> str:
    """Predicate on alias `a` keeping only the limited subset of profiles matching `predicate`."""
    if not isinstance(limit, Mapping):
        ctx.fail(path, "Limit", "limit must be an object")
    kind = limit.get("type")
    number = limit.get("number")
    if kind not in ("Count", "Percent"):
        ctx.fail(f"{path}.type", "Limit", f"limit type must be Count or Percent, got {kind!r}")
    if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
        ctx.fail(f"{path}.number", "Limit", f"limit number must be a non-negative number, got {number!r}")
    keys = []
    columns = limit.get("orderColumns") or []
    if not isinstance(columns, list):
        ctx.fail(f"{path}.orderColumns", "Limit", "orderColumns must be a list")
    for index, spec in enumerate(columns):
        where = f"{path}.orderColumns[{index}]"
        if not isinstance(spec, Mapping):
            ctx.fail(where, "Limit", "order column must be an object")
        order = spec.get("order", "ascending")
        if order not in ("ascending", "descending"):
            ctx.fail(f"{where}.order", "Limit", f"order must be ascending or descending, got {order!r}")
        direction = "asc" if order == "ascending" else "desc"
        if spec.get("type") == "Aggregation":
            if aggregation is None:
                ctx.fail(where, "Limit", "Aggregation order needs a behaviour condition")
            expr = aggregation()
        else:
            expr = f"a.{ctx.ident(spec.get('column'), f'{where}.column', 'Limit')}"
        keys.append(f"{expr} {direction} nulls last")
    keys.append(f"a.{ctx.key} asc")
    try:
        amount = number_literal(number)
    except LiteralError as exc:
        ctx.fail(f"{path}.number", "Limit", str(exc))
    keep = f"l.rn <= {amount}" if kind == "Count" else f"l.rn * 100 <= l.n * {amount}"
    ranked = (f"select a.{ctx.key} as k, row_number() over (order by {', '.join(keys)}) as rn, "
              f"count(*) over () as n from {ctx.table('customers', path)} a where {predicate}")
    return f"coalesce(a.{ctx.key} in (select l.k from ({ranked}) l where {keep}), false)"
