"""Landing writers; `for_target` picks one from a dbt profile output."""

from __future__ import annotations

from typing import Any

from orchestrate import regions
from orchestrate.warehouse.base import LandingBatch, LandingWriter, TargetError, WarehouseError
from orchestrate.warehouse.connect import connect  # the function (history.py imports it from here)
from orchestrate.warehouse.credentials import duckdb_params, trino_params
from orchestrate.warehouse.td import TdLandingWriter, td_api_key
from orchestrate.warehouse.td_mode import is_td_connection, is_td_host
from orchestrate.warehouse.trino import TrinoLandingWriter

__all__ = ["LandingBatch", "LandingWriter", "TargetError", "WarehouseError", "connect", "for_target"]


def for_target(profile_target: dict[str, Any], landing_schema: str | None = None, *,
               td_mode: bool | None = None) -> LandingWriter:
    """A writer for a dbt profile output dict (`type: duckdb` or `type: trino`), connected with the
    same credentials dbt uses (orchestrate/warehouse/credentials.py).

    In Treasure Data mode (`td_mode`: the effective setting, decided as dbt decides it; None: the
    connection decides, orchestrate/warehouse/td_mode.py) a trino output gets the TD writer, which
    creates a missing TD database through the region's TD API; any other trino output the Trino
    writer. `landing_schema` overrides the schema.
    """
    kind = str(profile_target.get("type", "")).lower()
    if kind == "duckdb":
        from orchestrate.warehouse.duckdb import DuckDbLandingWriter  # lazy: duckdb + pyarrow, for DuckDB only

        params = duckdb_params(profile_target, landing_schema)
        return DuckDbLandingWriter(params.path, params.schema, settings=params.settings)
    if kind == "trino":
        params = trino_params(profile_target, landing_schema)
        if is_td_connection(profile_target) if td_mode is None else td_mode:
            on_td = is_td_host(params.host)
            apikey = td_api_key(params)
            if on_td and not apikey:
                raise TargetError("td target: set TD_API_KEY to a master API key of the account")
            endpoint = regions.td_api_url_for_trino_host(params.host) if on_td else None
            return TdLandingWriter(apikey=apikey, endpoint=endpoint, database=params.schema, params=params)
        return TrinoLandingWriter.from_params(params)
    raise TargetError(f"target type {kind!r} is not supported for landing; use duckdb or trino")
