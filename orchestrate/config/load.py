"""Loading: the `segment_analytics` mapping a node of this package sees, read as dbt reads vars.

dbt hands a node the whole `segment_analytics` mapping of the project that sets it (orchestrate/
dbt_vars.py: `--vars`, then the root project, then this package's own dbt_project.yml), never a
key-by-key merge; the defaults are therefore applied by the validator (orchestrate/config/validate.py)
and, in dbt, by `sa_cfg()`, both from the one schema (orchestrate/config/schema.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from orchestrate import dbt_vars
from orchestrate.config.errors import ConfigError, ConfigProblem
from orchestrate.config.model import Config
from orchestrate.config.schema import DEFAULTS, VARS_KEY
from orchestrate.config.validate import validate_config


def load_project_vars(project_dir: Path) -> dict[str, Any]:
    """All vars of dbt_project.yml (the whole `vars:` mapping)."""
    try:
        return dbt_vars.project_vars(dbt_vars.read_project(Path(project_dir)), Path(project_dir))
    except dbt_vars.VarsFileError as exc:
        raise ConfigError([ConfigProblem("vars", str(exc))]) from exc


def parse_cli_vars(text: str | None) -> dict[str, Any]:
    """Parse `--vars` text (YAML or JSON, as dbt accepts it)."""
    if not text:
        return {}
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem("--vars", f"is not valid YAML/JSON ({exc.__class__.__name__})")]) from exc
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise ConfigError([ConfigProblem("--vars", "must be a mapping such as '{run_date: 2026-01-31}'")])
    return parsed


def merge_vars(project_vars: dict[str, Any], cli_vars: dict[str, Any]) -> dict[str, Any]:
    """dbt's rule: a top-level key given with --vars replaces the project's value for that key."""
    merged = dict(project_vars)
    merged.update(cli_vars)
    return merged


def load_config(project_dir: Path, cli_vars_text: str | None = None, *,
                cli_vars: dict[str, Any] | None = None) -> Config:
    """The configuration this package's models see for the project in `project_dir` (this project,
    or a host that installed it) with `--vars` (text or parsed): validated, every default filled in."""
    given = parse_cli_vars(cli_vars_text) if cli_vars is None else cli_vars
    try:
        layers = dbt_vars.var_layers(Path(project_dir), given)
    except dbt_vars.VarsFileError as exc:
        raise ConfigError([ConfigProblem("vars", str(exc))]) from exc
    raw = dbt_vars.lookup(layers, VARS_KEY, None)
    return validate_config(raw, ignored=_nested_siblings(layers))


def _nested_siblings(layers: list[Any]) -> list[str]:
    """Config keys a project set beside the nested form `segment_analytics: {segment_analytics: ...}`
    when that nested block is what dbt reads (dbt ignores them)."""
    cli, scoped = layers[0], layers[1]
    if VARS_KEY in cli or VARS_KEY not in scoped:
        return []
    return [key for key in scoped if key in DEFAULTS]


def dumps_vars(vars_: dict[str, Any]) -> str:
    """Render vars for dbt's --vars (JSON is valid YAML)."""
    return json.dumps(vars_, default=str, sort_keys=True)
