"""The benchmark data generated inside Trino by SQL, so that loading is not what is measured.

The same shape and seed semantics as bench/events.py (DuckDB): `profiles` customers with a
uniform score, five countries and an age; per behaviour table `events_per_day * share` events a
day spread evenly over each day, written in time order (`sorted_by time`) and partitioned by UTC
day (`truncate(time, 86400)`: a file per day, as a table appended to daily is, and as Treasure Data
partitions by time, so a scan of a few days reads those days only, not one file of all 90 days;
deleting the new day drops its files), profiles drawn with the skew `u ** 1.6`, the event index
global so that a day's events never depend on the run. The uniform draws hash (row index, salt,
seed) with Trino's xxhash64 instead of DuckDB's hash(), so the two engines hold different (equally
distributed) rows and the cross-check compares the contenders of one engine. The landing tables
are written with the project's own Trino landing writer.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bench.events import epoch, table_columns
from bench.landing import make_batch
from bench.sizes import Size
from bench.trino_engine import TrinoSession, TrinoTarget
from bench.workload import AUDIENCE_SCHEMA, BEHAVIOR_SCHEMA, TABLES, BehaviorTable
from segment_analytics_sandbox.synthetic.segments import SyntheticSegment, make_segments, sql_literal

LANDING_SCHEMA = "bench_landing"
META_SCHEMA = "bench_meta"
GENERATOR_USER = "bench_generator"
GENERATOR_VERSION = 2  # 2: behaviour tables partitioned by day
CHUNK = 10_000  # Trino's sequence() holds at most 10,000 elements
DAYS_PER_STATEMENT = 10


def uniform(salt: str, seed: int, i: str = "i") -> str:
    """SQL for a deterministic uniform double in [0, 1) from the row index `i`."""
    key = f"concat(cast({i} as varchar), ':{salt}:{seed}')"
    return (f"(cast(bitwise_right_shift(from_big_endian_64(xxhash64(to_utf8({key}))), 11) as double)"
            " / 9007199254740992e0)")


def index_rows(start: int, stop: int) -> str:
    """A relation of one bigint column `i` over [start, stop)."""
    lo, hi = start // CHUNK, max(start, stop - 1) // CHUNK
    return (f"(select hi.h * {CHUNK} + lo.l as i from unnest(sequence({lo}, {hi})) hi(h) "
            f"cross join unnest(sequence(0, {CHUNK - 1})) lo(l) "
            f"where hi.h * {CHUNK} + lo.l >= {start} and hi.h * {CHUNK} + lo.l < {stop})")


def customers_sql(size: Size) -> str:
    countries = "array['JP', 'US', 'DE', 'FR', 'BR']"
    return f"""create table "{AUDIENCE_SCHEMA}"."customers" as
        select 'cus' || cast(i as varchar) as cdp_customer_id,
               'tdc' || cast(i as varchar) as td_canonical_id,
               cast(floor({uniform('score', size.seed)} * 100000) as integer) as score,
               element_at({countries}, 1 + cast(floor({uniform('country', size.seed)} * 5) as integer)) as country,
               18 + cast(floor({uniform('age', size.seed)} * 62) as integer) as age
        from {index_rows(0, size.profiles)} t"""


def events_sql(table: BehaviorTable, size: Size, first_day: dt.date, days: int, create: bool) -> str:
    per_day = int(round(size.events_per_day * table.share))
    n = per_day * days
    base = per_day * (first_day - size.first_day).days
    select = f"""
        select 'tdc' || cast(cast(floor(power({uniform(f'{table.name}:p', size.seed)}, 1.6) * {size.profiles})
                                   as bigint) as varchar) as td_canonical_id,
               {epoch(first_day)} + cast(floor(cast(i - {base} as double) * {days * 86400} / {n}) as bigint) as time,
               {table_columns(table, size.seed, uniform)}
        from {index_rows(base, base + n)} t"""
    relation = f'"{BEHAVIOR_SCHEMA}"."{table.name}"'
    if create:
        return (f"create table {relation} with (partitioning = array['truncate(time, 86400)'], "
                f"sorted_by = array['time']) as {select}")
    return f"insert into {relation} {select}"


def _fingerprint(size: Size) -> str:
    data = {k: v for k, v in size.__dict__.items() if k != "repetitions"}
    return json.dumps({"size": data, "generator": GENERATOR_VERSION}, sort_keys=True, default=str)


def _stored(session: TrinoSession) -> str | None:
    try:
        row = session.execute(f'select fingerprint from "{META_SCHEMA}"."fingerprint"').fetchone()
    except Exception:  # noqa: BLE001 - the table does not exist yet (any Trino error means: generate)
        return None
    return row[0] if row else None


def drop_schema(session: TrinoSession, schema: str) -> None:
    session.execute(f'drop schema if exists "{schema}" cascade')


def generate(target: TrinoTarget, size: Size, force: bool = False) -> bool:
    """Customers, behaviour tables and the base pull's landing tables for `size`, unless the
    server holds them already. Returns whether it generated."""
    with target.session(GENERATOR_USER) as session:
        if not force and _stored(session) == _fingerprint(size):
            reset_new_day(target, session, size)
            return False
        for schema in (AUDIENCE_SCHEMA, BEHAVIOR_SCHEMA, LANDING_SCHEMA, META_SCHEMA):
            drop_schema(session, schema)
            session.execute(f'create schema "{schema}"')
        session.execute(customers_sql(size))
        for table in TABLES:
            # a few days per statement: each day is a partition, and a writer's buffers per open
            # partition would pass the query memory limit with all 90 days at once at size M
            for offset in range(0, size.days, DAYS_PER_STATEMENT):
                first = size.first_day + dt.timedelta(days=offset)
                days = min(DAYS_PER_STATEMENT, size.days - offset)
                session.execute(events_sql(table, size, first, days, create=offset == 0))
        land(target, session, size, size.run_date)
        session.execute(f'create table "{META_SCHEMA}"."fingerprint" as select {sql_literal(_fingerprint(size))} '
                        "as fingerprint")
    return True


def segments_of(size: Size) -> list[SyntheticSegment]:
    return make_segments(size.segments, size.seed, AUDIENCE_SCHEMA)


def segment_populations(session: TrinoSession, segments: list[SyntheticSegment]) -> tuple[int, dict[str, int]]:
    total = session.execute(f'select count(*) from "{AUDIENCE_SCHEMA}"."customers"').fetchone()
    counts = " union all ".join(f"select {sql_literal(s.segment_id)} as segment_id, count(*) as n from ({s.sql}) m"
                                for s in segments)
    members = {str(k): int(v) for k, v in session.execute(counts).fetchall()}
    return int(total[0]) if total else 0, members


def land(target: TrinoTarget, session: TrinoSession, size: Size, run_date: dt.date) -> None:
    """Land one pull of the size's segments on `run_date` with the project's Trino landing writer."""
    from orchestrate.warehouse.trino import TrinoLandingWriter

    segments = segments_of(size)
    population, members = segment_populations(session, segments)
    writer = TrinoLandingWriter(host=target.host, port=target.port, user=GENERATOR_USER,
                                catalog=target.catalog, schema=LANDING_SCHEMA)
    try:
        known = {key[1] for key in writer.existing_sql_keys()}
        writer.write(make_batch(segments, run_date, population, members, known, "trino"))
    finally:
        writer.close()


def reset_new_day(target: TrinoTarget, session: TrinoSession, size: Size) -> None:
    """Back to the base data: no events on or after the run date, only the base pull landed."""
    cutoff = epoch(size.run_date)
    for table in TABLES:
        session.execute(f'delete from "{BEHAVIOR_SCHEMA}"."{table.name}" where time >= {cutoff}')
    drop_schema(session, LANDING_SCHEMA)
    session.execute(f'create schema "{LANDING_SCHEMA}"')
    land(target, session, size, size.run_date)


def add_new_day(target: TrinoTarget, size: Size) -> dt.date:
    """Append one new day of events (the base run date) and land an unchanged pull on the next day."""
    with target.session(GENERATOR_USER) as session:
        for table in TABLES:
            session.execute(events_sql(table, size, size.run_date, 1, create=False))
        new_run_date = size.run_date + dt.timedelta(days=1)
        land(target, session, size, new_run_date)
    return new_run_date


def shape(target: TrinoTarget, size: Size) -> dict[str, Any]:
    with target.session(GENERATOR_USER) as session:
        events = sum(int(session.execute(f'select count(*) from "{BEHAVIOR_SCHEMA}"."{t.name}"').fetchone()[0])  # type: ignore[index]
                     for t in TABLES)
        row = session.execute(f'select sum(population) from "{LANDING_SCHEMA}".cdp_landing__segments').fetchone()
    return {"profiles": size.profiles, "events": events, "segments": size.segments, "days": size.days,
            "memberships": int(row[0]) if row and row[0] is not None else 0,
            "metrics": sum(len(t.metrics) for t in TABLES), "behaviour_tables": len(TABLES), "seed": size.seed,
            "run_date": size.run_date.isoformat(),
            "new_day_events": sum(int(round(size.events_per_day * t.share)) for t in TABLES)}
