"""A landing writer for engines driven by SQL text (Trino DBAPI, Treasure Data over the same Trino connection).

Neither engine has a transaction across tables, so a pull becomes visible through one statement:
readers (the stg_cdp__* models, `sa_landed_pull()`) show the replaced tables' rows of the latest
pull whose `pull_runs` row says `success…`. Order of work, so that a kill at any point leaves readers
the previous landing or the new one, complete, never a mix:

1. prepare: create missing tables; drop rows a killed earlier attempt of this same pull left;
2. land: insert the pull's rows into the replaced tables beside the previous pull's (invisible:
   no `success` row names this pull yet), and append the accumulating tables' new rows;
3. commit: insert this pull's `pull_runs` row, one statement, last: the switch;
4. tidy: delete the replaced tables' rows of other pulls, the segment_sql rows this pull's rows
   supersede, and tables of the old rename-based writer (`<table>__new` / `__old`). A failure here
   raises `LandedUntidiedError`: the pull is landed, and what is left behind is never read.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orchestrate.warehouse.base import (
    ACCUMULATED,
    REPLACED,
    TABLES,
    LandedUntidiedError,
    LandingBatch,
    LandingWriter,
    Row,
    WarehouseError,
    row_values,
    warehouse_error,
)
from orchestrate.warehouse.sql import (
    MAX_STATEMENT_CHARS,
    create_table_sql,
    delete_other_pulls_sql,
    delete_pull_sql,
    delete_superseded_sql,
    insert_sql,
    qualified,
    quote_ident,
)

PULL_RUNS = "cdp_landing__pull_runs"
SEGMENT_SQL = "cdp_landing__segment_sql"
LEGACY_SUFFIXES = ("__new", "__old")


@dataclass
class LandingPlan:
    """The statements of one write, by phase (see the module docstring)."""

    prepare: list[str] = field(default_factory=list)
    land: list[str] = field(default_factory=list)
    commit: list[str] = field(default_factory=list)
    tidy: list[str] = field(default_factory=list)

    def statements(self) -> list[str]:
        return [*self.prepare, *self.land, *self.commit, *self.tidy]


class StatementLandingWriter(LandingWriter):
    """Shared logic; subclasses only say how to run one statement."""

    dialect = "trino"
    max_statement_chars = MAX_STATEMENT_CHARS  # each INSERT stays under this (TD's limit is 1,000,000)

    def __init__(self, catalog: str | None, schema: str) -> None:
        self.catalog = catalog
        self.schema = schema

    @abstractmethod
    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows (empty for DDL/DML)."""

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        """`execute`, with any driver error re-raised as a WarehouseError holding no secret."""
        try:
            return self.execute(sql)
        except Exception as exc:  # noqa: BLE001 - the driver raises its own classes
            raise warehouse_error(f"{self.dialect} statement failed", exc, sql) from None

    def target(self, table: str) -> str:
        return qualified(self.catalog, self.schema, table)

    def existing_tables(self) -> set[str]:
        prefix = f"{quote_ident(self.catalog)}." if self.catalog else ""
        schema = self.schema.replace("'", "''")
        rows = self.run(
            f"select table_name from {prefix}information_schema.tables where table_schema = '{schema}'"
        )
        return {str(r[0]) for r in rows}

    def existing_sql_keys(self) -> set[tuple[str, str, str]]:
        if "cdp_landing__segment_sql" not in self.existing_tables():
            return set()
        rows = self.run(f"select ps_id, rule_hash, sql_source from {self.target('cdp_landing__segment_sql')}")
        return {(str(a), str(b), str(c)) for a, b, c in rows}

    def compiled_sql(self) -> dict[tuple[str, str], str | None]:
        table = "cdp_landing__segment_sql"
        if table not in self.existing_tables():
            return {}
        rows = self.run(
            f"select ps_id, rule_hash, segment_sql from {self.target(table)} where sql_source = 'compiler' "
            "order by fetched_at nulls first"
        )
        return {(str(a), str(b)): c for a, b, c in rows}  # the newest row of a key wins

    def statistics_max_dates(self) -> dict[tuple[str, str], date]:
        table = "cdp_landing__segment_statistics"
        if table not in self.existing_tables():
            return {}
        rows = self.run(
            f"select ps_id, segment_id, cast(max(stat_date) as varchar) from {self.target(table)} group by 1, 2"
        )
        return {(str(a), str(b)): date.fromisoformat(str(c)[:10]) for a, b, c in rows if c is not None}

    def successful_run_dates(self) -> set[date]:
        table = "cdp_landing__pull_runs"
        if table not in self.existing_tables():
            return set()
        rows = self.run(
            f"select distinct cast(run_date as varchar) from {self.target(table)} where status like 'success%'"
        )
        return {date.fromisoformat(str(r[0])[:10]) for r in rows if r[0] is not None}

    def statements_for(self, batch: LandingBatch, existing: set[str]) -> LandingPlan:
        """The statements that land `batch`, given the tables that exist now."""
        plan = LandingPlan()
        pull_id = batch.pull_id
        for table in TABLES:
            if table not in existing:
                plan.prepare.append(create_table_sql(self.target(table), table, self.dialect, if_not_exists=True))
        for table in REPLACED:
            if table in existing:
                plan.prepare.append(delete_pull_sql(self.target(table), pull_id, self.dialect))
        for table in (*REPLACED, *ACCUMULATED):
            if table == PULL_RUNS:
                continue
            rows = [row_values(table, r) for r in batch.rows(table)]
            plan.land.extend(insert_sql(self.target(table), table, rows, self.dialect, self.max_statement_chars))
        plan.commit.extend(insert_sql(self.target(PULL_RUNS), PULL_RUNS,
                                      [row_values(PULL_RUNS, r) for r in batch.rows(PULL_RUNS)], self.dialect))
        for table in REPLACED:
            if table in existing:
                plan.tidy.append(delete_other_pulls_sql(self.target(table), pull_id, self.dialect))
        superseded = self._superseded_keys(batch)
        if superseded and SEGMENT_SQL in existing:
            plan.tidy.extend(delete_superseded_sql(self.target(SEGMENT_SQL), superseded, self.dialect))
        for table in REPLACED:
            for suffix in LEGACY_SUFFIXES:
                if table + suffix in existing:
                    plan.tidy.append(f"drop table if exists {self.target(table + suffix)}")
        return plan

    @staticmethod
    def _superseded_keys(batch: LandingBatch) -> list[tuple[str, str, str, Any]]:
        """(ps_id, rule_hash, sql_source, fetched_at of the new row) of each replaced segment_sql key."""
        new_rows = {(r.get("ps_id"), r.get("rule_hash"), r.get("sql_source")): r.get("fetched_at")
                    for r in batch.segment_sql}
        return [(*key, new_rows[key]) for key in batch.replaced_sql_keys if new_rows.get(key) is not None]

    def ensure_schema(self) -> None:
        prefix = f"{quote_ident(self.catalog)}." if self.catalog else ""
        self.run(f"create schema if not exists {prefix}{quote_ident(self.schema)}")

    def write(self, batch: LandingBatch) -> None:
        if len(batch.rows(PULL_RUNS)) != 1:
            raise ValueError(f"pull {batch.pull_id}: a landing batch needs exactly one pull_runs row")
        self.ensure_schema()
        plan = self.statements_for(batch, self.existing_tables())
        for sql in (*plan.prepare, *plan.land, *plan.commit):
            self.run(sql)
        try:
            for sql in plan.tidy:
                self.run(sql)
        except WarehouseError as exc:
            raise LandedUntidiedError(f"pull {batch.pull_id} landed, but tidying up after it failed: {exc}") from None

    def append_pull_run(self, row: Row) -> None:
        self.ensure_schema()
        statements = [create_table_sql(self.target(PULL_RUNS), PULL_RUNS, self.dialect, if_not_exists=True)]
        statements.extend(insert_sql(self.target(PULL_RUNS), PULL_RUNS, [row_values(PULL_RUNS, row)], self.dialect))
        for sql in statements:
            self.run(sql)


class DbapiStatementWriter(StatementLandingWriter):
    """A statement writer over one DBAPI connection, `self.params.connect()`, opened on first use
    (the Trino and Treasure Data writers: both reach the server as the dbt target does)."""

    params: Any
    _conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self.params.connect()
        return self._conn

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql)
            return [tuple(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
