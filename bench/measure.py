"""Run one contender in a fresh subprocess; return its wall time and peak memory."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.worker import MARKER

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Measurement:
    contender: str
    phase: str  # full | incremental
    repetition: int
    wall_s: float  # the work itself, timed inside the worker
    process_s: float  # the whole subprocess, interpreter start-up and imports included
    peak_rss_bytes: int  # ru_maxrss of the worker (os.wait4)
    cpu_s: float = 0.0  # user + system CPU seconds of the worker (os.wait4): robust to a busy machine
    detail: dict[str, Any] = field(default_factory=dict)


class ContenderFailed(RuntimeError):
    pass


def portable_paths(text: str) -> str:
    """Results are committed: name the project, the Python install and the home folder, not this machine's paths."""
    for path, name in ((PROJECT_DIR, "<project>"), (Path(sys.base_prefix), "<python>"), (Path.home(), "~")):
        text = text.replace(str(path), name)
    return text


def run_worker(contender: str, phase: str, repetition: int, db: Path, run_date: dt.date,
               work_dir: Path, engine: str = "duckdb", extra_env: dict[str, str] | None = None) -> Measurement:
    cmd = [sys.executable, "-m", "bench.worker", contender, str(db), run_date.isoformat(),
           "--work-dir", str(work_dir), "--phase", phase, "--engine", engine]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", **(extra_env or {})}
    env.pop("TD_API_KEY", None)  # no contender talks to Treasure Data
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # communicate() drains both pipes; wait4 then reaps this very child and returns its own rusage.
    stdout, stderr = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    process_s = time.perf_counter() - started
    if proc.returncode != 0:
        tail = portable_paths("\n".join((stderr or stdout).strip().splitlines()[-15:]))
        raise ContenderFailed(f"{contender} ({phase}) failed with exit code {proc.returncode}:\n{tail}")
    lines = [ln for ln in stdout.splitlines() if ln.startswith(MARKER)]
    if not lines:
        raise ContenderFailed(f"{contender} ({phase}) printed no result line")
    result = json.loads(lines[-1][len(MARKER):])
    # The 1-minute load average around the run: other work on the machine inflates wall times.
    result["load_avg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    nodes = result.get("nodes")
    if nodes:
        result["dbt_node_seconds"] = round(sum(n["seconds"] for n in nodes), 3)
    wall = float(result.pop("wall_s"))
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(contender, phase, repetition, wall, process_s, usage.ru_maxrss * 1024, cpu, result)


def _drain(proc: subprocess.Popen) -> tuple[str, str]:
    """Read stdout and stderr to the end without reaping the child (so wait4 can)."""
    import threading

    chunks: dict[str, str] = {}

    def read(name: str, stream) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=read, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return chunks.get("out", ""), chunks.get("err", "")
