"""Membership SQL on the landing fixture: batching to a statement length gives identical members;
SQL that is not TD's skeleton for the segment's own parent segment, or that holds ';', is refused
with an error naming the segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace
from tests.fixtures.landing_fixture import RUN_DATE, LandingFixture, build_landing_fixture, write_landing

RUN = RUN_DATE.isoformat()
SELECT = ["run", "--select", "+int_segment_members"]
BOUNDARY = "/* sa_batch_boundary */"


def _compiled(workspace: DbtWorkspace) -> str:
    path = workspace.root / "target" / "compiled" / "segment_analytics" / "models" / "intermediate"
    return (path / "int_segment_members.sql").read_text(encoding="utf-8")


def test_batched_membership_is_identical(dbt_workspace: DbtWorkspace) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(SELECT, run_date=RUN)
    one_statement = sorted(dbt_workspace.query("select * from int_segment_members"))
    assert BOUNDARY not in _compiled(dbt_workspace)
    assert len(one_statement) == 8

    limit = 2450  # 2000 are kept for the create/insert wrapper: 450 characters of SQL per batch
    dbt_workspace.dbt(SELECT, run_date=RUN, extra_vars={"sa_max_statement_length": limit})
    batches = _compiled(dbt_workspace).split(BOUNDARY)
    assert len(batches) == 3
    assert all(len(batch) <= limit - 2000 for batch in batches)
    assert sorted(dbt_workspace.query("select * from int_segment_members")) == one_statement

    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(SELECT, run_date=RUN, extra_vars={"sa_max_statement_length": 2100})
    assert "segment s" in str(caught.value) and "statement limit" in str(caught.value)


@pytest.mark.parametrize(("segment_sql", "rule_hash", "segment_id", "reason"), [
    ('select a.* from "cdp_audience_101"."customers" a where (1 = 1); drop table x', "h1", "s1", "';'"),
    # another parent segment's customers: not this segment's skeleton
    ('select a.* from "cdp_audience_101"."customers" a', "h4", "s4", "does not start with"),
])
def test_unsafe_member_sql_is_refused(tmp_path: Path, segment_sql: str, rule_hash: str, segment_id: str,
                                      reason: str) -> None:
    workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "fixture.duckdb")
    workspace.write_profile()
    fixture = build_landing_fixture(workspace.db_path)
    for row in fixture.segment_sql:
        if row["rule_hash"] == rule_hash and row["dialect"] == "duckdb":
            row["segment_sql"] = segment_sql
    write_landing(LandingFixture(path=workspace.db_path, segment_sql=fixture.segment_sql))
    with pytest.raises(DbtFailed) as caught:
        workspace.dbt(SELECT, run_date=RUN)
    message = str(caught.value)
    assert f"segment {segment_id} " in message
    assert reason in message
