"""The demo driver: synthetic account -> DuckDB file -> fake CDP API -> pull + build per run date.

Nothing leaves the machine: the fake API listens on 127.0.0.1 on a free port, and the warehouse is
a local DuckDB file. Each simulated day goes through the same pull and build code as a daily
production run (`orchestrate.pipeline.pull` / `build`), with that day's run date, on a run context
resolved as the CLI resolves it (`orchestrate.context.resolve_context`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestrate import pipeline
from orchestrate.cdp.client import CdpClient
from orchestrate.clients import ApiOptions, cdp_client
from orchestrate.context import RunContext, resolve_context
from orchestrate.http import HttpPolicy
from orchestrate.project import find_project_dir
from segment_analytics_sandbox.demo import scenario, seed
from segment_analytics_sandbox.demo.config import demo_vars_text
from segment_analytics_sandbox.demo.generate import default_run_dates, generate
from segment_analytics_sandbox.demo.load import load_duckdb, quote_ident
from segment_analytics_sandbox.demo.model import DemoData
from segment_analytics_sandbox.demo.tables import tables_on
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState

log = logging.getLogger("segment_analytics.demo")

DUCKDB_ENV = "SEGMENT_ANALYTICS_DUCKDB"
# A stand-in key for the fake API: the pull code path wants one; it is not a secret.
DEMO_API_KEY = "1/demo-key-for-the-local-fake-api"
# The fake API on 127.0.0.1: no rate cap, short back-off.
LOCAL_POLICY = HttpPolicy(connect_timeout=5.0, read_timeout=30.0, max_attempts=4, backoff_base=0.05,
                          backoff_max=0.5, total_timeout=120.0, requests_per_second=0, max_in_flight=4)


@dataclass
class DemoResult:
    duckdb_path: Path
    workdir: Path
    api_url: str
    run_dates: list[dt.date]
    # run date -> segment id -> population the fake API reported
    api_populations: dict[dt.date, dict[str, int]] = field(default_factory=dict)
    # schema.table -> rows, for every table in the DuckDB file at the end
    table_rows: dict[str, int] = field(default_factory=dict)
    data: DemoData | None = None
    context: RunContext | None = None  # the last run date's context (the report reads its marts)

    def summary(self) -> str:
        lines = [
            f"Segment Analytics demo: {len(self.run_dates)} run dates "
            f"({self.run_dates[0]} .. {self.run_dates[-1]}); the fake CDP API ran on {self.api_url}",
            f"DuckDB file:  {self.duckdb_path}",
            f"work folder:  {self.workdir} (fake API state per run date)",
        ]
        width = max((len(name) for name in self.table_rows), default=0)
        for title, names in _grouped(self.table_rows):
            lines.append(f"{title}:")
            lines += [f"  {name.ljust(width)}  {self.table_rows[name]:>9,} rows" for name in names]
        return "\n".join(lines)


def _grouped(tables: dict[str, int]) -> list[tuple[str, list[str]]]:
    """Tables by role: marts first, then history, landing, models in between, the demo's own data."""
    groups: dict[str, list[str]] = {}
    for name in sorted(tables):
        schema, _, table = name.partition(".")
        if schema.startswith("cdp_audience_") or schema == "demo_behaviors":
            role = "demo source data (parent segment output, behaviour tables)"
        elif table.startswith("cdp_landing__"):
            role = "landing (written by pull)"
        elif table.startswith(("hist_", "snp_")):
            role = "history (snapshots and history models)"
        elif table.startswith(("stg_", "int_")):
            role = "staging and intermediate models"
        else:
            role = "marts"
        groups.setdefault(role, []).append(name)
    order = ["marts", "history (snapshots and history models)", "landing (written by pull)",
             "staging and intermediate models", "demo source data (parent segment output, behaviour tables)"]
    return [(role, groups[role]) for role in order if role in groups]


@dataclass
class Runner:
    """How each day's pull and build run (swappable in tests of the driver alone); `context`, when
    given, is the run context of a run date (the demo's result keeps the last day's)."""

    pull: Callable[[dt.date, str], object]
    build: Callable[[dt.date], object]
    context: Callable[[dt.date], RunContext] | None = None


def default_duckdb_path(project_dir: Path) -> Path:
    env = os.environ.get(DUCKDB_ENV)
    return Path(env) if env else project_dir / "segment_analytics.duckdb"


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def local_api(api_url: str | None) -> ApiOptions:
    """How to reach the fake API on 127.0.0.1 (`api_url`): the demo's stand-in key, LOCAL_POLICY."""
    return ApiOptions(api_url=api_url, api_key=DEMO_API_KEY, policy=LOCAL_POLICY)


def local_client(api_url: str) -> CdpClient:
    """A CDP client for the fake API on 127.0.0.1 (the one client factory, `local_api`'s options)."""
    return cdp_client(local_api(api_url))


def project_runner(project_dir: Path, cli_vars: str | None = None, *, target: str = "duckdb") -> Runner:
    """Each day: `orchestrate.pipeline.pull` from the fake API, then `pipeline.build`, on the run
    context the CLI would resolve for `--target <target> --vars <cli_vars> --run-date <day>`."""

    def context(run_date: dt.date, api_url: str | None = None) -> RunContext:
        return resolve_context(project_dir=project_dir, target=target, vars_text=cli_vars, run_date=run_date,
                               api=local_api(api_url))

    def pull(run_date: dt.date, api_url: str) -> object:
        result = pipeline.pull(context(run_date, api_url))
        log.info("pull %s: %s", run_date, result.summary())
        return result

    def build(run_date: dt.date) -> object:
        return pipeline.build(context(run_date))

    return Runner(pull, build, context)


def run_demo(
    workdir: Path | None = None,
    duckdb_path: Path | None = None,
    run_dates: list[dt.date] | None = None,
    *,
    days: int | None = None,
    seed_value: int = 20261128,
    n_profiles: int = 5000,
    project_dir: Path | None = None,
    cli_vars: str | None = None,
    runner: Runner | None = None,
) -> DemoResult:
    """Build the demo warehouse from scratch and run pull + build for each simulated run date."""
    project = project_dir or find_project_dir(None)
    path = Path(duckdb_path) if duckdb_path else default_duckdb_path(project)
    work = Path(workdir) if workdir else project / "demo_output"
    work.mkdir(parents=True, exist_ok=True)
    dates = sorted(run_dates) if run_dates else default_run_dates(days or 4)
    data = generate(seed=seed_value, n_profiles=n_profiles, run_dates=dates)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    steps = runner or project_runner(project, demo_vars_text(cli_vars))
    state = FakeState()
    seed.seed_account(state, data.account, dates[0])
    result = DemoResult(path.resolve(), work.resolve(), "", dates, data=data)
    server = FakeApiServer(state, host="127.0.0.1", port=0).start()
    result.api_url = server.url
    try:
        with _env(DUCKDB_ENV, str(path.resolve())):
            previous: dt.date | None = None
            for day in scenario.plan(dates):
                if day.index > 0:
                    seed.apply_day(state, data.account, day)
                counts = _load_day(path, data, day.run_date, previous, state, seed_value)
                result.api_populations[day.run_date] = counts
                state.save(work / f"fake_api_state_{day.run_date}.json")
                log.info("run date %s: loaded data, %d segments", day.run_date, len(counts))
                steps.pull(day.run_date, server.url)
                steps.build(day.run_date)
                previous = day.run_date
            if steps.context is not None:  # resolved while the DuckDB path is set, as each day's was
                result.context = steps.context(dates[-1])
    finally:
        server.stop()
    result.table_rows = table_rows(path)
    return result


def _load_day(path: Path, data: DemoData, run_date: dt.date, previous: dt.date | None, state: FakeState,
              seed_value: int) -> dict[str, int]:
    """Load the day's tables, then set the fake API's populations from the compiled rules."""
    conn = duckdb.connect(str(path))
    try:
        load_duckdb(conn, tables_on(data, run_date, previous))
        return seed.record_populations(state, conn, data, run_date, seed_value)
    finally:
        conn.close()


def table_rows(path: Path) -> dict[str, int]:
    """schema.table -> row count for every base table in the DuckDB file."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        names = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{name}": int(conn.execute(
                f"select count(*) from {quote_ident(schema)}.{quote_ident(name)}").fetchone()[0])
            for schema, name in names
        }
    finally:
        conn.close()
