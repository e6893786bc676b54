"""Oracle meaning of value operators on one Python value (None = SQL NULL)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.rules_oracle.clock import as_utc
from tests.rules_oracle.timewords import in_timeframe, operand_instant, parse_instant

TIMEFRAMES = {"TimeWithinPast", "TimeWithinNext", "TimeRange", "TimeToday", "TimeThis", "TimeNext",
              "TimeInBetweenNext"}


class Env:
    def __init__(self, now: datetime, tz: ZoneInfo) -> None:
        self.now = now
        self.tz = tz


def _operand(raw: object, value: object, env: Env) -> object:
    """Bring a rule operand to the value's domain (instants for time values)."""
    if isinstance(raw, dict):
        return operand_instant(raw, env.now, env.tz)
    if isinstance(value, datetime) and isinstance(raw, str):
        return parse_instant(raw, env.tz)
    if isinstance(value, datetime) and isinstance(raw, int | float) and not isinstance(raw, bool):
        return as_utc(raw)
    return raw


def _norm(value: object) -> object:
    return as_utc(value) if isinstance(value, datetime) else value


def holds(op: dict, value: object, env: Env, *, epoch: bool = False) -> bool | None:
    """The operator's truth for `value`; None when SQL would say unknown (a NULL value)."""
    kind = op["type"]
    negate = bool(op.get("not"))
    if kind in ("NotEqual", "NotIn"):
        kind, negate = kind[3:], not negate
    if kind == "IsNull":
        return (value is not None) if negate else (value is None)
    if value is None:
        return None
    if epoch:
        value = as_utc(value)  # behaviour `time` (unix seconds) as an instant
    value = _norm(value)
    if kind in TIMEFRAMES:
        result = in_timeframe(op, value, env.now, env.tz)  # type: ignore[arg-type]
    elif kind == "Between":
        low = _operand(op["minValue"], value, env)
        high = _operand(op["maxValue"], value, env)
        result = low <= value <= high  # type: ignore[operator]
    elif kind in ("In", "Contain", "StartWith", "EndWith"):
        options = op.get("rightValues")
        if options is None:
            options = [op["rightValue"]]
        if kind == "In":
            result = any(value == _operand(o, value, env) for o in options)
        elif kind == "Contain":
            result = any(o in value for o in options)  # type: ignore[operator]
        elif kind == "StartWith":
            result = any(value.startswith(o) for o in options)  # type: ignore[union-attr]
        else:
            result = any(value.endswith(o) for o in options)  # type: ignore[union-attr]
    elif kind == "Regexp":
        result = re.search(op["rightValue"], value) is not None  # type: ignore[arg-type]
    else:
        right = _operand(op["rightValue"], value, env)
        if kind == "Equal":
            result = value == right
        elif kind == "Greater":
            result = value > right  # type: ignore[operator]
        elif kind == "GreaterEqual":
            result = value >= right  # type: ignore[operator]
        elif kind == "Less":
            result = value < right  # type: ignore[operator]
        elif kind == "LessEqual":
            result = value <= right  # type: ignore[operator]
        else:
            raise ValueError(f"oracle: unknown operator {kind}")
    return (not result) if negate else result


def matches(op: dict, array_matching: object, value: object, env: Env, *, epoch: bool = False) -> bool:
    """Two-valued truth of an operator (with optional arrayMatching) for one value."""
    if array_matching is None:
        return holds(op, value, env, epoch=epoch) is True
    if value is None:
        return False
    hits = sum(1 for element in value if holds(op, element, env, epoch=epoch) is True)  # type: ignore[union-attr]
    if array_matching == "any":
        return hits >= 1
    if array_matching == "all":
        return len(value) >= 1 and hits == len(value)  # type: ignore[arg-type]
    (word, n), = array_matching.items()  # type: ignore[union-attr]
    return {"atLeast": hits >= n, "atMost": hits <= n, "exactly": hits == n}[word]
