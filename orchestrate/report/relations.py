"""Names of the marts the report reads, quoted so that no configured name can break the SQL."""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")  # \Z, not $: no trailing newline

MART_SUFFIXES: tuple[str, ...] = (
    "ps_stats",
    "population_daily",
    "population_tracker",
    "metrics_daily",
    "rule_changes",
)


def quote_identifier(name: str) -> str:
    """Quote one SQL identifier (DuckDB and Trino both use ANSI double quotes)."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid SQL identifier {name!r}")
    return '"' + name.replace('"', '""') + '"'


def check_prefix(prefix: str) -> str:
    """The project prefix must be a plain identifier: output tables are named `<prefix>_<mart>`."""
    if not isinstance(prefix, str) or not _IDENTIFIER.match(prefix):
        raise ValueError(
            f"project_prefix {prefix!r} is not a plain identifier (letters, digits, underscore; "
            "not starting with a digit); fix vars segment_analytics.project_prefix"
        )
    return prefix


def mart_relation(prefix: str, suffix: str, schema: str | None = None) -> str:
    """The quoted relation `"schema"."<prefix>_<suffix>"` (schema optional: the connection default)."""
    table = quote_identifier(f"{check_prefix(prefix)}_{suffix}")
    if schema:
        return f"{quote_identifier(schema)}.{table}"
    return table
