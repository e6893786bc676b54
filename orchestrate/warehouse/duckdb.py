"""DuckDB landing writer: one file, one transaction per pull."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from orchestrate.warehouse.base import (
    ACCUMULATED,
    REPLACED,
    TABLES,
    LandingBatch,
    LandingWriter,
    Row,
    row_values,
)
from orchestrate.warehouse.credentials import DuckDbParams
from orchestrate.warehouse.sql import quote_ident

ARROW_TYPES = {"varchar": pa.string(), "bigint": pa.int64(), "boolean": pa.bool_(), "date": pa.date32(),
               "timestamp": pa.timestamp("us")}
DUCK_TYPES = {"varchar": "varchar", "bigint": "bigint", "boolean": "boolean", "date": "date",
              "timestamp": "timestamp"}


class DuckDbLandingWriter(LandingWriter):
    """Writes the landing tables into `schema` of the DuckDB file at `path`."""

    def __init__(self, path: str | Path, schema: str = "main", settings: dict[str, Any] | None = None) -> None:
        self.path = str(path)
        self.schema = schema or "main"
        self.settings = dict(settings or {})  # the dbt target's `settings` (e.g. memory_limit)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        return DuckDbParams(self.path, self.schema, self.settings).connect()

    def _qualified(self, table: str) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(table)}"

    def _ddl(self, table: str, replace: bool) -> str:
        cols = ", ".join(f"{quote_ident(n)} {DUCK_TYPES[t]}" for n, t in TABLES[table])
        verb = "create or replace table" if replace else "create table if not exists"
        return f"{verb} {self._qualified(table)} ({cols})"

    def _table_exists(self, con: duckdb.DuckDBPyConnection, table: str) -> bool:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [self.schema, table],
        ).fetchone()
        return bool(found and found[0])

    def existing_sql_keys(self) -> set[tuple[str, str, str]]:
        table = "cdp_landing__segment_sql"
        with self._connect() as con:
            if not self._table_exists(con, table):
                return set()
            rows = con.execute(f"select ps_id, rule_hash, sql_source from {self._qualified(table)}").fetchall()
        return {(str(a), str(b), str(c)) for a, b, c in rows}

    def compiled_sql(self) -> dict[tuple[str, str], str | None]:
        table = "cdp_landing__segment_sql"
        with self._connect() as con:
            if not self._table_exists(con, table):
                return {}
            rows = con.execute(
                f"select ps_id, rule_hash, segment_sql from {self._qualified(table)} where sql_source = 'compiler'"
            ).fetchall()
        return {(str(a), str(b)): c for a, b, c in rows}

    def statistics_max_dates(self) -> dict[tuple[str, str], date]:
        table = "cdp_landing__segment_statistics"
        with self._connect() as con:
            if not self._table_exists(con, table):
                return {}
            rows = con.execute(
                f"select ps_id, segment_id, max(stat_date) from {self._qualified(table)} group by 1, 2"
            ).fetchall()
        return {(str(a), str(b)): c for a, b, c in rows}

    def successful_run_dates(self) -> set[date]:
        table = "cdp_landing__pull_runs"
        with self._connect() as con:
            if not self._table_exists(con, table):
                return set()
            rows = con.execute(
                f"select distinct run_date from {self._qualified(table)} where status like 'success%'"
            ).fetchall()
        return {row[0] for row in rows if row[0] is not None}

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, rows: list[Row]) -> None:
        """Bulk insert through an Arrow table with the exact column types (executemany is slow)."""
        if not rows:
            return
        values = [row_values(table, r) for r in rows]
        columns = TABLES[table]
        arrow = pa.table(
            {name: pa.array([v[i] for v in values], type=ARROW_TYPES[kind]) for i, (name, kind) in enumerate(columns)}
        )
        con.register("landing_rows", arrow)
        try:
            con.execute(f"insert into {self._qualified(table)} select * from landing_rows")
        finally:
            con.unregister("landing_rows")

    def write(self, batch: LandingBatch) -> None:
        with self._connect() as con:
            con.execute("begin transaction")
            try:
                con.execute(f"create schema if not exists {quote_ident(self.schema)}")
                for table in REPLACED:
                    con.execute(self._ddl(table, replace=True))
                    self._insert(con, table, batch.rows(table))
                for table in ACCUMULATED:
                    con.execute(self._ddl(table, replace=False))
                    if table == "cdp_landing__segment_sql":
                        for key in batch.replaced_sql_keys:
                            con.execute(f"delete from {self._qualified(table)} where ps_id = ? and rule_hash = ? "
                                        "and sql_source = ?", list(key))
                    self._insert(con, table, batch.rows(table))
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise

    def append_pull_run(self, row: Row) -> None:
        table = "cdp_landing__pull_runs"
        with self._connect() as con:
            con.execute("begin transaction")
            try:
                con.execute(f"create schema if not exists {quote_ident(self.schema)}")
                con.execute(self._ddl(table, replace=False))
                self._insert(con, table, [row])
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
