"""Where things are: the dbt project folder, the profiles folder, the run date, the API key."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from orchestrate.bundled_project import bundled_project_root, runnable_project_dir
from orchestrate.errors import UsageError

__all__ = ["API_KEY_ENV", "PACKAGE_ROOT", "UsageError", "api_key_from_env", "find_project_dir", "parse_run_date"]

PACKAGE_ROOT = bundled_project_root()  # the shipped dbt project: this checkout, or the installed copy
API_KEY_ENV = "TD_API_KEY"


def find_project_dir(given: str | os.PathLike[str] | None = None) -> Path:
    """The dbt project: --project-dir, else $SEGMENT_ANALYTICS_PROJECT_DIR (either must hold a
    dbt_project.yml), else the current folder when it holds one, else the shipped project."""
    for named, what in ((given, "--project-dir"), (os.environ.get("SEGMENT_ANALYTICS_PROJECT_DIR"),
                                                   "$SEGMENT_ANALYTICS_PROJECT_DIR")):
        if named:
            if not (Path(named) / "dbt_project.yml").is_file():
                raise UsageError(f"{what} {named} has no dbt_project.yml; name the folder of your dbt project")
            return Path(named).resolve()
    if (Path.cwd() / "dbt_project.yml").is_file():
        return Path.cwd().resolve()
    if (PACKAGE_ROOT / "dbt_project.yml").is_file():
        return runnable_project_dir()
    raise UsageError("no dbt_project.yml found; run from the project folder or pass --project-dir")


def parse_run_date(text: str | None) -> date:
    """--run-date YYYY-MM-DD, default today in UTC."""
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--run-date {text!r} is not a date; use YYYY-MM-DD") from exc


def api_key_from_env(required: bool = True) -> str | None:
    """The TD API key, from the environment only (never from a file or an argument)."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key and required:
        raise UsageError(f"set {API_KEY_ENV} in the environment to your TD master API key (<id>/<secret>)")
    return key or None
