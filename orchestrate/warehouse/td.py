"""Treasure Data landing writer through pytd (Trino engine); SQL shared with the Trino writer.

Dates and timestamps land as ISO strings (TD tables have no DATE/TIMESTAMP storage); staging
casts them. The API key is passed to pytd only and never logged.
"""

from __future__ import annotations

from typing import Any

from orchestrate.warehouse.statements import StatementLandingWriter

TD_CATALOG = "td"


class TdLandingWriter(StatementLandingWriter):
    """Lands into the TD database `database` (the dbt td target's schema)."""

    dialect = "td"

    def __init__(self, *, apikey: str, endpoint: str, database: str) -> None:
        super().__init__(TD_CATALOG, database)
        self.endpoint = endpoint
        self._apikey = apikey
        self._client: Any = None

    def _td(self) -> Any:
        if self._client is None:
            import pytd

            self._client = pytd.Client(apikey=self._apikey, endpoint=self.endpoint, database=self.schema,
                                       default_engine="presto")
        return self._client

    def ensure_schema(self) -> None:
        """TD databases are created in the console or by `tdx db create`; nothing to do here."""

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        result = self._td().query(sql)
        return [tuple(r) for r in result.get("data") or []]

    def __repr__(self) -> str:
        return f"TdLandingWriter(endpoint={self.endpoint!r}, database={self.schema!r})"
