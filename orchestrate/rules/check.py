"""`rules check`: member counts of the compiled SQL against the API's SQL, segment by segment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["match", "differ", "error", "incomplete"]
_MAX_ERROR = 500


@dataclass(frozen=True)
class CountCheck:
    """One segment: member counts (rows of `select count(*) from (<sql>) s`) or the error met."""

    segment_id: str
    compiled_count: int | None
    api_count: int | None
    compiled_error: str | None = None
    api_error: str | None = None

    @property
    def status(self) -> Status:
        if self.compiled_error is not None or self.api_error is not None:
            return "error"
        if self.compiled_count is None or self.api_count is None:
            return "incomplete"  # one side has no SQL: nothing to compare
        return "match" if self.compiled_count == self.api_count else "differ"

    @property
    def difference(self) -> int | None:
        """compiled minus API, when both were counted."""
        if self.compiled_count is None or self.api_count is None:
            return None
        return self.compiled_count - self.api_count


@dataclass(frozen=True)
class CheckReport:
    results: list[CountCheck]

    @property
    def differences(self) -> list[CountCheck]:
        """Segments whose counts differ or could not be counted (both SQLs present)."""
        return [r for r in self.results if r.status in ("differ", "error")]

    @property
    def compared(self) -> int:
        return sum(1 for r in self.results if r.status in ("match", "differ"))


def _count(connection: Any, sql: str) -> tuple[int | None, str | None]:
    cursor = connection.cursor()
    try:
        body = sql.strip().rstrip(";").rstrip()
        cursor.execute(f"select count(*) from (\n{body}\n) s")
        row = cursor.fetchone()
        return int(row[0]), None
    except Exception as exc:  # noqa: BLE001 - any engine error is reported per segment
        message = f"{type(exc).__name__}: {exc}"
        return None, message[:_MAX_ERROR]
    finally:
        close = getattr(cursor, "close", None)
        if close is not None:
            close()


def check_counts(connection: Any, rows: Iterable[tuple[str, str | None, str | None]]) -> CheckReport:
    """Count the members selected by each segment's compiled SQL and API SQL on a DB-API connection.

    `rows` are (segment_id, compiled_sql, api_sql); a missing SQL is None. Errors are caught per
    segment and reported, so one broken statement does not stop the check.
    """
    results = []
    for segment_id, compiled_sql, api_sql in rows:
        compiled_count = compiled_error = api_count = api_error = None
        if compiled_sql is not None:
            compiled_count, compiled_error = _count(connection, compiled_sql)
        if api_sql is not None:
            api_count, api_error = _count(connection, api_sql)
        results.append(CountCheck(str(segment_id), compiled_count, api_count, compiled_error, api_error))
    return CheckReport(results)
