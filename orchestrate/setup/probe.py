"""Small, engine-neutral reads over a DB-API connection (DuckDB or Trino / Treasure Data): does a
schema or table exist, which columns does a table have, how many rows, sums of columns.

Names are always double-quoted (quotes doubled) and compared case-insensitively in
information_schema, so no name is ever pasted into SQL as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrate.http import redact


def sql_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def quoted(*parts: str | None) -> str:
    """`"a"."b"."c"` from the non-empty parts."""
    return ".".join('"' + str(p).replace('"', '""') + '"' for p in parts if p)


def first_line(exc: BaseException) -> str:
    """A driver error as one short, redacted line."""
    text = " ".join(redact(exc).split())
    return (text[:300] + "…") if len(text) > 300 else text


@dataclass(frozen=True)
class TableRef:
    """Where a behaviour table is: (database / catalog or None, schema, table)."""

    database: str | None
    schema: str
    table: str

    @property
    def sql(self) -> str:
        return quoted(self.database, self.schema, self.table)

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}"


def _rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def _catalog_filter(column: str, database: str | None) -> str:
    return f" and lower({column}) = lower({sql_literal(database)})" if database else ""


def _info_schema(database: str | None, dialect: str) -> str:
    """DuckDB has one information_schema for every attached database; Trino one per catalog."""
    return quoted(database, "information_schema") if database and dialect != "duckdb" else "information_schema"


def schema_exists(conn: Any, schema: str, database: str | None = None, *, dialect: str = "duckdb") -> bool:
    where = f"lower(schema_name) = lower({sql_literal(schema)})" + _catalog_filter("catalog_name", database)
    return bool(_rows(conn, f"select schema_name from {_info_schema(database, dialect)}.schemata where {where}"))


def table_columns(conn: Any, ref: TableRef, *, dialect: str = "duckdb") -> dict[str, str]:
    """lower-case column name -> its type name, in table order ({} when there is no such table)."""
    sql = (f"select column_name, data_type from {_info_schema(ref.database, dialect)}.columns "
           f"where lower(table_schema) = lower({sql_literal(ref.schema)}) "
           f"and lower(table_name) = lower({sql_literal(ref.table)})"
           f"{_catalog_filter('table_catalog', ref.database)} order by ordinal_position")
    return {str(name).lower(): str(kind).lower() for name, kind in _rows(conn, sql)}


NUMERIC_TYPES = ("tinyint", "smallint", "integer", "int", "bigint", "hugeint", "real", "float", "double",
                 "decimal", "numeric", "ubigint", "uinteger", "usmallint", "utinyint")


def is_numeric(type_name: str) -> bool:
    return type_name.split("(")[0].strip() in NUMERIC_TYPES


def count_and_sums(conn: Any, ref: TableRef, columns: list[str]) -> tuple[int, dict[str, float | None]]:
    """(row count, {column: sum}) in one scan."""
    sums = [f"sum(cast({quoted(c)} as double))" for c in columns]
    row = _rows(conn, f"select {', '.join(['count(*)', *sums])} from {ref.sql}")[0]
    return int(row[0]), {c: (None if v is None else float(v)) for c, v in zip(columns, row[1:], strict=True)}


def filter_problem(conn: Any, ref: TableRef, expression: str) -> str | None:
    """None when `select 1 from <table> where (<expression>)` is valid SQL there, else why not."""
    try:
        _rows(conn, f"select 1 from {ref.sql} where ({expression}) and 1 = 0")
    except Exception as exc:  # noqa: BLE001 - any driver error is the answer
        return first_line(exc)
    return None
