"""Oracle time arithmetic: calendar parts move local wall time, clock parts move absolute time."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CALENDAR_MONTHS = {"year": 12, "quarter": 3, "month": 1}
CALENDAR_DAYS = {"week": 7, "day": 1}
CLOCK_SECONDS = {"hour": 3600, "minute": 60, "second": 1}


def as_utc(value: datetime | int | float) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _step_months(day: datetime, months: int) -> datetime:
    year, month = day.year, day.month
    for _ in range(abs(months)):
        if months > 0:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def move(moment: datetime, parts: dict[str, int], direction: int, tz: ZoneInfo) -> datetime:
    wall = moment.astimezone(tz).replace(tzinfo=None)
    months = sum(CALENDAR_MONTHS[u] * n for u, n in parts.items() if u in CALENDAR_MONTHS)
    days = sum(CALENDAR_DAYS[u] * n for u, n in parts.items() if u in CALENDAR_DAYS)
    seconds = sum(CLOCK_SECONDS[u] * n for u, n in parts.items() if u in CLOCK_SECONDS)
    wall = _step_months(wall, direction * months)
    wall = wall + timedelta(days=direction * days)
    return wall.replace(tzinfo=tz).astimezone(UTC) + timedelta(seconds=direction * seconds)


def unit_key(moment: datetime, unit: str, tz: ZoneInfo) -> tuple:
    """Identity of the calendar unit (in tz) the instant falls in."""
    wall = moment.astimezone(tz)
    if unit == "year":
        return (wall.year,)
    if unit == "quarter":
        return (wall.year, (wall.month + 2) // 3)
    if unit == "month":
        return (wall.year, wall.month)
    if unit == "week":
        monday = date(wall.year, wall.month, wall.day) - timedelta(days=wall.isoweekday() - 1)
        return (monday,)
    if unit == "day":
        return (wall.date(),)
    if unit == "hour":
        return (wall.date(), wall.hour)
    if unit == "minute":
        return (wall.date(), wall.hour, wall.minute)
    return (wall.date(), wall.hour, wall.minute, wall.second)


def neighbour_key(now: datetime, unit: str, offset: int, tz: ZoneInfo) -> tuple:
    """Key of the calendar unit `offset` units after (negative: before) the one holding now."""
    if unit in CLOCK_SECONDS:
        return unit_key(now + timedelta(seconds=offset * CLOCK_SECONDS[unit]), unit, tz)
    wall = now.astimezone(tz).replace(tzinfo=None)
    if unit in CALENDAR_MONTHS:
        wall = _step_months(wall.replace(day=1), offset * CALENDAR_MONTHS[unit])
    else:
        wall = wall + timedelta(days=offset * CALENDAR_DAYS[unit])
    return unit_key(wall.replace(tzinfo=tz), unit, tz)
