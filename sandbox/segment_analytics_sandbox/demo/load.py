"""Write the demo's tables to DuckDB (bulk, through newline-delimited JSON) or to Trino (DB-API).

Both writers replace each table wholesale, so loading run date after run date is idempotent.
Identifiers are quoted and every value is rendered as an escaped literal or bound parameter:
names and values with quotes or unicode never break the SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from segment_analytics_sandbox.demo.model import Column
from segment_analytics_sandbox.demo.tables import Table

DUCKDB_TYPES = {"string": "varchar", "long": "bigint", "int": "integer", "double": "double",
                "boolean": "boolean", "timestamp": "timestamp", "string_array": "varchar[]"}
TRINO_TYPES = {"string": "varchar", "long": "bigint", "int": "integer", "double": "double",
               "boolean": "boolean", "timestamp": "timestamp(6)", "string_array": "array(varchar)"}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _utc_wall_clock(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


# --------------------------------------------------------------------------- DuckDB

def load_duckdb(conn: Any, tables: Iterable[Table]) -> dict[str, int]:
    """Replace (or, for `append` tables, extend) every table in one transaction.

    Returns `schema.table -> rows written`.
    """
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="sa_demo_") as tmp:
        files = [(t, _write_csv(Path(tmp), i, t)) for i, t in enumerate(tables)]
        conn.execute("begin transaction")
        try:
            for table, path in files:
                conn.execute(f"create schema if not exists {quote_ident(table.schema)}")
                for sql in _duckdb_load_sql(conn, table, path):
                    conn.execute(sql)
                counts[f"{table.schema}.{table.name}"] = len(table.rows)
            conn.execute("commit")
        except Exception:
            conn.execute("rollback")
            raise
    return counts


def _csv_field(value: Any) -> str:
    """A CSV field: every value quoted, NULL as an empty unquoted field (so '' and NULL differ)."""
    if value is None:
        return ""
    return '"' + str(_csv_value(value)).replace('"', '""') + '"'


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _utc_wall_clock(value)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _write_csv(folder: Path, index: int, table: Table) -> Path:
    path = folder / f"t{index}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.writelines(",".join(_csv_field(v) for v in row) + "\n" for row in table.rows)
    return path


def _duckdb_cast(column: Column) -> str:
    name = quote_ident(column.name)
    if column.type == "string":
        return name
    if column.type == "string_array":
        return f"cast(from_json({name}, '[\"VARCHAR\"]') as varchar[]) as {name}"
    return f"cast({name} as {DUCKDB_TYPES[column.type]}) as {name}"


def _duckdb_load_sql(conn: Any, table: Table, path: Path) -> list[str]:
    target = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    cols = ", ".join(f"{quote_ident(c.name)} {DUCKDB_TYPES[c.type]}" for c in table.columns)
    exists = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [table.schema, table.name],
    ).fetchone()[0]
    statements = [] if (table.append and exists) else [f"create or replace table {target} ({cols})"]
    if table.rows:
        spec = ", ".join(f"{quote_string(c.name)}: 'varchar'" for c in table.columns)
        select = ", ".join(_duckdb_cast(c) for c in table.columns)
        statements.append(
            f"insert into {target} select {select} from read_csv({quote_string(str(path))}, "
            f"header = false, quote = '\"', escape = '\"', allow_quoted_nulls = false, "
            f"columns = {{{spec}}})"
        )
    return statements


# --------------------------------------------------------------------------- Trino


def trino_literal(value: Any, column: Column) -> str:
    """A Trino SQL literal for one value of `column`'s logical type."""
    if value is None:
        return "null"
    kind = column.type
    if kind == "string":
        return quote_string(str(value))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("long", "int"):
        return str(int(value))
    if kind == "double":
        return f"double {quote_string(repr(float(value)))}"
    if kind == "timestamp":
        return f"timestamp {quote_string(_utc_wall_clock(value))}"
    if kind == "string_array":
        if not value:
            return "cast(array[] as array(varchar))"
        return "array[" + ", ".join(quote_string(str(v)) for v in value) + "]"
    raise ValueError(f"column {column.name!r}: unknown type {kind!r}")


def load_trino(conn: Any, tables: Iterable[Table], *, catalog: str, batch_rows: int = 500) -> dict[str, int]:
    """Drop, create and fill (or, for `append` tables, extend) every table through a DB-API connection."""
    counts: dict[str, int] = {}
    cur = conn.cursor()
    for table in tables:
        schema = f"{quote_ident(catalog)}.{quote_ident(table.schema)}"
        target = f"{schema}.{quote_ident(table.name)}"
        _run(cur, f"create schema if not exists {schema}")
        cols = ", ".join(f"{quote_ident(c.name)} {TRINO_TYPES[c.type]}" for c in table.columns)
        if table.append:
            _run(cur, f"create table if not exists {target} ({cols})")
        else:
            _run(cur, f"drop table if exists {target}")
            _run(cur, f"create table {target} ({cols})")
        for start in range(0, len(table.rows), batch_rows):
            _run(cur, _trino_insert_sql(target, table.columns, table.rows[start:start + batch_rows]))
        counts[f"{table.schema}.{table.name}"] = len(table.rows)
    return counts


def _trino_insert_sql(target: str, columns: Sequence[Column], rows: Sequence[tuple[Any, ...]]) -> str:
    values = ",\n".join(
        "(" + ", ".join(trino_literal(v, c) for v, c in zip(row, columns, strict=True)) + ")" for row in rows
    )
    return f"insert into {target} values\n{values}"


def _run(cur: Any, sql: str) -> None:
    cur.execute(sql)
    cur.fetchall()  # the trino client runs a statement to completion only when its result is read
