"""The Trino loader on the real local Trino (Iceberg catalog): the same rows as the DuckDB loader,
hostile values intact, append days without duplicates."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from segment_analytics_sandbox.demo.generate import generate
from segment_analytics_sandbox.demo.load import load_duckdb, load_trino
from segment_analytics_sandbox.demo.model import Column
from segment_analytics_sandbox.demo.tables import Table, tables_on

pytestmark = pytest.mark.trino

RUN_DATES = [dt.date(2026, 5, 30) + dt.timedelta(days=i) for i in range(2)]


def _normal(rows):
    out = []
    for row in rows:
        out.append(tuple(tuple(v) if isinstance(v, list) else v for v in row))
    return sorted(out, key=repr)


def test_trino_tables_equal_duckdb_tables(trino_server, tmp_path):
    data = generate(seed=21, n_profiles=40, run_dates=RUN_DATES, history_days=5)
    conn = trino_server.connect()
    local = duckdb.connect(str(tmp_path / "same.duckdb"))
    previous = None
    for run_date in RUN_DATES:
        day = tables_on(data, run_date, previous)
        assert load_trino(conn, day, catalog=trino_server.catalog) == load_duckdb(local, day)
        previous = run_date
    for schema, table in (("demo_behaviors", "orders"), ("demo_behaviors", "pageviews"),
                          ("cdp_audience_411001", "customers"), ("cdp_audience_411002", "behavior_email_events")):
        cols = [r[0] for r in local.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, table]).fetchall()]
        select = ", ".join(f'"{c}"' for c in cols)
        remote = trino_server.query(f'select {select} from "{schema}"."{table}"')
        mine = local.execute(f'select {select} from "{schema}"."{table}"').fetchall()
        assert len(mine) > 0
        assert _normal(remote) == _normal(mine), f"{schema}.{table}"


def test_trino_hostile_values(trino_server):
    columns = (Column("s", "string"), Column("a", "string_array"), Column("t", "timestamp"),
               Column("d", "double"), Column("b", "boolean"))
    when = dt.datetime(2026, 1, 31, 23, 59, 59, tzinfo=dt.UTC)
    values = ["O'Brien", "München 🎄", 'q"uote', "back\\slash", "", "'; drop table x; --"]
    rows = [(v, [v, "x"], when, 1.25, True) for v in values] + [(None, [], None, None, None)]
    conn = trino_server.connect()
    load_trino(conn, [Table("demo hostile 'schema'", "t\"able", columns, rows)], catalog=trino_server.catalog,
               batch_rows=3)
    got = trino_server.query('select s, a, t, d, b from "demo hostile \'schema\'"."t""able"')
    naive = when.replace(tzinfo=None)
    want = [[v, [v, "x"], naive, 1.25, True] for v in values] + [[None, [], None, None, None]]
    assert _normal(got) == _normal(want)
