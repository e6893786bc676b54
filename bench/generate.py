"""Generate (or reuse) the base DuckDB file of one size: customers, behaviour tables, landing tables."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import duckdb

from bench.events import create_customers, insert_events
from bench.landing import land
from bench.segments import make_segments
from bench.sizes import Size

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_META_TABLE = "main.bench_meta"
GENERATOR_VERSION = 2


def _fingerprint(size: Size) -> str:
    return json.dumps({"size": size.__dict__, "generator": GENERATOR_VERSION}, default=str, sort_keys=True)


def base_path(size: Size, directory: Path = RESULTS_DIR) -> Path:
    return directory / f"bench_{size.name}.duckdb"


def _is_current(path: Path, size: Size) -> bool:
    if not path.exists():
        return False
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(f"select fingerprint from {_META_TABLE}").fetchone()
    except duckdb.Error:
        return False
    return row is not None and row[0] == _fingerprint(size)


def generate(size: Size, directory: Path = RESULTS_DIR, force: bool = False) -> Path:
    """Write the base file for `size` unless an identical one exists; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = base_path(size, directory)
    if not force and _is_current(path, size):
        return path
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(tmp)) as con:
        create_customers(con, size)
        insert_events(con, size, size.first_day, size.days, create=True)
    land(tmp, make_segments(size.segments, size.seed), size.run_date)
    with duckdb.connect(str(tmp)) as con:
        con.execute(f"create table {_META_TABLE} as select ? as fingerprint", [_fingerprint(size)])
        con.execute("checkpoint")
    tmp.replace(path)
    print(f"generated {path.name} in {time.perf_counter() - started:.1f}s", flush=True)
    return path


def add_new_day(db: Path, size: Size) -> dt.date:
    """Append one new day of events (the base run date) and land an unchanged pull on the next day.

    Returns the new run date.
    """
    with duckdb.connect(str(db)) as con:
        insert_events(con, size, size.run_date, 1, create=False)
    new_run_date = size.run_date + dt.timedelta(days=1)
    land(db, make_segments(size.segments, size.seed), new_run_date)
    return new_run_date
