"""The demo account through the whole pipeline on several engines at once, day by day.

`run_demo` (segment_analytics_sandbox.demo.run) drives the simulated days: it loads the day's behaviour data into
its DuckDB file, sets the fake CDP API's state, then calls a runner's pull and build. The runner here
does, for every run date and for each engine in turn (DuckDB, Trino, Trino in Treasure Data mode):
load the same day's behaviour tables into Trino (once), then the product's own steps on the run
context the CLI would resolve for that engine's target and vars (`orchestrate.context.resolve_context`):
`orchestrate.pipeline.pull` from the same fake API into that engine's landing tables, and
`orchestrate.pipeline.build` (every model, snapshot and test). All engines therefore see identical inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestrate import pipeline
from orchestrate.context import RunContext, resolve_context
from segment_analytics_sandbox.demo.config import demo_vars_text
from segment_analytics_sandbox.demo.generate import generate
from segment_analytics_sandbox.demo.load import load_trino
from segment_analytics_sandbox.demo.run import Runner, local_api
from segment_analytics_sandbox.demo.tables import tables_on

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


def _context(engine: Engine, run_date: dt.date, api_url: str | None = None) -> RunContext:
    """What `segment-analytics --target <engine.target> --vars <demo vars + engine.vars>` resolves."""
    return resolve_context(project_dir=REPO_ROOT, target=engine.target, run_date=run_date,
                           vars_text=demo_vars_text(json.dumps(engine.vars)), api=local_api(api_url))


def lockstep_runner(engines: list[Engine], trino_server, work: Path, *, seed_value: int, n_profiles: int,
                    run_dates: list[dt.date]) -> Runner:  # noqa: ANN001 - tests.fixtures.trino.TrinoServer
    """A demo runner that pulls and builds on every engine for each run date."""
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
                pipeline.pull(_context(engine, run_date, api_url))
            engine.seconds += time.monotonic() - began
        return None

    def build(run_date: dt.date) -> object:
        for engine in engines:
            began = time.monotonic()
            with _environment(engine.env):
                pipeline.build(_context(engine, run_date),
                               dbt_args=["--target-path", str(work / f"target_{engine.name}")])
            engine.seconds += time.monotonic() - began
        return None

    return Runner(pull, build)
