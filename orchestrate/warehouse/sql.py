"""SQL text shared by the Trino and Treasure Data writers: DDL, literal INSERTs, the tidy-up DELETEs.

Values are rendered as SQL literals (no prepared statements: TD's Trino runs with them off);
strings are quoted with doubled single quotes, so names with quotes or unicode never break a
statement.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from orchestrate.warehouse.base import TABLES

TRINO_TYPES = {"varchar": "varchar", "bigint": "bigint", "boolean": "boolean", "date": "date",
               "timestamp": "timestamp(6)"}
# Treasure Data's tables store string/long/double (and arrays); dates and timestamps land as
# ISO-8601 strings, booleans as booleans (stored by TD as long 0/1 when read back through Hive).
TD_TYPES = {"varchar": "varchar", "bigint": "bigint", "boolean": "boolean", "date": "varchar",
            "timestamp": "varchar"}

MAX_STATEMENT_CHARS = 900_000


def quote_ident(name: str) -> str:
    """A double-quoted identifier ("" doubled inside)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"identifier must be a non-empty string, not {name!r}")
    return '"' + name.replace('"', '""') + '"'


def qualified(catalog: str | None, schema: str, table: str) -> str:
    parts = [p for p in (catalog, schema, table) if p]
    return ".".join(quote_ident(p) for p in parts)


def literal(value: Any, logical_type: str, dialect: str = "trino") -> str:
    """A value as a SQL literal of the column's type ('trino' or 'td' dialect)."""
    if value is None:
        return "null"
    if logical_type == "boolean":
        return "true" if bool(value) else "false"
    if logical_type == "bigint":
        if isinstance(value, float) and not math.isfinite(value):
            return "null"
        return str(int(value))
    if logical_type in {"date", "timestamp"} and dialect == "td":
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
        return _string(text)
    if logical_type == "date":
        return f"date {_string(value.isoformat() if isinstance(value, date) else str(value))}"
    if logical_type == "timestamp":
        text = value.replace(tzinfo=None).isoformat(sep=" ") if isinstance(value, datetime) else str(value)
        return f"timestamp {_string(text)}"
    return _string(str(value))


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table_sql(target: str, table: str, dialect: str = "trino", *, if_not_exists: bool = False) -> str:
    types = TD_TYPES if dialect == "td" else TRINO_TYPES
    cols = ", ".join(f"{quote_ident(n)} {types[t]}" for n, t in TABLES[table])
    guard = "if not exists " if if_not_exists else ""
    return f"create table {guard}{target} ({cols})"


def insert_sql(target: str, table: str, rows: Sequence[Sequence[Any]], dialect: str = "trino",
               max_chars: int = MAX_STATEMENT_CHARS) -> Iterator[str]:
    """INSERT ... VALUES statements, each under `max_chars`."""
    columns = TABLES[table]
    head = f"insert into {target} ({', '.join(quote_ident(n) for n, _ in columns)}) values "
    chunk: list[str] = []
    size = len(head)
    for values in rows:
        tup = "(" + ", ".join(literal(v, t, dialect) for v, (_, t) in zip(values, columns, strict=True)) + ")"
        if chunk and size + len(tup) + 2 > max_chars:
            yield head + ", ".join(chunk)
            chunk, size = [], len(head)
        chunk.append(tup)
        size += len(tup) + 2
    if chunk:
        yield head + ", ".join(chunk)


def delete_other_pulls_sql(target: str, pull_id: str, dialect: str = "trino") -> str:
    """DELETE of every row of a replaced table that is not `pull_id`'s (after that pull is visible)."""
    return f"delete from {target} where pull_id is null or pull_id <> {literal(pull_id, 'varchar', dialect)}"


def delete_pull_sql(target: str, pull_id: str, dialect: str = "trino") -> str:
    """DELETE of a pull's own rows (a retried write of the same pull starts clean)."""
    return f"delete from {target} where pull_id = {literal(pull_id, 'varchar', dialect)}"


def delete_superseded_sql(target: str, keys: Sequence[tuple[str, str, str, Any]], dialect: str = "trino",
                          chunk: int = 200) -> Iterator[str]:
    """DELETEs of segment_sql rows of (ps_id, rule_hash, sql_source) keys that a newer row (fetched at
    the fourth value) replaces; that newer row itself is kept. `chunk` keys per statement."""
    for start in range(0, len(keys), chunk):
        conds = [
            f"(ps_id = {literal(a, 'varchar', dialect)} and rule_hash = {literal(b, 'varchar', dialect)} "
            f"and sql_source = {literal(c, 'varchar', dialect)} "
            f"and (fetched_at is null or fetched_at <> {literal(at, 'timestamp', dialect)}))"
            for a, b, c, at in keys[start:start + chunk]
        ]
        yield f"delete from {target} where " + " or ".join(conds)
