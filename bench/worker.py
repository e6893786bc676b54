"""One measured unit of work, run in its own process: `python -m bench.worker CONTENDER DB RUN_DATE`
(`--engine trino`: on the bench's Trino; DB is then unused).

Prints one JSON line: wall seconds of the work and the process's peak RSS (VmHWM). The parent
also reads the child's max RSS from `os.wait4`; both cover everything DuckDB did in-process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MARKER = "BENCH_RESULT "


def _vm_hwm_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _work_trino(contender: str, run_date: dt.date, work_dir: Path, phase: str) -> dict[str, Any]:
    """One contender on the bench's Trino, as the user the parent named (BENCH_TRINO_USER)."""
    from bench.trino_data import LANDING_SCHEMA
    from bench.trino_engine import ENV_USER, TrinoTarget

    target = TrinoTarget.from_env()
    if contender in ("project", "project_td"):
        from bench import project

        schema = "bench_project_td" if contender == "project_td" else "bench_project"
        return project.run_trino(work_dir, run_date, schema, LANDING_SCHEMA, td_mode=contender == "project_td",
                                 phase=phase)
    with target.session(os.environ[ENV_USER]) as session:
        if contender == "original":
            from bench import original

            return original.run(session, run_date, landing=LANDING_SCHEMA, daily=phase == "incremental")  # type: ignore[arg-type]
        if contender == "floor":
            from bench import daily_floor, floor

            if phase == "incremental":
                return {"statements": daily_floor.run(session, run_date, LANDING_SCHEMA)}
            return {"statements": floor.run(session)}
    raise ValueError(f"contender: unknown {contender!r} (project | project_td | original | floor)")


def _work(contender: str, db: Path, run_date: dt.date, work_dir: Path, phase: str = "full",
          engine: str = "duckdb") -> dict[str, Any]:
    if engine == "trino":
        return _work_trino(contender, run_date, work_dir, phase)
    if contender == "project":
        from bench import project

        return project.run(work_dir, db, run_date, phase)
    import duckdb

    limit = os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT")
    config = {"memory_limit": limit} if limit else {}
    with duckdb.connect(str(db), config=config) as con:
        if contender == "original":
            from bench import original

            return original.run(con, run_date, daily=phase == "incremental")
        if contender == "floor":
            from bench import daily_floor, floor

            if phase == "incremental":
                return {"statements": daily_floor.run(con, run_date)}
            return {"statements": floor.run(con)}
    raise ValueError(f"contender: unknown {contender!r} (project | original | floor)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("contender", choices=("project", "project_td", "original", "floor"))
    parser.add_argument("db", type=Path)
    parser.add_argument("run_date", type=dt.date.fromisoformat)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--phase", choices=("full", "incremental"), default="full",
                        help="incremental: the daily run on a file that holds a full run")
    parser.add_argument("--engine", choices=("duckdb", "trino"), default="duckdb",
                        help="trino: on the server of BENCH_TRINO_HOST/PORT as BENCH_TRINO_USER (db unused)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    detail = _work(args.contender, args.db, args.run_date, args.work_dir, args.phase, args.engine)
    wall = time.perf_counter() - started
    print(MARKER + json.dumps({"wall_s": wall, "vm_hwm_bytes": _vm_hwm_bytes(), **detail}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
