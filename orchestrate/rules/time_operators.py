"""Timeframe operators and time operands turned into fixed instants and windows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from orchestrate.rules.context import Context
from orchestrate.rules.timeframes import (
    TimeSpecError,
    Window,
    amount,
    parse_timestamp,
    shift,
    unit_name,
    unit_start,
    whole_number,
)

TIMEFRAME_TYPES = frozenset(
    {"TimeWithinPast", "TimeWithinNext", "TimeRange", "TimeToday", "TimeThis", "TimeNext", "TimeInBetweenNext"}
)


def is_time_operand(value: object) -> bool:
    return isinstance(value, Mapping) and ("timestamp" in value or "last" in value)


def instant(value: Mapping, ctx: Context, path: str) -> datetime:
    """`{"timestamp": "..."}` or `{"last": n | localDuration, "unit": u}` (= now minus that)."""
    try:
        if "timestamp" in value:
            return parse_timestamp(value["timestamp"], ctx.tz, "timestamp")
        parts = amount(value.get("last"), value.get("unit"), "last")
        return shift(ctx.now, parts, -1, ctx.tz)
    except TimeSpecError as exc:
        ctx.fail(f"{path}.{exc.field}", "time value", str(exc))
    except (OverflowError, ValueError) as exc:
        ctx.fail(path, "time value", f"time outside the supported range ({exc})")


def _from_unit(op: Mapping, key: str) -> str:
    spec = op.get(key)
    if not isinstance(spec, Mapping):
        raise TimeSpecError(key, f"{key} must be an object with a unit")
    return unit_name(spec.get("unit"), f"{key}.unit")


def _window(op: Mapping, ctx: Context) -> Window:
    kind = op.get("type")
    now, tz = ctx.now, ctx.tz
    if kind == "TimeWithinPast":
        parts = amount(whole_number(op.get("value"), "value"), op.get("unit"), "value")
        return Window(shift(now, parts, -1, tz), now, end_inclusive=True)
    if kind == "TimeWithinNext":
        parts = amount(whole_number(op.get("value"), "value"), op.get("unit"), "value")
        return Window(now, shift(now, parts, 1, tz), end_inclusive=True)
    if kind == "TimeToday":
        start = unit_start(now, "day", tz)
        return Window(start, shift(start, {"day": 1}, 1, tz))
    if kind in ("TimeThis", "TimeNext"):
        unit = _from_unit(op, "from")
        start = unit_start(now, unit, tz)
        if kind == "TimeNext":
            start = shift(start, {unit: 1}, 1, tz)
        return Window(start, shift(start, {unit: 1}, 1, tz))
    if kind == "TimeRange":
        spec = op.get("from")
        if isinstance(spec, Mapping) and "last" in spec:
            anchor = shift(now, amount(spec.get("last"), spec.get("unit"), "from.last"), -1, tz)
            duration = op.get("duration")
            if not isinstance(duration, Mapping):
                raise TimeSpecError("duration", "duration must be an object like {\"day\": 7}")
            length = amount(duration, None, "duration")
            if op.get("reverse") is True:
                return Window(shift(anchor, length, -1, tz), anchor)
            return Window(anchor, shift(anchor, length, 1, tz))
        unit = _from_unit(op, "from")
        current = unit_start(now, unit, tz)
        return Window(shift(current, {unit: 1}, -1, tz), current)
    if kind == "TimeInBetweenNext":
        ends = []
        for key in ("from", "to"):
            spec = op.get(key)
            if not isinstance(spec, Mapping):
                raise TimeSpecError(key, f"{key} must be an object with next and unit")
            ends.append(shift(now, amount(spec.get("next"), spec.get("unit"), f"{key}.next"), 1, tz))
        return Window(ends[0], ends[1], end_inclusive=True)
    raise TimeSpecError("type", f"unknown timeframe operator {kind!r}")


def window(op: Mapping, ctx: Context, path: str) -> Window:
    try:
        return _window(op, ctx)
    except TimeSpecError as exc:
        ctx.fail(f"{path}.{exc.field}", str(op.get("type")), str(exc))
    except (OverflowError, ValueError) as exc:
        ctx.fail(path, str(op.get("type")), f"time window outside the supported range ({exc})")
