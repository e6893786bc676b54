"""Treasure Data landing writer: the Trino writer's SQL in TD's dialect, over the dbt target's own
connection (the same credentials dbt uses), and the TD database created when it is missing.

Dates and timestamps land as ISO strings (TD tables have no DATE/TIMESTAMP storage); staging
casts them. The API key (the Trino user on TD) is registered for redaction and never logged.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import quote, urlsplit

from orchestrate import regions
from orchestrate.http import ApiError, HttpClient, HttpPolicy, register_secret
from orchestrate.warehouse.base import TargetError
from orchestrate.warehouse.credentials import TrinoParams, trino_params
from orchestrate.warehouse.statements import DbapiStatementWriter
from orchestrate.warehouse.td_mode import is_td_connection, is_td_host

log = logging.getLogger("segment_analytics")

TD_CATALOG = "td"
# TD database names: lower-case letters, digits and underscores, 3 to 255 characters.
TD_DATABASE_NAME = re.compile(r"[a-z0-9_]{3,255}")


def td_database_problem(name: str) -> str | None:
    """Why `name` cannot be a TD database, or None."""
    if TD_DATABASE_NAME.fullmatch(name or ""):
        return None
    return (f"{name!r} is not a Treasure Data database name: use 3 to 255 lower-case letters, digits or "
            "underscores (the td target's `schema`, or `landing_schema`)")


def ensure_td_database(api_url: str, apikey: str, name: str, *, policy: HttpPolicy | None = None,
                       region: str = "custom") -> bool:
    """Create the TD database `name` unless it exists (`POST /v3/database/create/<name>`; the real
    API answers 409 when it exists). True when this call created it. The key is never logged."""
    problem = td_database_problem(name)
    if problem:
        raise TargetError(problem)
    if not apikey:
        raise TargetError("td target: no API key (set TD_API_KEY) to check that the TD database exists")
    register_secret(apikey)
    client = HttpClient(api_url, apikey, policy=policy, region=region)
    try:
        # Safe to repeat: a second create of the same name is a 409, never a second database.
        client.request("POST", f"/v3/database/create/{quote(name, safe='')}", what=f"TD database {name}",
                       idempotent=True)
    except ApiError as exc:
        if exc.status == 409:
            return False
        how = (f"create it in the Treasure Data console (Data Workbench > Databases) or with "
               f"`td db:create {name}`, or use a key whose user may create databases, then run again")
        if exc.status in (401, 403):
            raise TargetError(f"TD database {name!r} could not be created on {urlsplit(api_url).netloc}: "
                              f"{exc.status} (the API key may not create databases); {how}") from None
        raise TargetError(f"TD database {name!r} could not be checked or created: {exc}; {how}") from None
    log.info("created the Treasure Data database %s", name)
    return True


def td_api_key(params: TrinoParams) -> str:
    """The key a TD connection uses: the target's Trino user (TD authenticates by it, as dbt does),
    else TD_API_KEY."""
    user = (params.user or "").strip()
    return user if "/" in user else os.environ.get("TD_API_KEY", "").strip()


def ensure_td_target_database(profile_target: dict[str, Any], schema: str | None = None, *,
                              api_url: str | None = None) -> bool | None:
    """For a dbt target on a Treasure Data host: create its database (`schema`, default the target's)
    when missing, through the region's TD API (`api_url` overrides it). None for any other target."""
    if not is_td_connection(profile_target) or not is_td_host(profile_target.get("host")):
        return None
    params = trino_params(profile_target, schema)
    endpoint = api_url or regions.td_api_url_for_trino_host(params.host)
    return ensure_td_database(endpoint, td_api_key(params), params.schema)


class TdLandingWriter(DbapiStatementWriter):
    """Lands into the TD database `database` (the dbt td target's schema, or `landing_schema`).

    `endpoint`: the TD API base URL of the account's region, where a missing database is created;
    None on a Trino that only plays TD (TD mode on a local server), where `create schema` is used.
    `params`: the dbt target's Trino connection; by default the region's TD Trino host with the key
    as the user, as profiles.yml.example's td target connects.
    """

    dialect = "td"

    def __init__(self, *, apikey: str, endpoint: str | None, database: str,
                 params: TrinoParams | None = None) -> None:
        super().__init__(params.catalog if params else TD_CATALOG, database)
        self.endpoint = endpoint
        self._apikey = apikey
        register_secret(apikey)
        if params is None:
            if not endpoint:
                raise TargetError("td writer: give the TD API endpoint or the target's connection")
            host = urlsplit(endpoint).netloc.replace("api", "api-presto", 1)
            params = TrinoParams(host=host, port=443, user=apikey, catalog=TD_CATALOG, schema=database,
                                 http_scheme="https")
        self.params = params
        self._conn: Any = None
        self._database_ready = False

    def ensure_schema(self) -> None:
        if self._database_ready:
            return
        if self.endpoint:
            ensure_td_database(self.endpoint, self._apikey, self.schema)
        else:
            super().ensure_schema()
        self._database_ready = True

    def __repr__(self) -> str:
        return f"TdLandingWriter(endpoint={self.endpoint!r}, database={self.schema!r})"
