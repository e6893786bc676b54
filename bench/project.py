"""The project's pipeline as a contender: `dbt build` of this repository on a bench DuckDB file.

dbt runs in-process (DuckDB is embedded), so the worker subprocess that calls this is the process
whose time and peak memory are measured. Target and log paths live under bench/results/ so a
benchmark never touches the project's own target/ folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import yaml

from bench.workload import dbt_metrics_var

PROJECT_DIR = Path(__file__).resolve().parent.parent
VARS_KEY = "segment_analytics"
MEMORY_LIMIT_ENV = "BENCH_DUCKDB_MEMORY_LIMIT"
AB_TESTS_ENV = "BENCH_AB_TESTS"
FIRST_SEGMENT_ID = 700000  # the synthetic segments' ids count up from here (synthetic/segments.py)


def bench_vars(run_date: dt.date, landing_schema: str = "main") -> dict[str, Any]:
    """The project's own vars with the benchmark's metrics and no time window.

    dbt replaces top-level vars wholesale, so the whole `segment_analytics` mapping is passed.
    """
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    settings = dict(project.get("vars", {}).get(VARS_KEY, {}))
    settings["metrics"] = dbt_metrics_var()
    settings["time_window"] = {"type": "none"}
    settings["landing_schema"] = landing_schema
    settings["project_prefix"] = "segment_analytics"
    settings["ab_tests"] = ab_tests(int(os.environ.get(AB_TESTS_ENV) or 0), run_date)
    return {VARS_KEY: settings, "run_date": run_date.isoformat()}


def ab_tests(count: int, run_date: dt.date) -> list[dict[str, Any]]:
    """`count` A/B tests (the bench's --ab-tests) over every metric: test k has the synthetic
    segments 3k (control), 3k + 1 and 3k + 2 as arms, and a window of the 30 days before the run
    date, left open so a daily run extends it."""
    start = (run_date - dt.timedelta(days=30)).isoformat()
    return [{"name": f"bench_test_{k}", "control": str(FIRST_SEGMENT_ID + 3 * k),
             "variants": [str(FIRST_SEGMENT_ID + 3 * k + 1), str(FIRST_SEGMENT_ID + 3 * k + 2)],
             "start_date": start} for k in range(count)]


def write_profiles(directory: Path, memory_limit: str | None = None) -> Path:
    """The project's own profiles.yml.example (its `duckdb` target, with whatever settings it sets);
    the database file comes from SEGMENT_ANALYTICS_DUCKDB, as for any user. `memory_limit` (the
    bench's --duckdb-memory-limit) is added to the duckdb target's `settings`."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "profiles.yml"
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", target)
    if memory_limit:
        profiles = yaml.safe_load(target.read_text(encoding="utf-8"))
        duck = profiles["segment_analytics"]["outputs"]["duckdb"]
        duck["settings"] = {**(duck.get("settings") or {}), "memory_limit": memory_limit}
        target.write_text(yaml.safe_dump(profiles, sort_keys=False, width=1000), encoding="utf-8")
    return directory


def build_args(work_dir: Path, phase: str) -> list[str]:
    """What the CLI builds: the project's `full` selection for a full build, `daily` for a daily
    run (`segment-analytics build` / `run`; no unit tests, which are checks of the SQL on fixtures)."""
    from orchestrate.dbt_selectors import DAILY, FULL, selector_args

    selection = selector_args(PROJECT_DIR, DAILY if phase == "incremental" else FULL)
    return ["build", *selection, "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
            "--quiet"]


def run(work_dir: Path, db_path: Path, run_date: dt.date, phase: str = "full") -> dict[str, Any]:
    """`dbt build` once through `orchestrate.dbt_runner.run_dbt` (raises `DbtFailed` naming the
    failed nodes). Returns every node's execution time, slowest first (from run_results.json)."""
    from orchestrate.dbt_runner import run_dbt

    profiles = write_profiles(work_dir / "profiles", os.environ.get(MEMORY_LIMIT_ENV))
    os.environ["SEGMENT_ANALYTICS_DUCKDB"] = str(db_path)
    run_dbt(
        build_args(work_dir, phase),
        project_dir=PROJECT_DIR, profiles_dir=profiles, target="duckdb", vars=bench_vars(run_date),
    )
    checkpoint(db_path)
    return {"nodes": _node_timings(work_dir)}


def run_trino(work_dir: Path, run_date: dt.date, schema: str, landing_schema: str,
              td_mode: bool = False, phase: str = "full") -> dict[str, Any]:
    """`dbt build` once on the profile's `trino` target (server and user from the TRINO_* variables
    the Trino bench sets), into `schema`; `td_mode` builds with the Treasure Data macros."""
    from orchestrate.dbt_runner import run_dbt

    profiles = write_profiles(work_dir / "profiles")
    os.environ["TRINO_SCHEMA"] = schema
    dbt_vars = bench_vars(run_date, landing_schema)
    dbt_vars["td_mode"] = td_mode
    run_dbt(
        build_args(work_dir, phase),
        project_dir=PROJECT_DIR, profiles_dir=profiles, target="trino", vars=dbt_vars,
    )
    return {"nodes": _node_timings(work_dir)}


def checkpoint(db_path: Path) -> None:
    """Write what the build committed into the database file. DuckDB checkpoints its write-ahead
    log when a commit grows it past a threshold, or else when the database closes, which for dbt's
    in-process database is after the timed work. So a build whose last large commit stays under the
    threshold would leave its checkpoint out of the measurement; this puts every build's inside."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("checkpoint")


def _node_timings(work_dir: Path) -> list[dict[str, Any]]:
    path = work_dir / "target" / "run_results.json"
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    timings = [
        {"node": r["unique_id"], "seconds": round(r["execution_time"], 3), "status": r["status"]}
        for r in results
    ]
    return sorted(timings, key=lambda x: x["seconds"], reverse=True)
