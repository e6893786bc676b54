"""Landing writer SQL (shared by Trino and TD), writer selection from dbt targets."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from orchestrate.warehouse import TargetError, for_target
from orchestrate.warehouse.base import TABLES, LandingBatch, row_values
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from orchestrate.warehouse.sql import delete_other_pulls_sql, insert_sql, literal, quote_ident
from orchestrate.warehouse.statements import StatementLandingWriter
from orchestrate.warehouse.td import TdLandingWriter
from orchestrate.warehouse.trino import TrinoLandingWriter


def test_literals_never_break_sql():
    assert literal("O'Brien \"x\" ü", "varchar") == "'O''Brien \"x\" ü'"
    assert literal(None, "bigint") == "null" and literal(True, "boolean") == "true"
    assert literal(date(2026, 11, 28), "date") == "date '2026-11-28'"
    assert literal(datetime(2026, 11, 28, 1, 2, 3), "timestamp") == "timestamp '2026-11-28 01:02:03'"
    assert literal(date(2026, 11, 28), "date", "td") == "'2026-11-28'"
    assert quote_ident('we"ird') == '"we""ird"'
    with pytest.raises(ValueError):
        quote_ident("")


def test_insert_statements_are_chunked_and_ordered():
    table = "cdp_landing__segment_statistics"
    rows = [("1", str(i), date(2026, 1, 1), i, True, datetime(2026, 1, 2)) for i in range(100)]
    statements = list(insert_sql('"c"."s"."t"', table, rows, max_chars=2000))
    assert len(statements) > 1 and all(len(s) <= 2000 for s in statements)
    assert sum(s.count("), (") + 1 for s in statements) == 100
    assert statements[0].startswith('insert into "c"."s"."t" ("ps_id", "segment_id", "stat_date"')


def test_row_values_rejects_unknown_columns():
    with pytest.raises(ValueError, match="unknown column"):
        row_values("cdp_landing__pull_runs", {"bogus": 1})


def test_tidy_deletes_other_pulls_fully_qualified():
    assert delete_other_pulls_sql('"iceberg"."s"."t"', "p'1") == (
        'delete from "iceberg"."s"."t" where pull_id is null or pull_id <> \'p\'\'1\'')


class RecordingWriter(StatementLandingWriter):
    def __init__(self, existing: set[str], dialect: str = "trino") -> None:
        super().__init__("cat", "land")
        self.dialect = dialect
        self.existing = existing
        self.executed: list[str] = []

    def execute(self, sql):
        self.executed.append(sql)
        if "information_schema.tables" in sql:
            return [(t,) for t in self.existing]
        return []


def _batch() -> LandingBatch:
    audit = {"pull_id": "p", "run_date": date(2026, 11, 28), "fetched_at": datetime(2026, 11, 28)}
    return LandingBatch("p", date(2026, 11, 28), datetime(2026, 11, 28),
                        parent_segments=[{"ps_id": "1", "ps_name": "it's", **audit}],
                        segment_statistics=[{"ps_id": "1", "segment_id": "2", "stat_date": date(2026, 11, 27),
                                             "population": 3, "measured": True,
                                             "fetched_at": datetime(2026, 11, 28)}],
                        pull_run={"pull_id": "p", "status": "success"})


def test_statement_writer_lands_beside_then_commits_then_tidies():
    existing = {"cdp_landing__segments", "cdp_landing__segment_statistics", "cdp_landing__segments__old"}
    writer = RecordingWriter(existing=existing)
    writer.write(_batch())
    sql = writer.executed
    commit = next(i for i, s in enumerate(sql) if s.startswith('insert into "cat"."land"."cdp_landing__pull_runs"'))
    lands = [i for i, s in enumerate(sql) if s.startswith("insert into") and i != commit]
    tidies = [i for i, s in enumerate(sql) if "pull_id <> 'p'" in s or s.startswith("drop table")]
    assert lands and tidies and max(lands) < commit < min(tidies)  # the pull_runs row is the switch
    assert not any(" rename " in s for s in sql)  # no table is ever missing or swapped under a reader
    assert 'delete from "cat"."land"."cdp_landing__segments" where pull_id = \'p\'' in sql  # a retry starts clean
    assert 'drop table if exists "cat"."land"."cdp_landing__segments__old"' in sql  # the old writer's leftovers
    assert not any('"cdp_landing__parent_segments" where pull_id <>' in s for s in sql)  # new table: no tidy
    assert any("'it''s'" in s for s in sql)
    assert 'create table if not exists "cat"."land"."cdp_landing__pull_runs"' in " ".join(sql)
    assert 'create table if not exists "cat"."land"."cdp_landing__parent_segments"' in " ".join(sql)


def test_replaced_sql_keys_lose_their_old_rows_only_after_the_commit():
    writer = RecordingWriter(existing={"cdp_landing__segment_sql", "cdp_landing__pull_runs"})
    batch = _batch()
    batch.segment_sql = [{"ps_id": "1", "rule_hash": "h'1", "sql_source": "compiler", "dialect": "trino",
                          "segment_sql": "select 1", "error": None, "fetched_at": datetime(2026, 11, 28)}]
    batch.replaced_sql_keys = [("1", "h'1", "compiler")]
    writer.write(batch)
    sql = writer.executed
    delete = next(i for i, s in enumerate(sql) if s.startswith('delete from "cat"."land"."cdp_landing__segment_sql"'))
    assert "rule_hash = 'h''1'" in sql[delete]
    assert "fetched_at <> timestamp '2026-11-28 00:00:00'" in sql[delete]  # the new row itself stays
    insert = next(i for i, s in enumerate(sql) if s.startswith('insert into "cat"."land"."cdp_landing__segment_sql"'))
    commit = next(i for i, s in enumerate(sql) if s.startswith('insert into "cat"."land"."cdp_landing__pull_runs"'))
    assert insert < commit < delete


def test_a_batch_without_its_pull_runs_row_is_refused():
    batch = _batch()
    batch.pull_run = {}
    with pytest.raises(ValueError, match="pull_runs row"):
        RecordingWriter(existing=set()).write(batch)


def test_td_writer_is_thin_and_uses_string_dates():
    writer = TdLandingWriter(apikey="1/secretsecret", endpoint="https://api.treasuredata.com", database="sa")
    assert "secretsecret" not in repr(writer)
    recording = RecordingWriter(existing=set(), dialect="td")
    recording.write(_batch())
    ddl = 'create table if not exists "cat"."land"."cdp_landing__segment_statistics"'
    stats = next(s for s in recording.executed if s.startswith(ddl))
    assert '"stat_date" varchar' in stats and '"fetched_at" varchar' in stats
    assert any("'2026-11-27'" in s for s in recording.executed)


def test_for_target_maps_dbt_outputs(tmp_path, monkeypatch):
    duck = for_target({"type": "duckdb", "path": str(tmp_path / "x.duckdb"), "schema": "main"})
    assert isinstance(duck, DuckDbLandingWriter) and duck.schema == "main"
    assert for_target({"type": "duckdb", "path": "x.duckdb"}, landing_schema="landing").schema == "landing"
    trino = for_target({"type": "trino", "host": "127.0.0.1", "port": 8080, "user": "u", "database": "iceberg",
                        "schema": "s", "http_scheme": "http"})
    assert isinstance(trino, TrinoLandingWriter) and (trino.catalog, trino.schema, trino.port) == ("iceberg", "s", 8080)
    monkeypatch.setenv("TD_API_KEY", "1/abcdefabcdef")
    td = for_target({"type": "trino", "host": "api-presto.eu01.treasuredata.com", "database": "td", "schema": "sa",
                     "port": 443, "http_scheme": "https", "user": "1/abcdefabcdef"})
    assert isinstance(td, TdLandingWriter) and td.endpoint == "https://api.eu01.treasuredata.com"
    with pytest.raises(TargetError, match="not supported"):
        for_target({"type": "postgres"})
    with pytest.raises(TargetError, match="path"):
        for_target({"type": "duckdb"})


def test_every_landing_table_has_the_audit_or_fetch_time():
    for name, columns in TABLES.items():
        names = [c for c, _ in columns]
        assert "fetched_at" in names or name == "cdp_landing__pull_runs"
    assert ("rule_conditions", "varchar") in TABLES["cdp_landing__segments"]
