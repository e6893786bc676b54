"""The build-time member-SQL guard (dbt macro sa_member_sql_problem) gives the same verdict, word for
word, as its Python twin orchestrate.rules.member_sql_guard.lexical_problem, on hostile SQL and on
compiled SQL carrying hostile rule values, landed for many segments of one account at once."""

from __future__ import annotations

from orchestrate.rules import compile_rule
from orchestrate.rules.member_sql_guard import REJECTED_PREFIX, lexical_problem
from tests.fixtures.dbt_project import DbtWorkspace
from tests.fixtures.landing_fixture import PS_RETAIL, RUN_DATE, LandingFixture, build_landing_fixture, write_landing
from tests.unit.rules.test_member_sql_guard import HOSTILE, _hostile_rule

RUN = RUN_DATE.isoformat()


def _corpus() -> list[str]:
    own = f'"cdp_audience_{PS_RETAIL}"'
    sqls = [sql.replace('"cdp_audience_1"', own).replace('"cdp_audience_2"', '"cdp_audience_999"')
            for _, sql, _, _ in HOSTILE]
    sqls.append(compile_rule(_hostile_rule(), audience_id=PS_RETAIL, dialect="duckdb"))
    sqls.append(f'select a.* from {own}."customers" a where (a."country" = \'a;b\')\n-- trailing')
    long_tail = " or ".join(f"a.\"c{i}\" = {i}" for i in range(30))
    sqls.append(f'select  b.*\n from {own}."customers" b where ({long_tail})')  # long snippets
    sqls.append(f'select a.* from {own}."customers" a where (a."k" in (select x from read_parquet({long_tail})))')
    return sqls


def test_dbt_guard_agrees_with_the_python_guard(dbt_workspace: DbtWorkspace) -> None:
    fixture = build_landing_fixture(dbt_workspace.db_path)
    corpus = _corpus()
    for index, sql in enumerate(corpus):
        fixture.segments.append({
            "segment_id": f"g{index}", "ps_id": PS_RETAIL, "folder_id": "f1", "segment_name": f"guard {index}",
            "api_version": "v5", "segment_kind": "batch", "realtime": False, "population": 1,
            "rule_hash": f"hg{index}"})
        fixture.segment_sql.append({"ps_id": PS_RETAIL, "rule_hash": f"hg{index}", "sql_source": "compiler",
                                    "dialect": "duckdb", "segment_sql": sql, "error": None})
    write_landing(LandingFixture(path=dbt_workspace.db_path, segments=fixture.segments,
                                 segment_sql=fixture.segment_sql))
    dbt_workspace.dbt(["run", "--select", "+int_segments__selected"], run_date=RUN)
    verdicts = dict(dbt_workspace.query(
        "select segment_id, member_sql_problem from sa_int_segments__selected where segment_id like 'g%'"))
    refused = 0
    for index, sql in enumerate(corpus):
        expected = lexical_problem(sql, PS_RETAIL)
        got = verdicts[f"g{index}"]
        if expected is None:
            assert got is None, (sql, got)
        else:
            refused += 1
            assert got == f"{REJECTED_PREFIX} landed compiler SQL {expected}", sql
    assert refused >= len(HOSTILE) - 2  # getenv/current_setting are the parser's (pull-time) refusals
