"""SQL literals and identifiers, escaped so that no rule value can change the statement's shape."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

from orchestrate.errors import SegmentAnalyticsError

_BIGINT_MIN = -(2**63)
_BIGINT_MAX = 2**63 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class LiteralError(SegmentAnalyticsError, ValueError):
    """A value cannot be rendered as a SQL literal (the caller turns it into a RuleCompileError)."""


def _check_text(text: str, what: str) -> None:
    if "\x00" in text:
        raise LiteralError(f"{what} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LiteralError(f"{what} is not valid unicode (lone surrogate)") from exc


def quote_ident(name: str) -> str:
    """A double-quoted identifier; embedded double quotes are doubled."""
    if not isinstance(name, str) or name == "":
        raise LiteralError(f"identifier must be a non-empty string, got {name!r}")
    _check_text(name, "identifier")
    return '"' + name.replace('"', '""') + '"'


def string_literal(text: str) -> str:
    """A single-quoted string literal; quotes doubled, everything else (backslashes, newlines,
    unicode, regex metacharacters) kept verbatim, which both DuckDB and Trino read literally."""
    if not isinstance(text, str):
        raise LiteralError(f"expected a string, got {type(text).__name__}")
    _check_text(text, "string value")
    return "'" + text.replace("'", "''") + "'"


def number_literal(value: int | float) -> str:
    if isinstance(value, bool):
        raise LiteralError("expected a number, got a boolean")
    if isinstance(value, int):
        if not _BIGINT_MIN <= value <= _BIGINT_MAX:
            raise LiteralError(f"integer {value} is outside the bigint range")
        return str(value) if value >= 0 else f"({value})"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise LiteralError(f"number {value!r} is not finite")
        if value.is_integer() and abs(value) < 2**53:
            return f"cast({int(value)} as double)"
        return f"cast('{value!r}' as double)"
    raise LiteralError(f"expected a number, got {type(value).__name__}")


def scalar_literal(value: object) -> str:
    """Render a JSON scalar (string, number, boolean) as a literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_literal(value)
    if isinstance(value, str):
        return string_literal(value)
    raise LiteralError(f"expected a string, number or boolean, got {type(value).__name__}")


def timestamp_literal(moment: datetime) -> str:
    """A `timestamp '...'` literal of the instant, as UTC wall-clock time (microsecond precision)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return "timestamp '" + moment.strftime("%Y-%m-%d %H:%M:%S.%f") + "'"


def epoch_literal(moment: datetime) -> str:
    """Exact unix seconds of an aware instant, for behaviour `time` columns: an integer, or a
    decimal literal when the instant has a fraction of a second."""
    delta = moment.astimezone(UTC) - _EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    seconds, fraction = divmod(micros, 1_000_000)
    if fraction == 0:
        return number_literal(seconds)
    text = str(Decimal(micros) / Decimal(1_000_000))
    return text if micros >= 0 else f"({text})"
