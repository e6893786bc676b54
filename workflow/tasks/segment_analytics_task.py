"""Treasure Workflow `py>` entry point: run one `segment-analytics` command inside TD's custom-script
container, from the wheel and constraints bundled next to this file by `bundle.sh` (no unpinned
install from the internet at run time; the package's dependencies come pinned by constraints.txt)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKFLOW_DIR = Path(__file__).resolve().parent.parent
BUNDLE_DIR = WORKFLOW_DIR / "bundle"


def _install() -> None:
    wheels = sorted(BUNDLE_DIR.glob("segment_analytics-*.whl"))
    if not wheels:
        raise RuntimeError(f"no segment_analytics wheel in {BUNDLE_DIR}: run `bash bundle.sh` before `td wf push`")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(BUNDLE_DIR / "constraints.txt"), str(wheels[-1])],
        check=True,
    )


def run(command: list[str]) -> None:
    """Run `segment-analytics <command...>` against the dbt project bundled in bundle/project."""
    if not isinstance(command, list) or not all(isinstance(part, str) for part in command):
        raise TypeError("the task parameter `command` must be a list of strings")
    _install()
    project_dir = BUNDLE_DIR / "project"
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    from orchestrate.cli import main  # installed by _install()

    argv = [*command, "--project-dir", str(project_dir)]
    code = main(argv)
    if code:
        raise RuntimeError(f"segment-analytics {command[0]} exited with status {code}; see the log above")
