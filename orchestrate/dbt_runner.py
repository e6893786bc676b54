"""Run dbt in-process (dbt's programmatic `dbtRunner`) and read the dbt profile of a target.

- `run_dbt(args, project_dir=, profiles_dir=, target=, vars=)` invokes dbt and raises `DbtFailed`
  (naming the failed nodes and their messages, secrets redacted) when anything fails.
- `load_profile_target(profiles_dir, target)` returns one output of profiles.yml with `env_var(...)`
  rendered, for the warehouse writers.
- `ensure_profiles_dir(project_dir, given)` finds a folder with a profiles.yml, or writes one made
  from profiles.yml.example into a state folder when the user has none. The example reads every
  secret through env_var, so no secret is ever written to disk.

The API key is the Trino user on Treasure Data, and dbt prints and logs the user (`dbt debug`,
`logs/dbt.log`). dbt scrubs the value of every `DBT_ENV_SECRET_*` environment variable from all it
prints and logs, so the td profile reads the key as `env_var('DBT_ENV_SECRET_TD_API_KEY')`, and
`run_dbt` sets that variable from TD_API_KEY for the invocation, plus scrub-only DBT_ENV_SECRET_*
variables holding the key and its secret half: the key shows as `*****` whichever variable a
profile reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from orchestrate.http import redact, register_secret
from orchestrate.project import API_KEY_ENV

PROFILE_NAME = "segment_analytics"
PROFILES_FILE = "profiles.yml"
EXAMPLE_FILE = "profiles.yml.example"
STATE_DIR_ENV = "SEGMENT_ANALYTICS_STATE_DIR"
RUN_DATE_ENV = "SEGMENT_ANALYTICS_RUN_DATE"
# dbt replaces the values of DBT_ENV_SECRET_* variables by ***** in everything it prints or logs.
DBT_SECRET_KEY_ENV = "DBT_ENV_SECRET_TD_API_KEY"  # what profiles.yml.example's td target reads
SCRUB_KEY_ENV = "DBT_ENV_SECRET_SEGMENT_ANALYTICS_KEY"  # scrub-only: whichever variable a profile reads
SCRUB_KEY_PART_ENV = "DBT_ENV_SECRET_SEGMENT_ANALYTICS_KEY_PART"


class DbtFailed(RuntimeError):
    """dbt ended with an error or failing tests; the message names what failed."""

    def __init__(self, message: str, failures: list[str] | None = None) -> None:
        super().__init__(redact(message))
        self.failures = [redact(f) for f in (failures or [])]


class ProfileError(ValueError):
    """profiles.yml is missing, malformed, or has no such target; the message says how to fix it."""


@dataclass
class DbtResult:
    """What a successful dbt invocation returned."""

    args: list[str]
    result: Any


def _vars_text(vars: dict[str, Any] | None) -> str | None:
    if not vars:
        return None
    return json.dumps(vars, default=str, sort_keys=True)


def _failures(result: Any) -> list[str]:
    """`<node>: <status>: <message>` for every failed node of a run result."""
    found: list[str] = []
    for item in getattr(result, "results", None) or []:
        status = str(getattr(item, "status", "")).lower()
        if status in ("error", "fail", "runtimeerr", "runtime error"):
            node = getattr(item, "node", None)
            name = getattr(node, "unique_id", None) or getattr(node, "name", "?")
            found.append(f"{name}: {status}: {getattr(item, 'message', '') or ''}".strip())
    return found


def run_dbt(args: list[str], *, project_dir: Path | str, profiles_dir: Path | str, target: str | None = None,
            vars: dict[str, Any] | None = None) -> DbtResult:
    """Invoke dbt with the project, profiles folder, target and vars; raise DbtFailed on failure."""
    from dbt.cli.main import dbtRunner

    register_secret(os.environ.get(API_KEY_ENV))
    register_secret(os.environ.get(DBT_SECRET_KEY_ENV))
    full = list(args) + ["--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    if target:
        full += ["--target", target]
    other_vars = dict(vars or {})
    run_date = other_vars.pop("run_date", None)
    text = _vars_text(other_vars)
    if text:
        full += ["--vars", text]
    try:
        with _run_date_env(run_date), dbt_secret_env():
            outcome = dbtRunner().invoke(full)
    finally:
        release_duckdb()
    if outcome.success:
        return DbtResult(args=full, result=outcome.result)
    failures = _failures(outcome.result)
    if outcome.exception is not None:
        failures.append(f"{type(outcome.exception).__name__}: {outcome.exception}")
    detail = "\n".join(f"  - {f}" for f in failures) or "  (no details; see logs/dbt.log)"
    raise DbtFailed(f"dbt {' '.join(args)} failed (target {target or 'default'}):\n{detail}", failures)


@contextlib.contextmanager
def _run_date_env(run_date: Any) -> Iterator[None]:
    """Pass the run date as SEGMENT_ANALYTICS_RUN_DATE (read at execution by `sa_run_date()`).

    A --vars value that changes every day would make dbt re-parse the whole project on every run;
    an environment variable read only at execution keeps partial parsing.
    """
    previous = os.environ.get(RUN_DATE_ENV)
    if run_date is None:
        os.environ.pop(RUN_DATE_ENV, None)
    else:
        os.environ[RUN_DATE_ENV] = str(run_date)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(RUN_DATE_ENV, None)
        else:
            os.environ[RUN_DATE_ENV] = previous


def _secret_vars(key: str) -> dict[str, str]:
    """The DBT_ENV_SECRET_* variables that make dbt scrub `key` (and its secret half)."""
    values = {SCRUB_KEY_ENV: key}
    if "/" in key and len(key.split("/", 1)[1]) >= 6:  # `<account id>/<secret>`: the secret alone too
        values[SCRUB_KEY_PART_ENV] = key.split("/", 1)[1]
    if not os.environ.get(DBT_SECRET_KEY_ENV):  # a user's own DBT_ENV_SECRET_TD_API_KEY is kept
        values[DBT_SECRET_KEY_ENV] = key
    return values


@contextlib.contextmanager
def dbt_secret_env() -> Iterator[None]:
    """Expose TD_API_KEY to dbt as DBT_ENV_SECRET_TD_API_KEY (what the td profile reads) and as
    scrub-only DBT_ENV_SECRET_* variables, so dbt prints and logs it as *****; restore afterwards."""
    key = os.environ.get(API_KEY_ENV) or ""
    values = _secret_vars(key) if key else {}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the life of the process, so the same
    process (pull writers, the report, tests) can open the file afterwards."""
    import sys

    module = sys.modules.get("dbt.adapters.duckdb.connections")
    manager = getattr(module, "DuckDBConnectionManager", None) if module else None
    if manager is None:
        return
    with manager._LOCK:
        env = manager._ENV
        manager._ENV = None
        if env is not None:
            env.close()


# --------------------------------------------------------------------------- profiles


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None and name == DBT_SECRET_KEY_ENV:
        value = os.environ.get(API_KEY_ENV)  # the shim passes TD_API_KEY to dbt under this name
    if value is not None:
        return value
    if default is not None:
        return str(default)
    if name == DBT_SECRET_KEY_ENV:
        raise ProfileError(f"profiles.yml needs the API key: set {API_KEY_ENV} (segment-analytics passes it to "
                           f"dbt as {DBT_SECRET_KEY_ENV}, which dbt never prints)")
    raise ProfileError(f"profiles.yml needs the environment variable {name}; set it (export {name}=...)")


def _as_number(value: Any) -> int | float:
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return float(text)


def _as_bool(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _render(value: Any, env: jinja2.Environment) -> Any:
    """Render dbt-style Jinja in profile values; `| as_number` / `| as_bool` give native types."""
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    native = "as_number" in value or "as_bool" in value
    rendered = env.from_string(value).render()
    if native:
        return _as_bool(rendered) if "as_bool" in value else _as_number(rendered)
    return rendered


def load_profile_target(profiles_dir: Path | str, target: str | None) -> dict[str, Any]:
    """The `segment_analytics` profile's output for `target` (default: the profile's target)."""
    path = Path(profiles_dir) / PROFILES_FILE
    if not path.is_file():
        raise ProfileError(f"no {PROFILES_FILE} in {profiles_dir}; copy {EXAMPLE_FILE} there")
    with path.open(encoding="utf-8") as fh:
        profiles = yaml.safe_load(fh) or {}
    profile = profiles.get(PROFILE_NAME)
    if not isinstance(profile, dict) or not isinstance(profile.get("outputs"), dict):
        raise ProfileError(f"{path} has no profile '{PROFILE_NAME}' with outputs; copy it from {EXAMPLE_FILE}")
    name = target or profile.get("target")
    outputs = profile["outputs"]
    if name not in outputs:
        raise ProfileError(f"{path}: profile '{PROFILE_NAME}' has no target '{name}'; "
                           f"use one of {', '.join(sorted(outputs))}")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    env.filters["as_number"] = lambda v: v
    env.filters["as_bool"] = lambda v: v
    env.filters["as_text"] = lambda v: v
    rendered = _render(outputs[name], env)
    rendered.setdefault("target_name", name)
    return rendered


def default_state_dir() -> Path:
    """Where generated files live: $SEGMENT_ANALYTICS_STATE_DIR, else ~/.cache/segment-analytics."""
    given = os.environ.get(STATE_DIR_ENV)
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "segment-analytics"


def ensure_profiles_dir(project_dir: Path | str, given: Path | str | None = None,
                        state_dir: Path | str | None = None) -> Path:
    """A folder holding a profiles.yml: `given`, $DBT_PROFILES_DIR, the project folder, ~/.dbt, or
    a copy of profiles.yml.example written into `<state>/profiles/` when the user has none."""
    if given:
        folder = Path(given)
        if not (folder / PROFILES_FILE).is_file():
            raise ProfileError(f"--profiles-dir {folder} has no {PROFILES_FILE}; copy {EXAMPLE_FILE} there")
        return folder
    candidates = [os.environ.get("DBT_PROFILES_DIR"), str(project_dir), str(Path.home() / ".dbt")]
    for candidate in candidates:
        if candidate and (Path(candidate) / PROFILES_FILE).is_file():
            return Path(candidate)
    example = Path(project_dir) / EXAMPLE_FILE
    if not example.is_file():
        raise ProfileError(f"no {PROFILES_FILE} found and no {EXAMPLE_FILE} in {project_dir}")
    folder = Path(state_dir) if state_dir else default_state_dir() / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(example, folder / PROFILES_FILE)
    return folder
