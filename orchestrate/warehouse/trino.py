"""Trino landing writer over the DBAPI `trino` package, connected as the dbt target connects."""

from __future__ import annotations

from typing import Any

from orchestrate.warehouse.credentials import TrinoParams
from orchestrate.warehouse.statements import DbapiStatementWriter


class TrinoLandingWriter(DbapiStatementWriter):
    """Lands into `catalog.schema` of a Trino server.

    Built by `for_target` from the dbt target (`from_params`, every auth method); the keyword form
    (host, user, optional password over https) is a shortcut for tests and scripts.
    """

    dialect = "trino"

    def __init__(
        self,
        *,
        host: str,
        port: int = 8080,
        user: str = "segment_analytics",
        catalog: str,
        schema: str,
        http_scheme: str = "http",
        password: str | None = None,
        params: TrinoParams | None = None,
    ) -> None:
        super().__init__(catalog, schema)
        if params is None:
            import trino.auth

            auth = trino.auth.BasicAuthentication(user, password) if password and http_scheme == "https" else None
            params = TrinoParams(host=host, port=int(port), user=user, catalog=catalog, schema=schema,
                                 method="ldap" if auth else "none", http_scheme=http_scheme, auth=auth)
        self.params = params
        self.host = params.host
        self.port = params.port
        self.user = params.user
        self.http_scheme = params.http_scheme
        self._conn: Any = None

    @classmethod
    def from_params(cls, params: TrinoParams) -> TrinoLandingWriter:
        return cls(host=params.host, port=params.port, user=params.user or "", catalog=params.catalog,
                   schema=params.schema, http_scheme=params.http_scheme, params=params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r}, catalog={self.catalog!r}, schema={self.schema!r})"
