"""The loaders: DuckDB tables round-trip every value (quotes, unicode, arrays, timestamps, nulls);
append days add only new rows; Trino literals are escaped."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from segment_analytics_sandbox.demo.generate import generate
from segment_analytics_sandbox.demo.load import load_duckdb, trino_literal
from segment_analytics_sandbox.demo.model import Column
from segment_analytics_sandbox.demo.tables import Table, attributes_on, tables_on

RUN_DATES = [dt.date(2026, 2, 27) + dt.timedelta(days=i) for i in range(3)]
HOSTILE = ["O'Brien", 'say "hi"', "München ✓ 🎄", "back\\slash", "new\nline", "comma, here", "\\N", ""]


@pytest.fixture(scope="module")
def demo():
    return generate(seed=3, n_profiles=150, run_dates=RUN_DATES)


def test_hostile_values_round_trip(tmp_path):
    columns = (Column("s", "string"), Column("n", "long"), Column("d", "double"), Column("b", "boolean"),
               Column("t", "timestamp"), Column("a", "string_array"), Column("i", "int"))
    when = dt.datetime(2026, 3, 1, 12, 30, 15, tzinfo=dt.UTC)
    rows = [(s, 2**40 + k, 0.1 * k, k % 2 == 0, when, [s, "x,y"], k) for k, s in enumerate(HOSTILE)]
    rows.append((None, None, None, None, None, None, None))
    rows.append(("empty array", 1, 1.5, True, when, [], 2))
    table = Table("weird \"schema\" ü", "t'able", columns, rows)
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert load_duckdb(conn, [table]) == {"weird \"schema\" ü.t'able": len(rows)}
    got = conn.execute('select s, n, d, b, t, a, i from "weird ""schema"" ü"."t\'able"').fetchall()
    naive = when.replace(tzinfo=None)
    want = [(s, n, d, b, naive if t else None, a, i) for s, n, d, b, t, a, i in rows]
    assert sorted(got, key=repr) == sorted(want, key=repr)


def test_tables_and_types(demo, tmp_path):
    conn = duckdb.connect(str(tmp_path / "d.duckdb"))
    counts = load_duckdb(conn, tables_on(demo, RUN_DATES[0]))
    assert counts["cdp_audience_411001.customers"] == 150
    assert 0 < counts["cdp_audience_411002.customers"] < 150
    types = dict(conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'cdp_audience_411001' and table_name = 'customers'").fetchall())
    assert types["interests"] == "VARCHAR[]" and types["last_login_at"] == "TIMESTAMP"
    assert types["is_member"] == "BOOLEAN" and types["age"] == "BIGINT" and types["ltv"] == "DOUBLE"
    orders = dict(conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'demo_behaviors' and table_name = 'orders'").fetchall())
    assert orders == {"td_canonical_id": "VARCHAR", "order_id": "VARCHAR", "amount": "DOUBLE",
                      "items": "INTEGER", "category": "VARCHAR", "time": "BIGINT"}
    # behaviour tables of a parent segment are keyed by its own cdp_customer_id
    orphans = conn.execute(
        'select count(*) from "cdp_audience_411002".behavior_orders b '
        'left join "cdp_audience_411002".customers c using (cdp_customer_id) where c.cdp_customer_id is null'
    ).fetchone()[0]
    assert orphans == 0


def test_append_days_equal_a_full_load(demo, tmp_path):
    daily = duckdb.connect(str(tmp_path / "daily.duckdb"))
    previous = None
    for run_date in RUN_DATES:
        load_duckdb(daily, tables_on(demo, run_date, previous))
        previous = run_date
    full = duckdb.connect(str(tmp_path / "full.duckdb"))
    load_duckdb(full, tables_on(demo, RUN_DATES[-1]))
    for name in ("demo_behaviors.orders", "demo_behaviors.pageviews", "cdp_audience_411002.behavior_email_events",
                 "cdp_audience_411001.customers"):
        sql = f"select * from {name} order by all"
        assert daily.execute(sql).fetchall() == full.execute(sql).fetchall(), name
    limit = int(dt.datetime(2026, 3, 1, tzinfo=dt.UTC).timestamp())
    assert daily.execute("select max(time) from demo_behaviors.orders").fetchone()[0] < limit


def test_customers_reflect_the_days_changes(demo, tmp_path):
    change = demo.changes[0]
    before = attributes_on(demo, RUN_DATES[0])[change.td_canonical_id]
    after = attributes_on(demo, change.day)[change.td_canonical_id]
    later = [c for c in demo.changes if (c.td_canonical_id, c.attribute) == (change.td_canonical_id,
                                                                              change.attribute)]
    assert after[change.attribute] == [c for c in later if c.day <= change.day][-1].value
    assert set(before) == set(after)


def test_since_must_precede_run_date(demo):
    with pytest.raises(ValueError, match="since"):
        tables_on(demo, RUN_DATES[0], RUN_DATES[0])


@pytest.mark.parametrize(
    ("value", "column", "literal"),
    [
        ("O'Brien", Column("c", "string"), "'O''Brien'"),
        ("München", Column("c", "string"), "'München'"),
        (None, Column("c", "string"), "null"),
        (True, Column("c", "boolean"), "true"),
        (12, Column("c", "long"), "12"),
        (1.5, Column("c", "double"), "double '1.5'"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), Column("c", "timestamp"),
         "timestamp '2026-01-02 03:04:05.000000'"),
        (["a'b", "c"], Column("c", "string_array"), "array['a''b', 'c']"),
        ([], Column("c", "string_array"), "cast(array[] as array(varchar))"),
    ],
)
def test_trino_literals(value, column, literal):
    assert trino_literal(value, column) == literal


def test_trino_literal_unknown_type_names_the_column():
    with pytest.raises(ValueError, match="'c'"):
        trino_literal(1, Column("c", "decimal"))
