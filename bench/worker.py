"""One measured unit of work, run in its own process: `python -m bench.worker CONTENDER DB RUN_DATE`.

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


def _work(contender: str, db: Path, run_date: dt.date, work_dir: Path, phase: str = "full") -> dict[str, Any]:
    if contender == "project":
        from bench import project

        return project.run(work_dir, db, run_date)
    import duckdb

    limit = os.environ.get("BENCH_DUCKDB_MEMORY_LIMIT")
    config = {"memory_limit": limit} if limit else {}
    with duckdb.connect(str(db), config=config) as con:
        if contender == "original":
            from bench import original

            return original.run(con, run_date, daily=phase == "incremental")
        if contender == "floor":
            from bench import floor

            return {"statements": floor.run(con)}
    raise ValueError(f"contender: unknown {contender!r} (project | original | floor)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("contender", choices=("project", "original", "floor"))
    parser.add_argument("db", type=Path)
    parser.add_argument("run_date", type=dt.date.fromisoformat)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--phase", choices=("full", "incremental"), default="full",
                        help="incremental: the daily run on a file that holds a full run")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    detail = _work(args.contender, args.db, args.run_date, args.work_dir, args.phase)
    wall = time.perf_counter() - started
    print(MARKER + json.dumps({"wall_s": wall, "vm_hwm_bytes": _vm_hwm_bytes(), **detail}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
