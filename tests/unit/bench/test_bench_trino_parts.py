"""The Trino benchmark's parts that run without a server: Trino's statistics parsed and summed,
the SQL spellings, the daily floor (on DuckDB, checked against the original's daily run and a naive
count), the landing rows per dialect, the statement ratios and targets, and the Trino report."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from bench import daily_floor, original, report, trino_data
from bench.crosscheck import crosscheck
from bench.generate import add_new_day, generate
from bench.landing import make_batch
from bench.measure import Measurement
from bench.sizes import get_size
from bench.summary import statement_ratios, summarize_runs, trino_targets_met
from bench.trino_engine import (
    QueryStat,
    TrinoSession,
    parse_data_size,
    parse_duration,
    query_stat,
    statement_kind,
    summarize_statements,
    to_trino,
    top_statements,
    user_for,
)
from bench.workload import AUDIENCE_SCHEMA, BEHAVIOR_SCHEMA
from segment_analytics_sandbox.synthetic.segments import make_segments

TINY = get_size("T")


@pytest.mark.parametrize(("text", "seconds"), [
    ("365.61ms", 0.36561), ("9.00ns", 9e-9), ("142.03us", 142.03e-6), ("2.50s", 2.5), ("1.50m", 90.0),
    ("2.00h", 7200.0), ("1.00d", 86400.0), ("", 0.0), (None, 0.0),
])
def test_durations_as_trino_prints_them(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12)


@pytest.mark.parametrize(("text", "size"), [
    ("196B", 196), ("0B", 0), ("1.50kB", 1536), ("12.00MB", 12 * 1024 ** 2), ("1.5GB", 3 * 1024 ** 3 // 2),
    ("2TB", 2 * 1024 ** 4), (None, 0),
])
def test_data_sizes_as_trino_prints_them(text, size):
    assert parse_data_size(text) == size


@pytest.mark.parametrize("bad", ["12 parsecs", "fast", "1.0xB"])
def test_unknown_units_are_refused(bad):
    with pytest.raises(ValueError, match="not a Trino"):
        parse_duration(bad)
    with pytest.raises(ValueError, match="not a Trino"):
        parse_data_size(bad)


def test_query_info_becomes_one_statement_record():
    info = {"state": "FINISHED", "query": '/* {"app": "dbt", "node_id": "model.x"} */\n  CREATE TABLE x AS SELECT 1',
            "queryStats": {"elapsedTime": "1.50s", "queuedTime": "10.00ms", "analysisTime": "20.00ms",
                           "planningTime": "30.00ms", "totalCpuTime": "250.00ms",
                           "physicalInputPositions": 1234, "physicalInputDataSize": "2.00MB",
                           "peakTotalMemoryReservation": "3.00kB"}}
    stat = query_stat("q1", info)
    assert stat == QueryStat(query_id="q1", state="FINISHED", verb="create", elapsed_s=1.5, queued_s=0.01,
                             planning_s=pytest.approx(0.05), cpu_s=0.25, rows_read=1234,
                             bytes_read=2 * 1024 ** 2, peak_memory_bytes=3072, kind="create",
                             node="model.x", sql_head="CREATE TABLE x AS SELECT 1")
    assert query_stat("q2", {"query": "/* not dbt */ select 1"}).node == ""


def _stat(verb: str, elapsed: float, rows: int, peak: int, state: str = "FINISHED") -> QueryStat:
    return QueryStat(query_id=verb, state=state, verb=verb, elapsed_s=elapsed, queued_s=0.01, planning_s=0.02,
                     cpu_s=elapsed / 2, rows_read=rows, bytes_read=rows * 10, peak_memory_bytes=peak,
                     kind="query" if verb == "select" else verb)


def test_statements_are_summed_and_counted_by_verb():
    stats = [_stat("select", 1.0, 100, 5), _stat("create", 3.0, 1000, 50), _stat("select", 2.0, 0, 7, "FAILED")]
    summary = summarize_statements(stats)
    assert summary == {
        "statements": 3, "failed_statements": 1, "rows_read": 1100, "bytes_read": 11000, "trino_cpu_s": 3.0,
        "statement_elapsed_s": 6.0, "peak_memory_bytes": 50, "median_statement_s": 2.0,
        "median_overhead_s": 0.03, "statements_by_verb": {"select": 2, "create": 1},
        "statements_by_kind": {"query": {"statements": 2, "elapsed_s": 3.0, "rows_read": 100},
                               "create": {"statements": 1, "elapsed_s": 3.0, "rows_read": 1000}},
    }
    assert summarize_statements([])["statements"] == 0


def test_top_statements_are_those_that_read_most_rows():
    stats = [_stat("select", 1.0, 100, 5), _stat("create", 3.0, 1000, 50), _stat("insert", 2.0, 0, 7)]
    top = top_statements(stats, 5)
    assert [(t["query_id"], t["rows_read"]) for t in top] == [("create", 1000), ("select", 100)]
    assert set(top[0]) == {"rows_read", "bytes_read", "elapsed_s", "kind", "node", "query_id", "sql_head"}
    assert len(top_statements(stats, 1)) == 1


@pytest.mark.parametrize(("text", "kind"), [
    ('/* {"app": "dbt"} */ alter table "c"."s"."t" rename to "c"."s"."t__dbt_backup"', "rename"),
    ("alter table t add column x int", "alter"),
    ("drop table if exists t__dbt_tmp", "drop"),
    ("select count(*) as failures, count(*) != 0 as should_warn from (select 1) dbt_internal_test", "data_test"),
    ('select column_name, data_type from "iceberg".INFORMATION_SCHEMA.columns where x', "metadata"),
    ("select * from ( select current_timestamp as t ) as __dbt_sbq where false limit 0", "metadata"),
    ("select query_id from system.runtime.queries", "metadata"),
    ("SHOW TABLES", "metadata"),
    ("merge into t using s on 1 = 1 when matched then delete", "merge"),
    ("select max(event_date) from t", "query"),
])
def test_statements_are_told_apart_by_what_they_are_for(text, kind):
    assert statement_kind(text) == kind


def test_duckdb_spellings_become_trino_ones():
    sql = ("select strftime(make_timestamp(cast(time as bigint) * 1000000), '%Y-%m-%d'), "
           "strftime(make_timestamp(new.time * 1000000), '%Y-%m-%d %H:%M:%S'), "
           "strftime(make_timestamp(f.day_number * 86400 * 1000000), '%Y-%m-%d'), "
           "approx_count_distinct(x), time // 86400 from t where regexp_matches(lower(n), '')")
    assert to_trino(sql) == (
        "select date_format(from_unixtime(cast(time as bigint), 'UTC'), '%Y-%m-%d'), "
        "date_format(from_unixtime(new.time, 'UTC'), '%Y-%m-%d %H:%i:%s'), "
        "date_format(from_unixtime(f.day_number * 86400, 'UTC'), '%Y-%m-%d'), "
        "approx_distinct(x), time / 86400 from t where regexp_like(lower(n), '')")


def test_each_run_has_its_own_trino_user():
    assert user_for("01060000", "S", "project_td", "incremental", 2) == "bench_01060000_s_project_td_incremental_2"
    assert user_for("r", "S", "project", "full", 0) != user_for("r", "S", "project", "incremental", 0)


class _FakeCursor:
    def __init__(self, log: list[str]) -> None:
        self.log, self.description = log, [("n",)]

    def execute(self, sql: str) -> None:
        self.log.append(sql)

    def fetchall(self) -> list[list[int]]:
        return [[len(self.log)]]


class _FakeConnection:
    def __init__(self) -> None:
        self.log: list[str] = []

    def cursor(self) -> _FakeCursor:
        return _FakeCursor(self.log)


def test_session_runs_translated_sql_and_many_rows_as_one_statement():
    conn = _FakeConnection()
    session = TrinoSession(conn)
    assert session.execute("select approx_count_distinct(x) from t").fetchone() == (1,)
    session.executemany("insert into q values (?, ?)", [["1", "it's"], ["2", "b"]])
    assert conn.log == ["select approx_distinct(x) from t", "insert into q values ('1', 'it''s'), ('2', 'b')"]
    with pytest.raises(ValueError, match="parameters"):
        session.execute("select ?", [1])


def test_trino_generator_sql_covers_exactly_the_index_range():
    rel = trino_data.index_rows(19_990, 30_010)
    assert "sequence(1, 3)" in rel and ">= 19990" in rel and "< 30010" in rel
    sql = trino_data.events_sql(next(t for t in trino_data.TABLES if t.name == "orders"), TINY,
                                TINY.run_date, 1, create=False)
    per_day = int(round(TINY.events_per_day * 0.15))
    assert f"< {per_day * (TINY.days + 1)}" in sql and f">= {per_day * TINY.days}" in sql
    assert sql.startswith(f'insert into "{BEHAVIOR_SCHEMA}"."orders"')


def test_landing_rows_carry_the_engine_dialect_and_skip_known_rules():
    segments = make_segments(TINY.segments, TINY.seed, AUDIENCE_SCHEMA)
    members = {s.segment_id: 1 for s in segments}
    batch = make_batch(segments, TINY.run_date, 500, members, set(), "trino")
    compiled = [r for r in batch.segment_sql if r["sql_source"] == "compiler"]
    assert len(compiled) == TINY.segments and {r["dialect"] for r in compiled} == {"trino"}
    known = {compiled[0]["rule_hash"]}
    again = make_batch(segments, TINY.run_date, 500, members, known, "duckdb")
    assert len(again.segment_sql) == 2 * (TINY.segments - 1)
    assert {r["dialect"] for r in again.segment_sql if r["sql_source"] == "compiler"} == {"duckdb"}


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return generate(TINY, directory=tmp_path_factory.mktemp("bench_daily_floor"))


def test_daily_floor_computes_the_original_daily_numbers(tiny_base, tmp_path):
    orig_db, floor_db = tmp_path / "original.duckdb", tmp_path / "floor.duckdb"
    for db in (orig_db, floor_db):
        shutil.copyfile(tiny_base, db)
    with duckdb.connect(str(orig_db)) as con:
        original.run(con, TINY.run_date)
    with duckdb.connect(str(floor_db)) as con:
        from bench import floor

        floor.run(con)
    new_run_date = add_new_day(orig_db, TINY)
    assert add_new_day(floor_db, TINY) == new_run_date
    with duckdb.connect(str(orig_db)) as con:
        original.run(con, new_run_date, daily=True)
    with duckdb.connect(str(floor_db)) as con:
        statements = daily_floor.run(con, new_run_date)
        members = con.execute(f'select count(*) from "{daily_floor.SCHEMA}"."membership"').fetchone()[0]
        populations = con.execute("select sum(population) from main.cdp_landing__segments "
                                  f"where run_date = '{new_run_date.isoformat()}'").fetchone()[0]
        days = con.execute(f'select distinct day_number from "{daily_floor.SCHEMA}"."orders_new_day"').fetchall()
    assert statements == 6
    assert members == populations > 0
    assert days == [((TINY.run_date - dt.date(1970, 1, 1)).days,)]
    check = crosscheck(orig_db, floor_db, None, TINY.run_date, daily=True, floor_daily=True)
    assert check["original_vs_floor"]["mismatches"] == 0, check
    assert check["daily_floor_vs_original"]["keys"] > 0
    assert check["daily_floor_vs_original"]["mismatches"] == 0, check


def _measurement(phase: str, wall: float, trino: dict) -> Measurement:
    return Measurement("c", phase, 0, wall, wall + 1, 0, 0.0, {"trino": trino})


def _trino(statements: int, rows: int) -> dict:
    return {"statements": statements, "rows_read": rows, "bytes_read": rows * 8, "trino_cpu_s": 1.0,
            "statement_elapsed_s": 2.0, "median_statement_s": 0.1, "median_overhead_s": 0.05,
            "peak_memory_bytes": 2 * 1024 ** 3}


def test_trino_runs_summarised_with_their_counts_ratios_and_targets():
    contenders = {
        "project": {"full": summarize_runs([_measurement("full", 10.0, _trino(100, 1000))], 1000),
                    "incremental": summarize_runs([_measurement("incremental", 4.0, _trino(30, 200)),
                                                   _measurement("incremental", 6.0, _trino(40, 300))], 10)},
        "original": {"full": summarize_runs([_measurement("full", 60.0, _trino(400, 5000))], 1000),
                     "incremental": summarize_runs([_measurement("incremental", 18.0, _trino(105, 900))], 10)},
        "floor": {"full": summarize_runs([_measurement("full", 5.0, _trino(4, 500))], 1000),
                  "incremental": summarize_runs([_measurement("incremental", 1.0, _trino(6, 100))], 10)},
    }
    inc = contenders["project"]["incremental"]
    assert (inc["statements"], inc["rows_read"], inc["wall_s"], inc["peak_memory_gib"]) == (35, 250, 5.0, 2.0)
    counts = statement_ratios(contenders)
    assert counts == {"statements_daily_project_over_original": 0.3333, "statements_full_project_over_original": 0.25,
                      "rows_read_full_project_over_floor": 2.0, "rows_read_daily_project_over_daily_floor": 2.5,
                      "rows_read_daily_original_over_project": 3.6}
    ratio = {"original_over_project": 6.0, "original_daily_over_project_daily": 2.9}
    assert trino_targets_met(ratio, counts) == {"full_5x_faster_than_original": "met",
                                                "daily_3x_faster_than_original": "missed",
                                                "daily_statements_le_third_of_original": "met"}
    assert trino_targets_met({}, {})["full_5x_faster_than_original"] == "n/a"
    entry = {"engine": "trino", "shape": {}, "contenders": contenders, "ratios": ratio, "statement_ratios": counts,
             "targets": trino_targets_met(ratio, counts),
             "crosscheck": {"original_vs_floor": {"agree": True}, "project_vs_original": {"agree": False}}}
    text = report.markdown({"sizes": {"S-trino": entry}, "trino_server": {"version": "476", "nodes": 1}})
    assert "| S-trino | project | daily | 5.00 | 35 | 250 |" in text
    assert "| S-trino | daily floor | daily | 1.00 | 6 | 100 |" in text
    assert "original_vs_floor: yes; project_vs_original: NO" in text
    assert "Trino 476, 1 node(s)." in text
    # the DuckDB table holds no Trino rows
    assert "| S-trino | — |" not in text.split("## Trino")[0]
