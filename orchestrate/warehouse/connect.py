"""Open a DB-API connection to a dbt target, for commands that read the marts (report, rules,
publish, doctor): the same credentials dbt uses (orchestrate/warehouse/credentials.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from orchestrate.warehouse.base import TargetError
from orchestrate.warehouse.credentials import duckdb_params, trino_params


@contextlib.contextmanager
def connect(profile_target: dict[str, Any]) -> Iterator[Any]:
    """A DB-API connection whose default schema is the target's, closed on exit.

    Unqualified mart names (`<prefix>_ps_stats`) resolve in the target's schema on every engine.
    """
    kind = str(profile_target.get("type", "")).lower()
    if kind == "duckdb":
        params = duckdb_params(profile_target)
        conn = params.connect(read_only=True)
        conn.execute(f"set schema = '{params.schema.replace(chr(39), chr(39) * 2)}'")
    elif kind == "trino":
        conn = trino_params(profile_target).connect()
    else:
        raise TargetError(f"target type {kind!r} is not supported; use duckdb or trino")
    try:
        yield conn
    finally:
        conn.close()
