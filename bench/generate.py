"""Generate (or reuse) the base DuckDB file of one size: customers, behaviour tables, landing tables."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.events import create_customers, insert_events
from bench.landing import land
from bench.sizes import Size
from bench.workload import AUDIENCE_SCHEMA
from segment_analytics_sandbox.synthetic.segments import make_segments

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_META_TABLE = "main.bench_meta"
# Bump EVENTS_VERSION when customers or behaviour tables change, LANDING_VERSION when only the
# landing tables do (then the events are kept and the landing is rewritten).
EVENTS_VERSION = 1
LANDING_VERSION = 3


def _fingerprint(size: Size) -> dict[str, Any]:
    data = {k: v for k, v in size.__dict__.items() if k != "repetitions"}
    return {"size": json.loads(json.dumps(data, default=str)), "events": EVENTS_VERSION,
            "landing": LANDING_VERSION}


def base_path(size: Size, directory: Path = RESULTS_DIR) -> Path:
    return directory / f"bench_{size.name}.duckdb"


def _stored(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(f"select fingerprint from {_META_TABLE}").fetchone()
    except duckdb.Error:
        return None
    if row is None:
        return None
    stored = json.loads(row[0])
    stored.setdefault("events", stored.get("generator"))
    stored["size"].pop("repetitions", None)
    return stored


def _write_meta(path: Path, size: Size) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"create or replace table {_META_TABLE} as select ? as fingerprint",
                    [json.dumps(_fingerprint(size), sort_keys=True)])
        con.execute("checkpoint")


def _reland(path: Path, size: Size) -> None:
    with duckdb.connect(str(path)) as con:
        tables = con.execute("select table_name from information_schema.tables "
                             "where table_schema = 'main' and table_name like 'cdp_landing__%'").fetchall()
        for (name,) in tables:
            con.execute(f'drop table "main"."{name}"')
    land(path, make_segments(size.segments, size.seed, AUDIENCE_SCHEMA), size.run_date)
    _write_meta(path, size)


def generate(size: Size, directory: Path = RESULTS_DIR, force: bool = False) -> Path:
    """Write the base file for `size` unless an identical one exists; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = base_path(size, directory)
    wanted = _fingerprint(size)
    stored = None if force else _stored(path)
    if stored is not None and stored["size"] == wanted["size"] and stored["events"] == wanted["events"]:
        if stored.get("landing") != wanted["landing"]:
            _reland(path, size)
            print(f"re-landed {path.name} (landing version {LANDING_VERSION})", flush=True)
        return path
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(tmp)) as con:
        create_customers(con, size)
        insert_events(con, size, size.first_day, size.days, create=True)
    land(tmp, make_segments(size.segments, size.seed, AUDIENCE_SCHEMA), size.run_date)
    _write_meta(tmp, size)
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
    land(db, make_segments(size.segments, size.seed, AUDIENCE_SCHEMA), new_run_date)
    return new_run_date
