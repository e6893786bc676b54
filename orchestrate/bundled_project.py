"""The dbt project that comes with the shim: this checkout's root, or the copy a wheel installs.

A wheel ships the repository root's dbt files (dbt_project.yml, models/, macros/, snapshots/, the dbt
tests, profiles.yml.example) as the data of the package `segment_analytics_dbt` (pyproject.toml).
dbt and the demo write into the project folder (target/, logs/, the demo's DuckDB file), which must
not be site-packages, so an installed project is run from a private copy under the state folder,
one per version and content.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

PACKAGE = "segment_analytics_dbt"
DISTRIBUTION = "segment-analytics"
MARKER = "dbt_project.yml"
STATE_DIR_ENV = "SEGMENT_ANALYTICS_STATE_DIR"
_CHECKOUT = Path(__file__).resolve().parent.parent


def default_state_dir() -> Path:
    """Where generated files live: $SEGMENT_ANALYTICS_STATE_DIR, else ~/.cache/segment-analytics."""
    given = os.environ.get(STATE_DIR_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "segment-analytics"


def bundled_project_root() -> Path:
    """The shipped dbt project's folder: the checkout root, else the installed package data (which
    may be read-only). Falls back to the checkout root, where lookups then find no dbt_project.yml."""
    if (_CHECKOUT / MARKER).is_file():
        return _CHECKOUT
    return installed_project_root() or _CHECKOUT


def installed_project_root() -> Path | None:
    """The folder of the installed `segment_analytics_dbt` package data holding dbt_project.yml."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / MARKER).is_file():
            return Path(location)
    return None


def runnable_project_dir(state_dir: Path | None = None) -> Path:
    """The shipped project as a folder dbt may write into: the checkout itself, or a copy of the
    installed one under `<state>/project/<version>-<digest>/` (made once, atomically)."""
    root = bundled_project_root()
    if root == _CHECKOUT:
        return root
    if state_dir is None:
        state_dir = default_state_dir()
    target = Path(state_dir) / "project" / f"{_version()}-{_digest(root)}"
    if (target / MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=target.parent))
    try:
        shutil.copytree(root, staging / "project", ignore=shutil.ignore_patterns("__pycache__"))
        try:
            os.replace(staging / "project", target)
        except OSError:
            if not (target / MARKER).is_file():  # not a concurrent copy that won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0"


def _digest(root: Path) -> str:
    """sha256 over every file's relative path and bytes, first 12 hex digits."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
