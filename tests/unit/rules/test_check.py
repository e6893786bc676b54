"""orchestrate.rules.check: compiled vs API member counts on a DB-API connection."""

from __future__ import annotations

import duckdb

from orchestrate.rules import check_counts, compile_rule
from tests.rules_oracle.executor import DbApiRulesExecutor
from tests.unit.rules.datasets import PEOPLE
from tests.unit.rules.rulekit import attr, op, rule


def test_check_counts_reports_matches_differences_errors_and_incomplete():
    connection = duckdb.connect()
    DbApiRulesExecutor(connection, "duckdb").load(PEOPLE)
    vip = compile_rule(rule(attr("vip", op("Equal", rightValue=True))), audience_id="1001", dialect="duckdb")
    api_vip = 'select a.* from "cdp_audience_1001"."customers" a where (a."vip" = true)'
    api_other = 'select a.* from "cdp_audience_1001"."customers" a where (a."age" > 30)'
    report = check_counts(connection, [
        ("s1", vip, api_vip),
        ("s2", vip, api_other),
        ("s3", vip, "select * from no_such_table"),
        ("s4", vip, None),
        ("s5", None, api_vip),
        ("s6", vip + "\n-- trailing comment", api_vip + ";\n"),
    ])
    by_id = {r.segment_id: r for r in report.results}
    assert (by_id["s1"].status, by_id["s1"].compiled_count, by_id["s1"].api_count) == ("match", 3, 3)
    assert (by_id["s2"].status, by_id["s2"].difference) == ("differ", 3 - 4)
    assert by_id["s3"].status == "error" and "no_such_table" in by_id["s3"].api_error
    assert by_id["s3"].compiled_count == 3
    assert (by_id["s4"].status, by_id["s4"].api_count) == ("incomplete", None)
    assert (by_id["s5"].status, by_id["s5"].compiled_count, by_id["s5"].api_count) == ("incomplete", None, 3)
    assert (by_id["s6"].status, by_id["s6"].api_count) == ("match", 3)
    assert [r.segment_id for r in report.differences] == ["s2", "s3"]
    assert report.compared == 3
    connection.close()
