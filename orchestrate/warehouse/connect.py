"""Open a DB-API connection to a dbt target, for commands that read the marts (report, rules)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def connect(profile_target: dict[str, Any]) -> Iterator[Any]:
    """A DB-API connection whose default schema is the target's, closed on exit.

    Unqualified mart names (`<prefix>_ps_stats`) resolve in the target's schema on every engine.
    """
    kind = str(profile_target.get("type", "")).lower()
    if kind == "duckdb":
        import duckdb

        conn = duckdb.connect(str(profile_target["path"]), read_only=True)
        schema = profile_target.get("schema") or "main"
        conn.execute(f"set schema = '{str(schema).replace(chr(39), chr(39) * 2)}'")
    elif kind == "trino":
        import trino

        from orchestrate.http import register_secret

        register_secret(os.environ.get("TD_API_KEY"))  # the user on TD: redacted from any message
        host = str(profile_target.get("host") or "")
        td = "treasuredata" in host
        user = os.environ.get("TD_API_KEY", "") if td else str(profile_target.get("user") or "segment_analytics")
        conn = trino.dbapi.connect(
            host=host, port=int(profile_target.get("port") or 8080), user=user,
            catalog=str(profile_target.get("database") or profile_target.get("catalog")),
            schema=str(profile_target["schema"]), http_scheme=str(profile_target.get("http_scheme") or "http"),
        )
    else:
        raise ValueError(f"target type {kind!r} is not supported; use duckdb or trino")
    try:
        yield conn
    finally:
        conn.close()
