"""The demo account through the whole pipeline on several engines at once, day by day.

`run_demo` (orchestrate.demo.run) drives the simulated days: it loads the day's behaviour data into
its DuckDB file, sets the fake CDP API's state, then calls a runner's pull and build. The runner here
does, for every run date and for each engine in turn (DuckDB, Trino, Trino in Treasure Data mode):
load the same day's behaviour tables into Trino (once), pull from the same fake API into that
engine's landing tables (orchestrate.pull.run_pull via orchestrate.warehouse.for_target), and run
`dbt build` (every model, snapshot and test). All engines therefore see identical inputs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestrate import dbt_runner
from orchestrate.commands import RunContext, resolve_context
from orchestrate.demo.config import demo_vars_text
from orchestrate.demo.generate import generate
from orchestrate.demo.load import load_trino
from orchestrate.demo.run import _local_client, _Runner
from orchestrate.demo.tables import tables_on
from orchestrate.pull import run_pull
from orchestrate.warehouse import for_target

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Engine:
    """One warehouse the pipeline runs on: a profiles.yml.example target plus env and vars."""

    name: str
    target: str
    env: dict[str, str] = field(default_factory=dict)
    vars: dict = field(default_factory=dict)
    seconds: float = 0.0


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _context(engine: Engine, run_date: dt.date, work: Path) -> RunContext:
    import json

    args = argparse.Namespace(project_dir=str(REPO_ROOT), vars_text=demo_vars_text(json.dumps(engine.vars)),
                              run_date=run_date.isoformat(), profiles_dir=None, target=engine.target)
    return resolve_context(args)


def lockstep_runner(engines: list[Engine], trino_server, work: Path, *, seed_value: int, n_profiles: int,
                    run_dates: list[dt.date]) -> _Runner:  # noqa: ANN001 - tests.fixtures.trino.TrinoServer
    """A demo runner that pulls and builds on every engine for each run date."""
    import time

    data = generate(seed=seed_value, n_profiles=n_profiles, run_dates=run_dates)
    loaded: list[dt.date] = []

    def pull(run_date: dt.date, api_url: str) -> object:
        conn = trino_server.connect()
        try:
            load_trino(conn, tables_on(data, run_date, loaded[-1] if loaded else None), catalog=trino_server.catalog)
        finally:
            conn.close()
        loaded.append(run_date)
        for engine in engines:
            began = time.monotonic()
            with _environment(engine.env):
                ctx = _context(engine, run_date, work)
                writer = for_target(ctx.target_profile, ctx.config.get("landing_schema"))
                run_pull(client=_local_client(api_url), writer=writer, config=ctx.config, run_date=run_date,
                         sql_source=ctx.config["segment_sql_source"], dialect=ctx.dialect)
            engine.seconds += time.monotonic() - began
        return None

    def build(run_date: dt.date) -> object:
        for engine in engines:
            began = time.monotonic()
            with _environment(engine.env):
                ctx = _context(engine, run_date, work)
                dbt_runner.run_dbt(
                    ["build", "--target-path", str(work / f"target_{engine.name}")],
                    project_dir=ctx.project_dir, profiles_dir=ctx.profiles_dir, target=ctx.target,
                    vars=ctx.dbt_vars,
                )
            engine.seconds += time.monotonic() - began
        return None

    return _Runner(pull, build)
