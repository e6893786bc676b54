"""`rules check` glue: pairs read from the landing tables, counted, printed."""

from types import SimpleNamespace

import duckdb

from orchestrate.rules import compile_rule
from orchestrate.rules.check import check_from_context

RULE_MEN = {"type": "And", "conditions": [{"type": "And", "conditions": [
    {"type": "Value", "leftValue": {"name": "gender"},
     "operator": {"type": "Equal", "rightValue": "Male", "not": False}, "exclude": False}]}]}


def _landing(path):
    con = duckdb.connect(str(path))
    con.execute('create schema "cdp_audience_1"')
    con.execute('create table "cdp_audience_1".customers (cdp_customer_id varchar, gender varchar)')
    con.execute("insert into \"cdp_audience_1\".customers values ('a','Male'),('b','Female'),('c','Male')")
    con.execute("create table cdp_landing__segments (segment_id varchar, ps_id varchar, rule_hash varchar)")
    con.execute("insert into cdp_landing__segments values ('10','1','h1'),('11','1','h2'),('12','1','h3')")
    con.execute("create table cdp_landing__segment_sql (ps_id varchar, rule_hash varchar, sql_source varchar, "
                "dialect varchar, segment_sql varchar)")
    compiled = compile_rule(RULE_MEN, audience_id="1", dialect="duckdb")
    everyone = 'select a.* from "cdp_audience_1"."customers" a'
    rows = [("1", "h1", "compiler", "duckdb", compiled), ("1", "h1", "api", "trino", compiled),  # agree
            ("1", "h2", "compiler", "duckdb", compiled), ("1", "h2", "api", "trino", everyone),  # differ: 2 vs 3
            ("1", "h3", "compiler", "duckdb", compiled)]  # no API SQL: not compared
    con.executemany("insert into cdp_landing__segment_sql values (?, ?, ?, ?, ?)", rows)
    con.close()


def test_rules_check_compares_segments_with_both_sqls(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    _landing(path)
    ctx = SimpleNamespace(config={"landing_schema": None}, dialect="duckdb",
                          target_profile={"type": "duckdb", "path": str(path), "schema": "main"})
    differences = check_from_context(ctx)
    assert [(d.segment_id, d.compiled_count, d.api_count) for d in differences] == [("11", 2, 3)]
    out = capsys.readouterr().out
    assert "2 segment(s) compared, 1 difference(s)" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith(" ") and line.split()[0].isdigit()]
    assert listed == ["11", "10"]  # differences first; 12 has no API SQL, so it is not compared
