"""Landing tables (docs/architecture.md) and the writer interface every warehouse implements.

Replaced tables hold the latest pull only and are swapped in atomically; accumulating tables only
ever receive new rows (`segment_sql`, `segment_statistics`, `pull_runs`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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


def row_values(table: str, row: Row) -> tuple[Any, ...]:
    """A row's values in the table's column order; unknown or missing columns are an error."""
    columns = TABLES[table]
    extra = set(row) - {name for name, _ in columns}
    if extra:
        raise ValueError(f"{table}: unknown column(s) {sorted(extra)}")
    return tuple(row.get(name) for name, _ in columns)


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
