"""The report and publish's warehouse reads on a real Trino (the local test server)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.publish import table_size, warehouse_columns
from orchestrate.report import build_report
from tests.integration.report.marts_fixture import METRICS, create_report_marts

pytestmark = pytest.mark.trino

SCHEMA = "report_marts"
_TYPES = {"VARCHAR": "varchar", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double",
          "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp(6)"}


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _copy_to_trino(source: Any, cursor: Any, table: str) -> int:
    columns = source.execute(
        "select column_name, data_type from information_schema.columns where table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    ddl = ", ".join(f'"{name}" {_TYPES[kind]}' for name, kind in columns)
    cursor.execute(f'create table "{table}" ({ddl})')
    cursor.fetchall()
    rows = source.execute(f'select * from "{table}"').fetchall()
    for start in range(0, len(rows), 400):
        values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows[start:start + 400])
        cursor.execute(f'insert into "{table}" values {values}')
        cursor.fetchall()
    return len(rows)


@pytest.fixture(scope="module")
def trino_marts(trino_server):
    source = duckdb.connect()
    create_report_marts(source)
    tables = [name for (name,) in source.execute("select table_name from information_schema.tables").fetchall()]
    admin = trino_server.connect(catalog="memory")
    cursor = admin.cursor()
    cursor.execute(f"create schema if not exists memory.{SCHEMA}")
    cursor.fetchall()
    admin.close()
    conn = trino_server.connect(schema=SCHEMA, catalog="memory")
    cursor = conn.cursor()
    counts = {table: _copy_to_trino(source, cursor, table) for table in tables}
    yield conn, counts
    for table in tables:
        cursor.execute(f'drop table if exists "{table}"')
        cursor.fetchall()
    conn.close()


def test_report_from_trino_matches_the_marts(trino_marts, tmp_path: Path):
    conn, counts = trino_marts
    out = build_report(conn, prefix="segment_analytics", metrics=METRICS, out_path=tmp_path / "r.html",
                       progress=None)
    html = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="sa-data">(.*?)</script>', html, re.S).group(1))
    assert data["missing"] == {}
    assert len(data["metrics"]["rows"]) == counts["segment_analytics_metrics_daily"]
    assert len(data["population"]["rows"]) == counts["segment_analytics_population_daily"]
    assert len(data["rule_changes"]) == counts["segment_analytics_rule_changes"]
    assert data["run_date"] == "2026-10-30"
    dates = {row[1] for row in data["metrics"]["rows"]}
    assert min(dates) == "2026-08-01" and max(dates) == "2026-10-29"


def test_publish_reads_schema_and_sizes_from_trino(trino_marts):
    conn, counts = trino_marts
    columns = warehouse_columns(conn, SCHEMA, "segment_analytics_ps_stats")
    assert columns[0] == ("ps_id", "varchar") and ("run_date", "date") in columns
    size = table_size(conn, SCHEMA, "segment_analytics_ps_stats", columns)
    assert size.rows == counts["segment_analytics_ps_stats"] == 8
    assert size.bytes > size.rows * 8
