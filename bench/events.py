"""Behaviour tables, generated in DuckDB SQL from `range()` and `hash()` (deterministic by seed).

Event times are spread evenly over the days and rows are written in time order, as a
time-partitioned event store would hold them. Profiles are drawn with a skew (u ** 1.6): a few
profiles are much more active than most, as in real behaviour data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from bench.sizes import Size
from bench.workload import AUDIENCE_SCHEMA, BEHAVIOR_SCHEMA, TABLES, BehaviorTable

_UNIT = "((hash({i}, {salt}, {seed}) >> 11)::double / 9007199254740992.0)"


def epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def uniform(salt: str, seed: int, i: str = "i") -> str:
    """SQL for a deterministic uniform double in [0, 1) from the row index `i`."""
    return _UNIT.format(i=i, salt=f"'{salt}'", seed=seed)


def create_customers(con: duckdb.DuckDBPyConnection, size: Size) -> None:
    countries = "['JP', 'US', 'DE', 'FR', 'BR']"
    con.execute(f'create schema if not exists "{AUDIENCE_SCHEMA}"')
    con.execute(
        f"""
        create or replace table "{AUDIENCE_SCHEMA}"."customers" as
        select
          'cus' || i as cdp_customer_id,
          'tdc' || i as td_canonical_id,
          cast(floor({uniform('score', size.seed)} * 100000) as integer) as score,
          {countries}[1 + cast(floor({uniform('country', size.seed)} * 5) as integer)] as country,
          18 + cast(floor({uniform('age', size.seed)} * 62) as integer) as age
        from range({size.profiles}) t(i)
        order by i
        """
    )


def table_columns(table: BehaviorTable, seed: int, uniform: Callable[[str, int], str] = uniform) -> str:
    """The behaviour table's own columns as SQL over the row index; `uniform` is the engine's
    spelling of the seeded uniform draw (bench/trino_data.py passes Trino's)."""
    u = uniform(f"{table.name}:v", seed)
    if table.name == "orders":
        return (f"round(5 + {u} * 195, 2) as amount, "
                f"1 + cast(floor({uniform('orders:n', seed)} * 5) as integer) as items")
    if table.name == "pageviews":
        return (f"'/page/' || cast(cast(floor({u} * 50) as integer) as varchar) || "
                f"case when {uniform('pageviews:utm', seed)} < 0.1 then '?utm_source=ad' else '' end as td_url")
    if table.name == "email_events":
        return f"case when {u} < 0.6 then 'send' when {u} < 0.85 then 'open' else 'click' end as event_type"
    raise ValueError(f"no column generator for behaviour table {table.name!r}")


def insert_events(con: duckdb.DuckDBPyConnection, size: Size, first_day: dt.date, days: int,
                  create: bool) -> int:
    """Write `size.events_per_day * days` events over [first_day, first_day + days); returns rows."""
    con.execute(f'create schema if not exists "{BEHAVIOR_SCHEMA}"')
    start = epoch(first_day)
    span = days * 86400
    day_offset = (first_day - size.first_day).days
    written = 0
    for table in TABLES:
        per_day = int(round(size.events_per_day * table.share))
        n = per_day * days
        base = per_day * day_offset  # global event index: a day's events never depend on the run
        select = f"""
            select
              'tdc' || cast(floor(pow({uniform(f'{table.name}:p', size.seed)}, 1.6) * {size.profiles})
                            as bigint) as td_canonical_id,
              {start} + cast(floor((i - {base}) * {span}.0 / {n}) as bigint) as time,
              {table_columns(table, size.seed)}
            from range({base}, {base + n}) t(i)
            order by i
        """
        if create:
            con.execute(f'create or replace table "{BEHAVIOR_SCHEMA}"."{table.name}" as {select}')
        else:
            con.execute(f'insert into "{BEHAVIOR_SCHEMA}"."{table.name}" {select}')
        written += n
    return written
