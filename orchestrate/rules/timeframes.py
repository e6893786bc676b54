"""Time arithmetic for rule time operators, done in Python against a fixed `now`.

Calendar units (year, quarter, month, week, day) move local wall-clock time in the rule's time zone
(month ends clamp: 31 Mar - 1 month = 28/29 Feb); hour, minute and second move absolute time.
Weeks start on Monday. See README.md for the meaning of every operator.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestrate.errors import SegmentAnalyticsError

UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second")


class TimeSpecError(SegmentAnalyticsError, ValueError):
    """Malformed time operand; `field` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Window:
    """A time window [start, end) or [start, end] (`end_inclusive`) in aware datetimes."""

    start: datetime
    end: datetime
    end_inclusive: bool = False


def zone(name: str | None) -> ZoneInfo:
    if name is None or name == "":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeSpecError("timezone", f"unknown time zone {name!r}") from exc


def whole_number(value: object, field: str) -> int:
    if isinstance(value, bool):
        raise TimeSpecError(field, f"{field} must be a whole number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError as exc:
            raise TimeSpecError(field, f"{field} must be a whole number, got {value!r}") from exc
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    raise TimeSpecError(field, f"{field} must be a whole number, got {value!r}")


def unit_name(value: object, field: str) -> str:
    if value not in UNITS:
        raise TimeSpecError(field, f"{field} must be one of {', '.join(UNITS)}, got {value!r}")
    return str(value)


def amount(value: object, unit: object, field: str) -> dict[str, int]:
    """`n` with a unit, or a localDuration object, as {unit: n}."""
    if isinstance(value, dict):
        if not value:
            raise TimeSpecError(field, f"{field} duration is empty")
        parts: dict[str, int] = {}
        for key, number in value.items():
            parts[unit_name(key, f"{field}.{key}")] = whole_number(number, f"{field}.{key}")
        return parts
    return {unit_name(unit, f"{field}.unit"): whole_number(value, field)}


def shift(moment: datetime, parts: dict[str, int], sign: int, tz: ZoneInfo) -> datetime:
    """Move an aware instant by a duration, forwards (sign 1) or backwards (sign -1)."""
    months = 12 * parts.get("year", 0) + 3 * parts.get("quarter", 0) + parts.get("month", 0)
    days = 7 * parts.get("week", 0) + parts.get("day", 0)
    seconds = 3600 * parts.get("hour", 0) + 60 * parts.get("minute", 0) + parts.get("second", 0)
    local = moment.astimezone(tz).replace(tzinfo=None)
    if months:
        index = local.year * 12 + (local.month - 1) + sign * months
        year, month = divmod(index, 12)
        month += 1
        if not 1 <= year <= 9999:
            raise TimeSpecError("duration", "time shift leaves the supported year range")
        day = min(local.day, calendar.monthrange(year, month)[1])
        local = local.replace(year=year, month=month, day=day)
    if days:
        local = local + timedelta(days=sign * days)
    moved = local.replace(tzinfo=tz).astimezone(UTC)
    return moved + timedelta(seconds=sign * seconds)


def unit_start(moment: datetime, unit: str, tz: ZoneInfo) -> datetime:
    """Start of the calendar unit (in `tz`) that contains the instant."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    if unit == "year":
        local = datetime(local.year, 1, 1)
    elif unit == "quarter":
        local = datetime(local.year, 3 * ((local.month - 1) // 3) + 1, 1)
    elif unit == "month":
        local = datetime(local.year, local.month, 1)
    elif unit == "week":
        local = datetime(local.year, local.month, local.day) - timedelta(days=local.weekday())
    elif unit == "day":
        local = datetime(local.year, local.month, local.day)
    elif unit == "hour":
        local = local.replace(minute=0, second=0, microsecond=0)
    elif unit == "minute":
        local = local.replace(second=0, microsecond=0)
    else:
        local = local.replace(microsecond=0)
    return local.replace(tzinfo=tz).astimezone(UTC)


def parse_timestamp(text: object, tz: ZoneInfo, field: str) -> datetime:
    """ISO-8601 date or date-time; without an offset it is read in the rule's time zone."""
    if not isinstance(text, str) or not text.strip():
        raise TimeSpecError(field, f"{field} must be an ISO-8601 timestamp string, got {text!r}")
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise TimeSpecError(field, f"{field} is not an ISO-8601 timestamp: {text!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)
