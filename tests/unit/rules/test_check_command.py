"""`rules check` glue: pairs read from the landing tables, counted, printed."""

from types import SimpleNamespace

import duckdb

from orchestrate.config import validate_config
from orchestrate.rules import compile_rule
from orchestrate.rules.check import check_from_context
from tests.fixtures.dbt_project import fixture_config

RULE_MEN = {"type": "And", "conditions": [{"type": "And", "conditions": [
    {"type": "Value", "leftValue": {"name": "gender"},
     "operator": {"type": "Equal", "rightValue": "Male", "not": False}, "exclude": False}]}]}


PULL = "pull-1"
EVERYONE = 'select a.* from "cdp_audience_1"."customers" a'


def _landing(path):
    con = duckdb.connect(str(path))
    con.execute('create schema "cdp_audience_1"')
    con.execute('create table "cdp_audience_1".customers (cdp_customer_id varchar, gender varchar)')
    con.execute("insert into \"cdp_audience_1\".customers values ('a','Male'),('b','Female'),('c','Male')")
    con.execute("create table cdp_landing__pull_runs (pull_id varchar, run_date date, finished_at timestamp, "
                "status varchar)")
    con.execute(f"insert into cdp_landing__pull_runs values ('{PULL}', date '2026-05-01', "
                "timestamp '2026-05-01 06:00:00', 'success')")
    con.execute("create table cdp_landing__segments (segment_id varchar, ps_id varchar, rule_hash varchar, "
                "pull_id varchar)")
    con.execute(f"insert into cdp_landing__segments values ('10','1','h1','{PULL}'),('11','1','h2','{PULL}'),"
                f"('12','1','h3','{PULL}')")
    con.execute("create table cdp_landing__segment_sql (ps_id varchar, rule_hash varchar, sql_source varchar, "
                "dialect varchar, segment_sql varchar, error varchar, fetched_at timestamp)")
    compiled = compile_rule(RULE_MEN, audience_id="1", dialect="duckdb")
    rows = [("1", "h1", "compiler", "duckdb", compiled), ("1", "h1", "api", "trino", compiled),  # agree
            ("1", "h2", "compiler", "duckdb", compiled), ("1", "h2", "api", "trino", EVERYONE),  # differ: 2 vs 3
            ("1", "h3", "compiler", "duckdb", compiled)]  # no API SQL: not compared
    con.executemany("insert into cdp_landing__segment_sql values (?, ?, ?, ?, ?, null, "
                    "timestamp '2026-05-01 05:00:00')", rows)
    con.close()


def _ctx(path):
    return SimpleNamespace(config=validate_config(fixture_config(landing_schema=None)), dialect="duckdb",
                           target_profile={"type": "duckdb", "path": str(path), "schema": "main"})


def test_rules_check_compares_segments_with_both_sqls(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    _landing(path)
    differences = check_from_context(_ctx(path))
    assert [(d.segment_id, d.compiled_count, d.api_count) for d in differences] == [("11", 2, 3)]
    out = capsys.readouterr().out
    assert "2 segment(s) compared, 1 difference(s)" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith(" ") and line.split()[0].isdigit()]
    assert listed == ["11", "10"]  # differences first; 12 has no API SQL, so it is not compared


def test_rules_check_reads_only_the_landed_pull(tmp_path, capsys):
    """On Trino / TD the segments table briefly holds a pull being written (or killed) beside the
    landed one, and a tidied-away older pull's rows may linger: `rules check` reads only the segments
    of the latest pull marked success, as the stg_cdp__ models do."""
    path = tmp_path / "w.duckdb"
    _landing(path)  # pull-1: segments 10, 11, 12, marked success
    con = duckdb.connect(str(path))
    con.execute("insert into cdp_landing__pull_runs values "
                "('pull-0', date '2026-04-30', timestamp '2026-04-30 06:00:00', 'success'), "
                "('pull-2', date '2026-05-02', timestamp '2026-05-02 06:00:00', 'failed')")
    con.execute("insert into cdp_landing__segments values ('19','1','h2','pull-0'), "  # older landing, not tidied
                "('10','1','h2','pull-2'), ('11','1','h1','pull-2'), ('16','1','h2','pull-2')")  # not committed
    con.close()
    differences = check_from_context(_ctx(path))
    assert [(d.segment_id, d.compiled_count, d.api_count) for d in differences] == [("11", 2, 3)]
    out = capsys.readouterr().out
    assert "2 segment(s) compared, 1 difference(s)" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith(" ") and line.split()[0].isdigit()]
    assert listed == ["11", "10"]


def test_rules_check_reads_the_newest_sql_row_of_each_rule(tmp_path, capsys):
    """Until the writer tidies up, a recompiled rule's superseded segment_sql row sits beside the new
    one: each segment is checked once, with the newest SQL."""
    path = tmp_path / "w.duckdb"
    _landing(path)
    con = duckdb.connect(str(path))
    con.execute("insert into cdp_landing__segment_sql values ('1', 'h1', 'compiler', 'duckdb', ?, null, "
                "timestamp '2026-04-30 05:00:00')", [EVERYONE])  # superseded by the h1 row of pull-1
    con.close()
    report = check_from_context(_ctx(path))
    assert [(d.segment_id, d.compiled_count, d.api_count) for d in report] == [("11", 2, 3)]
    out = capsys.readouterr().out
    assert "2 segment(s) compared, 1 difference(s)" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith(" ") and line.split()[0].isdigit()]
    assert listed == ["11", "10"]


def test_rules_check_never_runs_refused_sql_and_lists_it(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    _landing(path)
    con = duckdb.connect(str(path))
    con.execute("create table secrets (td_canonical_id varchar)")
    con.execute("insert into secrets values ('s1'), ('s2')")
    con.execute(f"insert into cdp_landing__segments values ('13','1','h4','{PULL}'),('14','1','h5','{PULL}')")
    smuggled = ('select a.* from "cdp_audience_1"."customers" a where (1 = 1) '
                'union all by name select td_canonical_id from main.secrets')
    compiled = compile_rule(RULE_MEN, audience_id="1", dialect="duckdb")
    con.executemany("insert into cdp_landing__segment_sql values (?, ?, ?, ?, ?, ?, null)", [
        ("1", "h4", "compiler", "duckdb", compiled, None),
        ("1", "h4", "api", "trino", smuggled, None),  # tampered landing: refused now
        ("1", "h5", "compiler", "duckdb", compiled, None),
        ("1", "h5", "api", "trino", None, "rejected by the member-SQL guard: API SQL reads x.y"),  # at pull time
    ])
    con.close()
    differences = check_from_context(_ctx(path))
    refused = {d.segment_id: d for d in differences if d.status == "refused"}
    assert set(refused) == {"13", "14"}
    assert refused["13"].api_count is None and refused["13"].compiled_count == 2
    assert "FROM reads something other" in refused["13"].api_refused
    assert refused["14"].api_refused == "rejected by the member-SQL guard: API SQL reads x.y"
    out = capsys.readouterr().out
    assert "api SQL not run, rejected by the member-SQL guard" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith(" ") and line.split()[0].isdigit()]
    assert listed[:2] == ["13", "14"]  # refused first


def test_rules_check_refusal_happens_before_execution(monkeypatch):
    """The guard decides before any statement reaches the connection."""
    from orchestrate.rules import check

    ran: list[str] = []
    monkeypatch.setattr(check, "_count", lambda connection, sql: ran.append(sql) or (1, None))
    smuggled = ('select a.* from "cdp_audience_1"."customers" a where (1 = 1) '
                "union all by name select content from read_text('/etc/passwd')")
    fine = 'select a.* from "cdp_audience_1"."customers" a'
    report = check.check_landed(None, [check.LandedPair("1", "1", fine, smuggled)], dialect="duckdb")
    assert ran == [fine]
    assert report.results[0].status == "refused"
