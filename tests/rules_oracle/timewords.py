"""Oracle meaning of time operands and timeframe operators, as membership tests on instants."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.rules_oracle.clock import as_utc, move, neighbour_key, unit_key


def parts_of(value: object, unit: object) -> dict[str, int]:
    if isinstance(value, dict):
        return {k: int(float(v)) for k, v in value.items()}
    return {str(unit): int(float(value))}  # type: ignore[arg-type]


def parse_instant(text: str, tz: ZoneInfo) -> datetime:
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).astimezone(UTC)


def operand_instant(value: dict, now: datetime, tz: ZoneInfo) -> datetime:
    if "timestamp" in value:
        return parse_instant(value["timestamp"], tz)
    return move(now, parts_of(value["last"], value.get("unit")), -1, tz)


def in_timeframe(op: dict, value: datetime | int | float, now: datetime, tz: ZoneInfo) -> bool:
    """Does the instant fall within the timeframe operator's window (ignoring `not`)?"""
    t = as_utc(value)
    kind = op["type"]
    if kind == "TimeWithinPast":
        return move(now, parts_of(op["value"], op["unit"]), -1, tz) <= t <= now
    if kind == "TimeWithinNext":
        return now <= t <= move(now, parts_of(op["value"], op["unit"]), 1, tz)
    if kind == "TimeInBetweenNext":
        low = move(now, parts_of(op["from"]["next"], op["from"]["unit"]), 1, tz)
        high = move(now, parts_of(op["to"]["next"], op["to"]["unit"]), 1, tz)
        return low <= t <= high
    if kind == "TimeToday":
        return unit_key(t, "day", tz) == unit_key(now, "day", tz)
    if kind == "TimeThis":
        return unit_key(t, op["from"]["unit"], tz) == unit_key(now, op["from"]["unit"], tz)
    if kind == "TimeNext":
        unit = op["from"]["unit"]
        return unit_key(t, unit, tz) == neighbour_key(now, unit, 1, tz)
    if kind == "TimeRange":
        source = op["from"]
        if "last" not in source:
            return unit_key(t, source["unit"], tz) == neighbour_key(now, source["unit"], -1, tz)
        anchor = move(now, parts_of(source["last"], source.get("unit")), -1, tz)
        span = parts_of(op["duration"], None)
        if op.get("reverse"):
            return move(anchor, span, -1, tz) <= t < anchor
        return anchor <= t < move(anchor, span, 1, tz)
    raise ValueError(f"oracle: unknown timeframe {kind}")
