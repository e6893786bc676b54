"""Run the dbt CLI of this virtual environment in a subprocess (one isolated invocation per call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DBT = Path(sys.executable).with_name("dbt")


def run_dbt(args: list[str], *, project_dir: Path, env: dict[str, str], vars_: dict | None = None,
            expect_ok: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    command = [str(DBT), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if vars_:
        command += ["--vars", json.dumps(vars_)]
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", **env}
    proc = subprocess.run(command, cwd=project_dir, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}"
                             f"\n{proc.stderr[-2000:]}")
    return proc
