"""The floor: one bare scan of each behaviour table with a per-profile-day group-by.

Computes the same six metric aggregates per (profile, day) and materialises them, which is the
least work any pipeline producing per-day metrics must do; joins to membership come on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from bench.workload import PROFILE_ID, TABLES, TIME_COL, BehaviorTable

if TYPE_CHECKING:
    from bench.trino_engine import TrinoSession

SCHEMA = "bench_floor"


def _aggregates(table: BehaviorTable) -> str:
    parts = []
    for m in table.metrics:
        arg = "*" if m.agg_col == "1" and m.agg == "count" else m.agg_col
        expr = f"{m.agg}({arg})"
        if m.filter:
            expr += f" filter (where {m.filter})"
        parts.append(f"{expr} as {m.name}")
    return ", ".join(parts)


def statements() -> list[str]:
    out = [f'create schema if not exists "{SCHEMA}"']
    for table in TABLES:
        out.append(
            f"""create or replace table "{SCHEMA}"."{table.name}_profile_daily" as
                select {PROFILE_ID}, {TIME_COL} // 86400 as day_number, {_aggregates(table)}
                from {table.relation}
                group by 1, 2"""
        )
    return out


def run(con: duckdb.DuckDBPyConnection | TrinoSession) -> int:
    sqls = statements()
    for sql in sqls:
        con.execute(sql)
    return len(sqls)
