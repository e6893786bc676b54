"""The Trino the bench runs on: a given server, or a local one started for the run with
scripts/trino_server.py (one coordinator that is also the worker) and stopped after it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.trino_engine import STATS_USER, TrinoTarget

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_DIR / "scripts" / "trino_server.py"
START_TIMEOUT_S = 420


class TrinoUnavailable(RuntimeError):
    pass


def _script(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


@contextmanager
def server(host: str, port: int | None, run_dir: Path, log: Callable[[str], None]) -> Iterator[TrinoTarget]:
    """`host:port` when a port is given; otherwise a local Trino in `run_dir` for the block's duration."""
    if port is not None:
        yield TrinoTarget(host, port)
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    started = _script("start", "--port", "0", "--run-dir", str(run_dir), timeout=START_TIMEOUT_S)
    if started.returncode != 0:
        raise TrinoUnavailable("local Trino could not be started (make trino-fetch first?):\n"
                               + started.stderr[-3000:])
    state = json.loads(started.stdout.strip().splitlines()[-1])
    log(f"local Trino {state['version']} on port {state['port']} (started in {state['start_seconds']}s)")
    try:
        yield TrinoTarget(state["host"], int(state["port"]))
    finally:
        stopped = _script("stop", "--run-dir", str(run_dir), timeout=120)
        if stopped.returncode != 0:
            log("stopping the local Trino failed:\n" + stopped.stderr[-2000:])


def describe(target: TrinoTarget) -> dict[str, Any]:
    """The server's version and nodes, for results.json."""
    with target.session(STATS_USER) as session:
        nodes = session.execute("select node_version, coordinator from system.runtime.nodes").fetchall()
    return {"version": nodes[0][0] if nodes else None, "nodes": len(nodes),
            "workers_besides_coordinator": sum(1 for _, coordinator in nodes if not coordinator)}
