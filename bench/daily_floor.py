"""The daily floor: the least a daily run can do.

Every segment's membership evaluated once (all segments in one statement, from the compiler's
member SQL the pull landed) and one bare scan of the new day of each behaviour table, grouped by
(profile, day) and materialised, as the floor does for all days. Runs on DuckDB and (through
bench.trino_engine.TrinoSession) on Trino.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import duckdb

from bench.events import epoch
from bench.floor import _aggregates
from bench.workload import PROFILE_ID, TABLES, TIME_COL
from segment_analytics_sandbox.synthetic.segments import sql_literal

if TYPE_CHECKING:
    from bench.trino_engine import TrinoSession

SCHEMA = "bench_daily_floor"


def member_sql_statement(landing: str) -> str:
    """The statement that reads each segment's member SQL (one row per segment)."""
    return f"""select distinct s.segment_id, q.segment_sql
        from "{landing}".cdp_landing__segments s
        join "{landing}".cdp_landing__segment_sql q
          on q.ps_id = s.ps_id and q.rule_hash = s.rule_hash and q.sql_source = 'compiler'
        order by 1"""


def membership_statement(member_sql: list[tuple[str, str]]) -> str:
    """One statement evaluating every segment's membership once."""
    parts = [f"select {sql_literal(str(segment_id))} as segment_id, m.{PROFILE_ID} from ({sql}) m"
             for segment_id, sql in member_sql]
    return f'create or replace table "{SCHEMA}"."membership" as ' + " union all ".join(parts)


def scan_statements(new_day: dt.date) -> list[str]:
    start, end = epoch(new_day), epoch(new_day + dt.timedelta(days=1))
    return [
        f"""create or replace table "{SCHEMA}"."{table.name}_new_day" as
            select {PROFILE_ID}, {TIME_COL} // 86400 as day_number, {_aggregates(table)}
            from {table.relation}
            where {TIME_COL} >= {start} and {TIME_COL} < {end}
            group by 1, 2"""
        for table in TABLES
    ]


def run(con: duckdb.DuckDBPyConnection | TrinoSession, run_date: dt.date, landing: str = "main") -> int:
    """The daily floor of the run on `run_date` (the new day is the day before it); returns the
    number of statements."""
    con.execute(f'create schema if not exists "{SCHEMA}"')
    member_sql = [(str(a), str(b)) for a, b in con.execute(member_sql_statement(landing)).fetchall()]
    if not member_sql:
        raise ValueError(f"daily floor: no compiler member SQL in {landing}.cdp_landing__segment_sql")
    con.execute(membership_statement(member_sql))
    scans = scan_statements(run_date - dt.timedelta(days=1))
    for sql in scans:
        con.execute(sql)
    return 3 + len(scans)
