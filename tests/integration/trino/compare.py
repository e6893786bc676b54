"""Read a table from DuckDB or Trino into comparable rows: names, then rows sorted, with values
normalised across engines (dates and timestamps as ISO text, decimals as floats) and floats
compared within FLOAT_TOLERANCE (relative and absolute)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

FLOAT_TOLERANCE = 1e-9


def normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return value
    return value


def _sort_key(row: tuple) -> tuple:
    return tuple((0, "") if v is None else (1, f"{v:.6g}" if isinstance(v, float) else repr(v)) for v in row)


def table_data(cursor: Any, sql: str) -> tuple[list[str], list[tuple]]:
    cursor.execute(sql)
    rows = cursor.fetchall()
    names = [d[0].lower() for d in cursor.description]
    return names, sorted((tuple(normalise(v) for v in row) for row in rows), key=_sort_key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def differences(left: tuple[list[str], list[tuple]], right: tuple[list[str], list[tuple]],
                limit: int = 10) -> list[str]:
    """Human-readable differences between two table_data results; empty when equal."""
    (lnames, lrows), (rnames, rrows) = left, right
    if lnames != rnames:
        return [f"columns differ: {lnames} vs {rnames}"]
    if len(lrows) != len(rrows):
        return [f"row counts differ: {len(lrows)} vs {len(rrows)}"]
    found = []
    for index, (a, b) in enumerate(zip(lrows, rrows, strict=True)):
        for name, x, y in zip(lnames, a, b, strict=True):
            if not _same(x, y):
                found.append(f"row {index} column {name}: {x!r} vs {y!r}")
                break
        if len(found) >= limit:
            break
    return found
