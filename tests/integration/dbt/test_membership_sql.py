"""Membership SQL on the landing fixture: batching to a statement length gives identical members,
cut by the header's lengths; landed SQL the build-time member-SQL guard refuses (not TD's skeleton
for the segment's own parent segment, a ';' outside literals, too long for one statement) skips
that segment alone, flagged in int_segments__selected, while every other segment builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.fixtures.dbt_project import DbtWorkspace
from tests.fixtures.landing_fixture import RUN_DATE, LandingFixture, build_landing_fixture, write_landing

RUN = RUN_DATE.isoformat()
SELECT = ["run", "--select", "+int_segment_members"]
HEADER = re.compile(r"/\* sa_batches: ([0-9,]+) \*/\n")
JOINER = "\nunion all\n"
ALL_MEMBERS = {("s1", "p1"), ("s1", "p2"), ("s1", "p3"), ("s2", "p2"), ("s2", "p3"), ("s2", "p4"),
               ("s4", "p4"), ("s4", "p6")}


def _compiled(workspace: DbtWorkspace) -> str:
    path = workspace.root / "target" / "compiled" / "segment_analytics" / "models" / "intermediate"
    return (path / "int_segment_members.sql").read_text(encoding="utf-8")


def _batches(compiled: str) -> list[str]:
    """The batches the header announces, cut by its lengths (what sa_batched_table runs)."""
    found = HEADER.search(compiled)
    assert found, "int_segment_members must carry its batch header"
    at, batches = found.end(), []
    for index, length in enumerate(int(n) for n in found.group(1).split(",")):
        if index:
            assert compiled[at:at + len(JOINER)] == JOINER
            at += len(JOINER)
        batches.append(compiled[at:at + length])
        at += length
    assert compiled[at:].strip() == ""
    return batches


def _members(workspace: DbtWorkspace) -> set[tuple[str, str]]:
    return {(s, p) for s, p in workspace.query("select segment_id, profile_id from sa_int_segment_members")}


def test_batched_membership_is_identical(dbt_workspace: DbtWorkspace) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(SELECT, run_date=RUN)
    one_statement = sorted(dbt_workspace.query("select * from sa_int_segment_members"))
    assert len(_batches(_compiled(dbt_workspace))) == 1
    assert len(one_statement) == 8

    limit = 2450  # 2000 are kept for the create/insert wrapper: 450 characters of SQL per batch
    dbt_workspace.dbt(SELECT, run_date=RUN, extra_vars={"sa_max_statement_length": limit})
    batches = _batches(_compiled(dbt_workspace))
    assert len(batches) == 3
    assert all(len(batch) <= limit - 2000 for batch in batches)
    assert all(batch.lstrip().startswith("select distinct") for batch in batches)
    assert sorted(dbt_workspace.query("select * from sa_int_segment_members")) == one_statement
    log = (dbt_workspace.root / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "3 statement(s) of " + ", ".join(str(len(b)) for b in batches) + " characters" in log

    # no segment's SQL fits: each one is flagged, the model still builds (empty)
    dbt_workspace.dbt(SELECT, run_date=RUN, extra_vars={"sa_max_statement_length": 2100})
    assert _members(dbt_workspace) == set()
    problems = dict(dbt_workspace.query(
        "select segment_id, member_sql_problem from sa_int_segments__selected where member_sql_problem is not null"))
    assert {s for s, p in problems.items() if "too long for one statement" in p} == {"s1", "s2", "s4"}


def test_batches_hold_at_most_the_engine_union_limit(dbt_workspace: DbtWorkspace) -> None:
    """Trino refuses a plan of more than 150 stages, so a batch also holds a bounded number of
    segments; forced to 2 here, the three segments with SQL make two batches and the same members."""
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(SELECT, run_date=RUN, extra_vars={"sa_max_union_branches": 2})
    batches = _batches(_compiled(dbt_workspace))
    assert [batch.count("select distinct") for batch in batches] == [2, 1]
    assert _members(dbt_workspace) == ALL_MEMBERS


@pytest.mark.parametrize(("segment_sql", "rule_hash", "segment_id", "reason"), [
    ('select a.* from "cdp_audience_101"."customers" a where (1 = 1); drop table x', "h1", "s1", "';'"),
    # another parent segment's customers: not this segment's skeleton
    ('select a.* from "cdp_audience_101"."customers" a', "h4", "s4", "does not start with"),
    ('select a.* from "cdp_audience_101"."customers" a where (a."country" in '
     '(select content from read_text(\'/etc/passwd\')))', "h1", "s1", "FROM reads something other"),
    ('select a.* from "cdp_audience_101"."customers" a where (1 = 1) union all by name '
     'select content as td_canonical_id from read_text(\'/etc/hostname\')', "h1", "s1", "FROM reads"),
    ('select a.* from "cdp_audience_101"."customers" a where (a."country" = \'JP\') /* x', "h1", "s1",
     "block comment"),
])
def test_unsafe_member_sql_skips_only_its_segment(tmp_path: Path, segment_sql: str, rule_hash: str,
                                                 segment_id: str, reason: str) -> None:
    workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "fixture.duckdb")
    workspace.write_profile()
    fixture = build_landing_fixture(workspace.db_path)
    for row in fixture.segment_sql:
        if row["rule_hash"] == rule_hash and row["dialect"] == "duckdb":
            row["segment_sql"] = segment_sql
    write_landing(LandingFixture(path=workspace.db_path, segment_sql=fixture.segment_sql))
    workspace.dbt(SELECT, run_date=RUN)
    assert _members(workspace) == {m for m in ALL_MEMBERS if m[0] != segment_id}
    [(member_sql, problem)] = workspace.query(
        f"select member_sql, member_sql_problem from sa_int_segments__selected where segment_id = '{segment_id}'")
    assert member_sql is None
    assert problem.startswith("rejected by the member-SQL guard: landed compiler SQL ")
    assert reason in problem
    assert f"cast('{segment_id}' as" not in _compiled(workspace)  # the segment is not in the statement
