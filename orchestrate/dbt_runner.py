"""Run dbt in-process (dbt's programmatic `dbtRunner`) and read the dbt profile of a target.

- `run_dbt(args, project_dir=, profiles_dir=, profile=, target=, vars=, env=)` invokes dbt and raises
  `DbtFailed` (naming the failed nodes and their messages, secrets redacted) when anything fails;
  before a command that loads the project it runs `dbt deps` when the project's packages are not
  installed or changed since package-lock.yml (`ensure_packages`, `packages_problem`).
- `load_profile_target(profiles_dir, target, profile=, env=)` returns one output of any profile of
  profiles.yml with `env_var(...)` rendered, for the warehouse connections; without a target, the
  profile's own default (`default_target`: $DBT_TARGET, else its `target:`). `profile_name` reads
  the project's `profile:` (or --profile / $DBT_PROFILE). orchestrate/target.py puts these together.
- `ensure_profiles_dir(project_dir, given)` finds a folder with a profiles.yml, or, for this
  project's own profile, writes one made from profiles.yml.example into a state folder when the user
  has none. The example reads every secret through env_var, so no secret is ever written to disk.

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
import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from orchestrate.bundled_project import default_state_dir
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import redact, register_secret
from orchestrate.project import API_KEY_ENV

log = logging.getLogger("segment_analytics")

PROFILE_NAME = "segment_analytics"  # this project's own profile (profiles.yml.example)
PROFILES_FILE = "profiles.yml"
EXAMPLE_FILE = "profiles.yml.example"
RUN_DATE_ENV = "SEGMENT_ANALYTICS_RUN_DATE"
# dbt replaces the values of DBT_ENV_SECRET_* variables by ***** in everything it prints or logs.
DBT_SECRET_KEY_ENV = "DBT_ENV_SECRET_TD_API_KEY"  # what profiles.yml.example's td target reads
SCRUB_KEY_ENV = "DBT_ENV_SECRET_SEGMENT_ANALYTICS_KEY"  # scrub-only: whichever variable a profile reads
SCRUB_KEY_PART_ENV = "DBT_ENV_SECRET_SEGMENT_ANALYTICS_KEY_PART"


class DbtFailed(SegmentAnalyticsError, RuntimeError):
    """dbt ended with an error or failing tests; the message names what failed."""

    def __init__(self, message: str, failures: list[str] | None = None) -> None:
        super().__init__(redact(message))
        self.failures = [redact(f) for f in (failures or [])]


class ProfileError(SegmentAnalyticsError, ValueError):
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
            vars: dict[str, Any] | None = None, profile: str | None = None,
            env: dict[str, str] | None = None) -> DbtResult:
    """Invoke dbt with the project, profiles folder, profile, target and vars; raise DbtFailed on failure.

    `env`: environment variables set only while dbt runs (e.g. TD_PRESTO_HOST from --region).
    Before a command that loads the project, `dbt deps` runs when its packages are not installed.
    """
    from dbt.cli.main import dbtRunner

    register_secret(os.environ.get(API_KEY_ENV))
    register_secret(os.environ.get(DBT_SECRET_KEY_ENV))
    if args and args[0] not in NO_PACKAGES_COMMANDS:
        ensure_packages(project_dir, profiles_dir=profiles_dir, target=target, profile=profile, env=env)
    full = list(args) + ["--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    if profile:
        full += ["--profile", profile]
    if target:
        full += ["--target", target]
    other_vars = dict(vars or {})
    run_date = other_vars.pop("run_date", None)
    text = _vars_text(other_vars)
    if text:
        full += ["--vars", text]
    try:
        with _run_date_env(run_date), extra_env(env), dbt_secret_env():
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
def extra_env(values: Mapping[str, str | None] | None) -> Iterator[None]:
    """Set `values` in the environment for the block (None: unset), restoring what was there afterwards."""
    values = dict(values or {})
    previous = {name: os.environ.get(name) for name in values}
    _set_env(values)
    try:
        yield
    finally:
        _set_env(previous)


def _set_env(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _run_date_env(run_date: Any) -> contextlib.AbstractContextManager[None]:
    """Pass the run date as SEGMENT_ANALYTICS_RUN_DATE (read at execution by `sa_run_date()`).

    A --vars value that changes every day would make dbt re-parse the whole project on every run;
    an environment variable read only at execution keeps partial parsing.
    """
    return extra_env({RUN_DATE_ENV: None if run_date is None else str(run_date)})


def _secret_vars(key: str) -> dict[str, str]:
    """The DBT_ENV_SECRET_* variables that make dbt scrub `key` (and its secret half)."""
    values = {SCRUB_KEY_ENV: key}
    if "/" in key and len(key.split("/", 1)[1]) >= 6:  # `<account id>/<secret>`: the secret alone too
        values[SCRUB_KEY_PART_ENV] = key.split("/", 1)[1]
    if not os.environ.get(DBT_SECRET_KEY_ENV):  # a user's own DBT_ENV_SECRET_TD_API_KEY is kept
        values[DBT_SECRET_KEY_ENV] = key
    return values


def dbt_secret_env() -> contextlib.AbstractContextManager[None]:
    """Expose TD_API_KEY to dbt as DBT_ENV_SECRET_TD_API_KEY (what the td profile reads) and as
    scrub-only DBT_ENV_SECRET_* variables, so dbt prints and logs it as *****; restore afterwards."""
    key = os.environ.get(API_KEY_ENV) or ""
    return extra_env(_secret_vars(key) if key else {})


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


def _env_lookup(env: dict[str, str] | None) -> Any:
    """dbt's `env_var(name, default)` over the environment, with `env` overrides on top."""
    overrides = dict(env or {})

    def env_var(name: str, default: str | None = None) -> str:
        value = overrides.get(name, os.environ.get(name))
        if value is None and name == DBT_SECRET_KEY_ENV:
            value = os.environ.get(API_KEY_ENV)  # the shim passes TD_API_KEY to dbt under this name
        if value is not None:
            return value
        if default is not None:
            return str(default)
        if name == DBT_SECRET_KEY_ENV:
            raise ProfileError(f"profiles.yml needs the API key: set {API_KEY_ENV} (segment-analytics passes it "
                               f"to dbt as {DBT_SECRET_KEY_ENV}, which dbt never prints)")
        raise ProfileError(f"profiles.yml needs the environment variable {name}; set it (export {name}=...)")

    return env_var


def _as_number(value: Any) -> int | float:
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return float(text)


def _as_bool(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _jinja(env: dict[str, str] | None = None) -> jinja2.Environment:
    jenv = jinja2.Environment(undefined=jinja2.StrictUndefined)
    jenv.globals["env_var"] = _env_lookup(env)
    for name in ("as_number", "as_bool", "as_text", "as_native"):
        jenv.filters[name] = lambda v: v
    return jenv


def _render(value: Any, env: jinja2.Environment) -> Any:
    """Render dbt-style Jinja in profile values; `| as_number` / `| as_bool` give native types."""
    if isinstance(value, dict):
        return {k: _render(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, env) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value
    native = "as_number" in value or "as_bool" in value
    try:
        rendered = env.from_string(value).render()
    except jinja2.TemplateError as exc:
        raise ProfileError(f"profiles.yml: cannot render {value!r}: {exc}") from None
    if native:
        return _as_bool(rendered) if "as_bool" in value else _as_number(rendered)
    return rendered


def project_profile_name(project_dir: Path | str) -> str:
    """The profile a dbt project names (`profile:` in its dbt_project.yml), as dbt reads it."""
    path = Path(project_dir) / "dbt_project.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from None
    name = data.get("profile") if isinstance(data, dict) else None
    if not name:
        raise ProfileError(f"{path} names no `profile:`; add one, or pass --profile NAME")
    return str(_render(str(name), _jinja())).strip()


def profile_name(project_dir: Path | str, given: str | None = None) -> str:
    """--profile, else $DBT_PROFILE, else the project's `profile:` (dbt's order)."""
    return (given or os.environ.get("DBT_PROFILE") or "").strip() or project_profile_name(project_dir)


def _read_profile(profiles_dir: Path | str, profile: str) -> tuple[Path, dict[str, Any]]:
    path = Path(profiles_dir) / PROFILES_FILE
    if not path.is_file():
        raise ProfileError(f"no {PROFILES_FILE} in {profiles_dir}; copy {EXAMPLE_FILE} there")
    try:
        with path.open(encoding="utf-8") as fh:
            profiles = yaml.safe_load(fh) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(profiles, dict):
        raise ProfileError(f"{path} must be a mapping of profile names")
    data = profiles.get(profile)
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict) or not data["outputs"]:
        known = sorted(k for k, v in profiles.items() if isinstance(v, dict) and k != "config")
        hint = f" (it has: {', '.join(known)})" if known else ""
        raise ProfileError(f"{path} has no profile '{profile}' with outputs{hint}; the dbt project's `profile:` "
                           f"(or --profile) names the profile to use")
    return path, data


def default_target(profiles_dir: Path | str, profile: str = PROFILE_NAME, env: dict[str, str] | None = None) -> str:
    """$DBT_TARGET, else the profile's own `target:` (rendered), else `default` (dbt's order)."""
    given = (env or {}).get("DBT_TARGET") or os.environ.get("DBT_TARGET")
    if given and given.strip():
        return given.strip()
    _, data = _read_profile(profiles_dir, profile)
    if data.get("target") is None:
        return "default"
    return str(_render(str(data["target"]), _jinja(env))).strip()


def raw_profile_target(profiles_dir: Path | str, target: str | None, profile: str = PROFILE_NAME,
                       env: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    """(target name, the output as written in profiles.yml, not rendered)."""
    path, data = _read_profile(profiles_dir, profile)
    name = target or default_target(profiles_dir, profile, env)
    outputs = data["outputs"]
    if name not in outputs or not isinstance(outputs[name], dict):
        raise ProfileError(f"{path}: profile '{profile}' has no target '{name}'; "
                           f"use one of {', '.join(sorted(str(k) for k in outputs))}")
    return name, dict(outputs[name])


def load_profile_target(profiles_dir: Path | str, target: str | None, *, profile: str = PROFILE_NAME,
                        env: dict[str, str] | None = None) -> dict[str, Any]:
    """The output `target` (default: $DBT_TARGET, else the profile's `target:`) of `profile` in
    profiles.yml, with `env_var(...)` rendered (`env` overrides the environment), for the warehouse
    connections. `target_name` and `profile_name` are added."""
    name, raw = raw_profile_target(profiles_dir, target, profile, env)
    rendered = _render(raw, _jinja(env))
    rendered.setdefault("target_name", name)
    rendered.setdefault("profile_name", profile)
    return rendered


def ensure_profiles_dir(project_dir: Path | str, given: Path | str | None = None,
                        state_dir: Path | str | None = None, profile: str | None = None) -> Path:
    """A folder holding a profiles.yml: `given`, $DBT_PROFILES_DIR, the project folder, the current
    folder, ~/.dbt, or — for this project's own profile only — a copy of profiles.yml.example written
    into `<state>/profiles/` when the user has none."""
    if given:
        folder = Path(given)
        if not (folder / PROFILES_FILE).is_file():
            raise ProfileError(f"--profiles-dir {folder} has no {PROFILES_FILE}; copy {EXAMPLE_FILE} there")
        return folder
    candidates = [os.environ.get("DBT_PROFILES_DIR"), str(project_dir), str(Path.cwd()), str(Path.home() / ".dbt")]
    for candidate in candidates:
        if candidate and (Path(candidate) / PROFILES_FILE).is_file():
            return Path(candidate)
    example = Path(project_dir) / EXAMPLE_FILE
    if profile not in (None, PROFILE_NAME) or not example.is_file():
        where = ", ".join(str(c) for c in candidates if c)
        raise ProfileError(f"no {PROFILES_FILE} found (looked in {where}); pass --profiles-dir, or set "
                           f"DBT_PROFILES_DIR, to the folder holding the profile '{profile or PROFILE_NAME}'")
    folder = Path(state_dir) if state_dir else default_state_dir() / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(example, folder / PROFILES_FILE)
    return folder


# --------------------------------------------------------------------------- packages (dbt deps)

NO_PACKAGES_COMMANDS = frozenset({"deps", "clean", "debug", "init", "--version", "--help"})
_LOCK_FILE = "package-lock.yml"


def _packages_hash(project_dir: Path) -> str | None:
    """dbt deps' own hash of the project's package specs (what it writes as `sha1_hash` in
    package-lock.yml), or None when it cannot be computed here."""
    try:
        from dbt.config.project import package_and_project_data_from_root, package_config_from_data
        from dbt.config.renderer import PackageRenderer
        from dbt.task.deps import _create_sha1_hash
        from dbt_common.context import set_invocation_context

        set_invocation_context(dict(os.environ))  # what dbt's env_var() reads while rendering
        raw, _ = package_and_project_data_from_root(str(project_dir))
        rendered = PackageRenderer({}).render_data(raw)
        return str(_create_sha1_hash(package_config_from_data(rendered, raw).packages))
    except Exception:  # noqa: BLE001 - a dbt internal that moved: fall back to the other checks
        return None


def _package_specs(project_dir: Path) -> list[Any]:
    for name in ("packages.yml", "dependencies.yml"):
        path = project_dir / name
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ProfileError(f"{path} is not valid YAML: {exc}") from None
            specs = data.get("packages") if isinstance(data, dict) else None
            if specs:
                return list(specs)
    return []


def _install_path(project_dir: Path) -> Path:
    try:
        data = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    folder = data.get("packages-install-path") if isinstance(data, dict) else None
    return project_dir / str(folder or "dbt_packages")


def packages_problem(project_dir: Path | str) -> str | None:
    """Why the project's packages (packages.yml / dependencies.yml) need `dbt deps`, or None."""
    project_dir = Path(project_dir)
    specs = _package_specs(project_dir)
    if not specs:
        return None
    install = _install_path(project_dir)
    lock_path = project_dir / _LOCK_FILE
    if not install.is_dir():
        return f"{install.name}/ is missing"
    if not lock_path.is_file():
        return f"{_LOCK_FILE} is missing"
    try:
        lock = yaml.safe_load(lock_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return f"{_LOCK_FILE} is unreadable"
    current = _packages_hash(project_dir)
    if current is not None and lock.get("sha1_hash") != current:
        return f"the packages changed since {_LOCK_FILE} was written"
    locked = [p for p in lock.get("packages") or [] if isinstance(p, dict)]
    for package in locked:
        name = package.get("name")
        if name and not (install / str(name)).exists():
            return f"package {name} is not installed in {install.name}/"
    installed = [p for p in install.iterdir() if p.is_dir()]
    if len(installed) < len(specs):
        return f"{len(specs)} package(s) specified, {len(installed)} installed in {install.name}/"
    return None


def ensure_packages(project_dir: Path | str, *, profiles_dir: Path | str, target: str | None = None,
                    profile: str | None = None, env: dict[str, str] | None = None) -> bool:
    """Run `dbt deps` when the project's packages are missing or out of date; True when it ran."""
    problem = packages_problem(project_dir)
    if problem is None:
        return False
    log.info("running dbt deps in %s: %s", project_dir, problem)
    run_dbt(["deps"], project_dir=project_dir, profiles_dir=profiles_dir, target=target, profile=profile, env=env)
    still = packages_problem(project_dir)
    if still:
        raise DbtFailed(f"dbt deps ran in {project_dir} but the packages are still not installed: {still}")
    return True
