"""Trino landing writer over the DBAPI `trino` package."""

from __future__ import annotations

from typing import Any

from orchestrate.warehouse.statements import StatementLandingWriter


class TrinoLandingWriter(StatementLandingWriter):
    """Lands into `catalog.schema` of a Trino server."""

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
    ) -> None:
        super().__init__(catalog, schema)
        self.host = host
        self.port = int(port)
        self.user = user
        self.http_scheme = http_scheme
        self._password = password
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            import trino.dbapi
            from trino.auth import BasicAuthentication

            auth = None
            if self._password and self.http_scheme == "https":
                auth = BasicAuthentication(self.user, self._password)
            self._conn = trino.dbapi.connect(
                host=self.host, port=self.port, user=self.user, catalog=self.catalog,
                schema=self.schema, http_scheme=self.http_scheme, auth=auth,
            )
        return self._conn

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql)
            return [tuple(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
