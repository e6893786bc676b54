"""A landing writer for engines driven by SQL text (Trino DBAPI, Treasure Data via pytd).

Order of work, so that a failure leaves the previous landing in place:
1. write every replaced table fully into `<table>__new` (a failure here touches nothing live);
2. append the new rows of the accumulating tables (rows keyed by what was not there before);
3. swap each `<table>__new` into place by rename.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date
from typing import Any

from orchestrate.warehouse.base import ACCUMULATED, REPLACED, LandingBatch, LandingWriter, Row, row_values
from orchestrate.warehouse.sql import (
    create_table_sql,
    delete_keys_sql,
    insert_sql,
    qualified,
    quote_ident,
    swap_sql,
)


class StatementLandingWriter(LandingWriter):
    """Shared logic; subclasses only say how to run one statement."""

    dialect = "trino"

    def __init__(self, catalog: str | None, schema: str) -> None:
        self.catalog = catalog
        self.schema = schema

    @abstractmethod
    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows (empty for DDL/DML)."""

    def target(self, table: str) -> str:
        return qualified(self.catalog, self.schema, table)

    def existing_tables(self) -> set[str]:
        prefix = f"{quote_ident(self.catalog)}." if self.catalog else ""
        schema = self.schema.replace("'", "''")
        rows = self.execute(
            f"select table_name from {prefix}information_schema.tables where table_schema = '{schema}'"
        )
        return {str(r[0]) for r in rows}

    def existing_sql_keys(self) -> set[tuple[str, str, str]]:
        if "cdp_landing__segment_sql" not in self.existing_tables():
            return set()
        rows = self.execute(f"select ps_id, rule_hash, sql_source from {self.target('cdp_landing__segment_sql')}")
        return {(str(a), str(b), str(c)) for a, b, c in rows}

    def compiled_sql(self) -> dict[tuple[str, str], str | None]:
        table = "cdp_landing__segment_sql"
        if table not in self.existing_tables():
            return {}
        rows = self.execute(
            f"select ps_id, rule_hash, segment_sql from {self.target(table)} where sql_source = 'compiler'"
        )
        return {(str(a), str(b)): c for a, b, c in rows}

    def statistics_max_dates(self) -> dict[tuple[str, str], date]:
        table = "cdp_landing__segment_statistics"
        if table not in self.existing_tables():
            return {}
        rows = self.execute(
            f"select ps_id, segment_id, cast(max(stat_date) as varchar) from {self.target(table)} group by 1, 2"
        )
        return {(str(a), str(b)): date.fromisoformat(str(c)[:10]) for a, b, c in rows if c is not None}

    def successful_run_dates(self) -> set[date]:
        table = "cdp_landing__pull_runs"
        if table not in self.existing_tables():
            return set()
        rows = self.execute(
            f"select distinct cast(run_date as varchar) from {self.target(table)} where status like 'success%'"
        )
        return {date.fromisoformat(str(r[0])[:10]) for r in rows if r[0] is not None}

    def statements_for(self, batch: LandingBatch, existing: set[str]) -> tuple[list[str], list[str], list[str]]:
        """(stage, append, swap) statements for a batch, given the tables that exist now."""
        stage: list[str] = []
        for table in REPLACED:
            new = self.target(f"{table}__new")
            stage.append(f"drop table if exists {new}")
            stage.append(create_table_sql(new, table, self.dialect))
            stage.extend(insert_sql(new, table, [row_values(table, r) for r in batch.rows(table)], self.dialect))
        append: list[str] = []
        for table in ACCUMULATED:
            if table not in existing:
                append.append(create_table_sql(self.target(table), table, self.dialect, if_not_exists=True))
            if table == "cdp_landing__segment_sql" and table in existing and batch.replaced_sql_keys:
                append.extend(delete_keys_sql(self.target(table), batch.replaced_sql_keys, self.dialect))
            rows = [row_values(table, r) for r in batch.rows(table)]
            append.extend(insert_sql(self.target(table), table, rows, self.dialect))
        swap: list[str] = []
        for table in REPLACED:
            swap.extend(swap_sql(self.catalog, self.schema, table, table in existing))
        return stage, append, swap

    def ensure_schema(self) -> None:
        prefix = f"{quote_ident(self.catalog)}." if self.catalog else ""
        self.execute(f"create schema if not exists {prefix}{quote_ident(self.schema)}")

    def write(self, batch: LandingBatch) -> None:
        self.ensure_schema()
        stage, append, swap = self.statements_for(batch, self.existing_tables())
        for sql in [*stage, *append, *swap]:
            self.execute(sql)

    def append_pull_run(self, row: Row) -> None:
        self.ensure_schema()
        table = "cdp_landing__pull_runs"
        statements = [create_table_sql(self.target(table), table, self.dialect, if_not_exists=True)]
        statements.extend(insert_sql(self.target(table), table, [row_values(table, row)], self.dialect))
        for sql in statements:
            self.execute(sql)
