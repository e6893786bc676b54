"""Run compiled rule SQL on a DB-API connection (DuckDB or Trino) over a loaded Dataset.

`DbApiRulesExecutor(connection, dialect)` creates schema `cdp_audience_<id>` with the customers and
behaviour tables of a Dataset (in the connection's current catalog), then `member_ids(sql)` runs a
compiled statement and returns the selected customer keys.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Protocol

from tests.rules_oracle.dataset import Dataset, Table


class RulesExecutor(Protocol):
    dialect: str

    def load(self, data: Dataset) -> None: ...

    def member_ids(self, sql: str) -> set[str]: ...


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type(name: str, dialect: str) -> str:
    if name.endswith("[]") and dialect == "trino":
        return f"array({name[:-2]})"
    return name


def _scalar(value: object, kind: str) -> str:
    if value is None:
        return f"cast(null as {kind})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return "timestamp '" + value.strftime("%Y-%m-%d %H:%M:%S.%f") + "'"
    if isinstance(value, int) and kind == "bigint":
        return str(value)
    if isinstance(value, int | float):
        assert math.isfinite(value)
        return f"cast('{float(value)!r}' as double)"
    assert isinstance(value, str)
    return "'" + value.replace("'", "''") + "'"


def _cell(value: object, kind: str, dialect: str) -> str:
    if kind.endswith("[]"):
        if value is None:
            return f"cast(null as {_type(kind, dialect)})"
        inner = kind[:-2]
        items = ", ".join(_scalar(v, inner) for v in value)  # type: ignore[union-attr]
        return f"cast(array[{items}] as {_type(kind, dialect)})"
    return _scalar(value, kind)


class DbApiRulesExecutor:
    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self._created: list[str] = []
        self._schemas: list[str] = []

    def _run(self, sql: str) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            close = getattr(cursor, "close", None)
            if close is not None:
                close()

    def _drop(self) -> None:
        for table in self._created:
            self._run(f"drop table if exists {table}")
        for schema in self._schemas:
            self._run(f"drop schema if exists {schema}")
        self._created, self._schemas = [], []

    def _table(self, schema: str, name: str, table: Table) -> None:
        full = f"{schema}.{_q(name)}"
        columns = ", ".join(f"{_q(c)} {_type(t, self.dialect)}" for c, t in table.columns.items())
        self._run(f"create table {full} ({columns})")
        self._created.append(full)
        if table.rows:
            values = ", ".join(
                "(" + ", ".join(_cell(row.get(c), t, self.dialect) for c, t in table.columns.items()) + ")"
                for row in table.rows
            )
            self._run(f"insert into {full} values {values}")

    def load(self, data: Dataset) -> None:
        self._drop()
        schema = _q(f"cdp_audience_{data.audience_id}")
        self._run(f"create schema if not exists {schema}")
        self._schemas.append(schema)
        self._table(schema, "customers", data.customers)
        for name, table in data.behaviors.items():
            self._table(schema, name, table)

    def member_ids(self, sql: str) -> set[str]:
        rows = self._run(f'select s."cdp_customer_id" from ({sql}) s')
        keys = [row[0] for row in rows]
        assert len(keys) == len(set(keys)), "compiled SQL returned a profile twice"
        return set(keys)

    def close(self) -> None:
        self._drop()
