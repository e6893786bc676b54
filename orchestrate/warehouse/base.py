"""Landing tables (docs/architecture.md) and the writer interface every warehouse implements.

Replaced tables (parent segments, folders, segments) show readers one complete pull: the latest one
whose `pull_runs` row says `success…`, and that row is the last thing a pull writes. Accumulating
tables only ever receive new rows (`segment_sql`, `segment_statistics`, `pull_runs`).

No registered secret (the API key) is ever written: every string value is redacted on its way into
a row, and warehouse errors are re-raised with secrets redacted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import redact

# Logical column types: varchar, bigint, boolean, date, timestamp.
Columns = tuple[tuple[str, str], ...]

AUDIT: Columns = (("pull_id", "varchar"), ("run_date", "date"), ("fetched_at", "timestamp"))

TABLES: dict[str, Columns] = {
    "cdp_landing__parent_segments": (
        ("ps_id", "varchar"), ("ps_name", "varchar"), ("api_version", "varchar"),
        ("root_folder_id", "varchar"), ("population", "bigint"), ("timezone", "varchar"),
        ("updated_at", "varchar"), ("raw_json", "varchar"), ("payload_hash", "varchar"), *AUDIT,
    ),
    "cdp_landing__folders": (
        ("folder_id", "varchar"), ("ps_id", "varchar"), ("parent_folder_id", "varchar"),
        ("folder_name", "varchar"), ("api_version", "varchar"), ("raw_json", "varchar"),
        ("payload_hash", "varchar"), *AUDIT,
    ),
    "cdp_landing__segments": (
        ("segment_id", "varchar"), ("ps_id", "varchar"), ("folder_id", "varchar"),
        ("segment_name", "varchar"), ("api_version", "varchar"), ("segment_kind", "varchar"),
        ("realtime", "boolean"), ("population", "bigint"), ("rule_json", "varchar"),
        ("rule_hash", "varchar"), ("rule_conditions", "varchar"), ("created_at", "varchar"),
        ("updated_at", "varchar"), ("updated_by", "varchar"), ("raw_json", "varchar"),
        ("payload_hash", "varchar"), *AUDIT,
    ),
    "cdp_landing__segment_sql": (
        ("ps_id", "varchar"), ("rule_hash", "varchar"), ("sql_source", "varchar"), ("dialect", "varchar"),
        ("segment_sql", "varchar"), ("error", "varchar"), ("fetched_at", "timestamp"),
    ),
    "cdp_landing__segment_statistics": (
        ("ps_id", "varchar"), ("segment_id", "varchar"), ("stat_date", "date"), ("population", "bigint"),
        ("measured", "boolean"), ("fetched_at", "timestamp"),
    ),
    "cdp_landing__pull_runs": (
        ("pull_id", "varchar"), ("run_date", "date"), ("started_at", "timestamp"),
        ("finished_at", "timestamp"), ("status", "varchar"), ("api_versions", "varchar"),
        ("parent_segments", "bigint"), ("folders", "bigint"), ("segments", "bigint"),
        ("requests", "bigint"), ("problems", "varchar"),
    ),
}

REPLACED = ("cdp_landing__parent_segments", "cdp_landing__folders", "cdp_landing__segments")
ACCUMULATED = ("cdp_landing__segment_sql", "cdp_landing__segment_statistics", "cdp_landing__pull_runs")

Row = dict[str, Any]


@dataclass
class LandingBatch:
    """Everything one pull lands, fetched in full before any write."""

    pull_id: str
    run_date: date
    fetched_at: datetime
    parent_segments: list[Row] = field(default_factory=list)
    folders: list[Row] = field(default_factory=list)
    segments: list[Row] = field(default_factory=list)
    segment_sql: list[Row] = field(default_factory=list)
    segment_statistics: list[Row] = field(default_factory=list)
    pull_run: Row = field(default_factory=dict)
    # (ps_id, rule_hash, sql_source) of segment_sql rows that replace an existing row (a recompiled
    # rule whose SQL changed, e.g. relative time windows moving with the run date).
    replaced_sql_keys: list[tuple[str, str, str]] = field(default_factory=list)

    def rows(self, table: str) -> list[Row]:
        return {
            "cdp_landing__parent_segments": self.parent_segments,
            "cdp_landing__folders": self.folders,
            "cdp_landing__segments": self.segments,
            "cdp_landing__segment_sql": self.segment_sql,
            "cdp_landing__segment_statistics": self.segment_statistics,
            "cdp_landing__pull_runs": [self.pull_run] if self.pull_run else [],
        }[table]


class TargetError(SegmentAnalyticsError, ValueError):
    """A dbt target the pull cannot write to."""


class WarehouseError(TargetError):
    """A warehouse statement failed; the message names the statement and never holds a secret."""


class LandedUntidiedError(WarehouseError):
    """The pull *was* landed (its `pull_runs` row, the switch, is written), but tidying up after it
    failed. Readers see the new landing: the rows left behind (another pull's rows in the replaced
    tables, a superseded segment_sql row) are never read, and the next pull's tidy-up deletes the
    other pulls' rows."""


def _no_secret(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def row_values(table: str, row: Row) -> tuple[Any, ...]:
    """A row's values in the table's column order (strings with any registered secret redacted);
    unknown columns are an error, missing ones are null."""
    columns = TABLES[table]
    extra = set(row) - {name for name, _ in columns}
    if extra:
        raise ValueError(f"{table}: unknown column(s) {sorted(extra)}")
    return tuple(_no_secret(row.get(name)) for name, _ in columns)


def warehouse_error(what: str, exc: BaseException, sql: str | None = None) -> WarehouseError:
    """A WarehouseError for `exc` (raise it `from None`: the original may hold a secret)."""
    detail = f"{what}: {type(exc).__name__}: {redact(exc)}"
    if sql is not None:
        head = " ".join(sql.split())[:200]
        detail += f" (statement: {redact(head)}{'…' if len(sql) > 200 else ''})"
    return WarehouseError(detail)


class LandingWriter(ABC):
    """Reads what the pull needs to skip work, and lands one batch atomically."""

    schema: str

    @abstractmethod
    def existing_sql_keys(self) -> set[tuple[str, str, str]]:
        """(ps_id, rule_hash, sql_source) of segment_sql rows that already hold SQL or an API answer."""

    @abstractmethod
    def compiled_sql(self) -> dict[tuple[str, str], str | None]:
        """(ps_id, rule_hash) → the compiler's SQL as landed (None when it failed)."""

    @abstractmethod
    def statistics_max_dates(self) -> dict[tuple[str, str], date]:
        """(ps_id, segment_id) → latest stat_date already landed."""

    @abstractmethod
    def successful_run_dates(self) -> set[date]:
        """Run dates of landed pulls that succeeded (their populations cover those days)."""

    @abstractmethod
    def write(self, batch: LandingBatch) -> None:
        """Replace the replaced tables and append to the accumulating ones (rows of
        `batch.replaced_sql_keys` replace their old segment_sql row), all or nothing."""

    @abstractmethod
    def append_pull_run(self, row: Row) -> None:
        """Record a pull (e.g. a failed one) without touching any other table."""
