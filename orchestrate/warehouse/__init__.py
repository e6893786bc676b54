"""Landing writers; `for_target` picks one from a dbt profile output."""

from __future__ import annotations

import os
from typing import Any

from orchestrate.http import register_secret
from orchestrate.warehouse.base import LandingBatch, LandingWriter, TargetError, WarehouseError
from orchestrate.warehouse.connect import connect  # the function (history.py imports it from here)

__all__ = ["LandingBatch", "LandingWriter", "TargetError", "WarehouseError", "connect", "for_target"]


def _is_td_host(host: str) -> bool:
    return "treasuredata" in host


def for_target(profile_target: dict[str, Any], landing_schema: str | None = None) -> LandingWriter:
    """A writer for a dbt profile output dict (`type: duckdb` or `type: trino`).

    A trino output whose host is a Treasure Data Presto/Trino endpoint (catalog `td`) gets the TD
    writer (pytd); any other trino output the DBAPI writer. `landing_schema` overrides the schema.
    """
    kind = str(profile_target.get("type", "")).lower()
    schema = landing_schema or profile_target.get("schema")
    if kind == "duckdb":
        from orchestrate.warehouse.duckdb import DuckDbLandingWriter

        path = profile_target.get("path")
        if not path:
            raise TargetError("duckdb target: `path` is missing; set it in profiles.yml")
        return DuckDbLandingWriter(path, schema or "main")
    if kind == "trino":
        host = str(profile_target.get("host") or "")
        catalog = profile_target.get("database") or profile_target.get("catalog")
        if not host or not catalog or not schema:
            raise TargetError("trino target: host, database/catalog and schema are required in profiles.yml")
        if _is_td_host(host) or catalog == "td":
            from orchestrate.warehouse.td import TdLandingWriter

            apikey = os.environ.get("TD_API_KEY") or ""
            if not apikey:
                raise TargetError("td target: set TD_API_KEY to a master API key of the account")
            register_secret(apikey)
            endpoint = "https://" + host.replace("api-presto", "api", 1)
            return TdLandingWriter(apikey=apikey, endpoint=endpoint, database=str(schema))
        from orchestrate.warehouse.trino import TrinoLandingWriter

        # A td-style profile on another host: the user may be the API key, the password a secret.
        register_secret(os.environ.get("TD_API_KEY"))
        password = profile_target.get("password")
        if password and len(str(password)) >= 8:  # not TD's placeholder `dummy`
            register_secret(str(password))
        return TrinoLandingWriter(
            host=host, port=int(profile_target.get("port") or 8080),
            user=str(profile_target.get("user") or "segment_analytics"), catalog=str(catalog),
            schema=str(schema), http_scheme=str(profile_target.get("http_scheme") or "http"),
            password=profile_target.get("password"),
        )
    raise TargetError(f"target type {kind!r} is not supported for landing; use duckdb or trino")
