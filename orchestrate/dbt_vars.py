"""The vars a node of this package sees, resolved exactly as dbt-core 1.11 resolves them.

dbt (`dbt/context/providers.py` ModelConfiguredVar._generate_merged, `dbt/config/project.py`
VarProvider.vars_for, `dbt/utils` MultiDict: the mapping added last wins) looks a var up for a
node of package `segment_analytics`, first match wins, in:

1. the `--vars` mapping (top-level keys only: a `segment_analytics` given there replaces every other);
2. the root project's `vars: segment_analytics:` mapping, read as the vars scoped to this package
   (so the nested form `vars: {segment_analytics: {segment_analytics: {...}}}` puts the inner
   mapping first);
3. the root project's `vars:` (global);
4. this package's own `vars: segment_analytics:` (scoped), then 5. its own `vars:` (global) —
   only when the root project is another project (a host that installed this one as a package).

A value found there is the whole value: dbt never merges a mapping key by key. The per-key defaults
of `segment_analytics:` are therefore applied by this project itself (orchestrate/config/,
macros/config/sa_cfg.sql, both from orchestrate/config/schema.py), over whatever mapping dbt hands over.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from orchestrate.errors import SegmentAnalyticsError

PACKAGE_NAME = "segment_analytics"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
MISSING: Any = object()


class VarsFileError(SegmentAnalyticsError, ValueError):
    """A dbt_project.yml whose `vars:` cannot be read."""


def read_project(project_dir: Path) -> dict[str, Any]:
    """The parsed dbt_project.yml of a project folder."""
    path = Path(project_dir) / "dbt_project.yml"
    with path.open(encoding="utf-8") as fh:
        project = yaml.safe_load(fh) or {}
    if not isinstance(project, dict):
        raise VarsFileError(f"{path} is not a mapping")
    return project


def project_vars(project: Mapping[str, Any], where: Path) -> dict[str, Any]:
    """The `vars:` mapping of a parsed dbt_project.yml (empty when absent)."""
    found = project.get("vars") or {}
    if not isinstance(found, dict):
        raise VarsFileError(f"`vars` in {where / 'dbt_project.yml'} must be a mapping")
    return found


def installed_package_dir(root_dir: Path, root_project: Mapping[str, Any]) -> Path:
    """Where dbt finds this package for a host project: the folder under the host's
    `packages-install-path` (default dbt_packages) whose dbt_project.yml is named segment_analytics;
    before `dbt deps` has run, this installed copy."""
    install = root_project.get("packages-install-path") or "dbt_packages"
    folder = Path(root_dir) / str(install) if isinstance(install, str) and "{" not in install else None
    if folder is not None and folder.is_dir():
        for candidate in sorted(folder.iterdir()):
            try:
                if (candidate / "dbt_project.yml").is_file() and \
                        read_project(candidate).get("name") == PACKAGE_NAME:
                    return candidate
            except (OSError, yaml.YAMLError, VarsFileError):
                continue
    return PACKAGE_ROOT


def var_layers(project_dir: Path, cli_vars: Mapping[str, Any] | None = None) -> list[Mapping[str, Any]]:
    """The mappings dbt searches for a segment_analytics node, the one that wins first."""
    root_dir = Path(project_dir)
    root = read_project(root_dir)
    root_vars = project_vars(root, root_dir)
    layers: list[Mapping[str, Any]] = [dict(cli_vars or {}), _scoped(root_vars), root_vars]
    if root.get("name") != PACKAGE_NAME:
        package_dir = installed_package_dir(root_dir, root)
        package_vars = project_vars(read_project(package_dir), package_dir)
        layers += [_scoped(package_vars), package_vars]
    return layers


def _scoped(vars_: Mapping[str, Any]) -> Mapping[str, Any]:
    """The vars a project scopes to this package (`vars: segment_analytics: {...}`)."""
    scoped = vars_.get(PACKAGE_NAME)
    return scoped if isinstance(scoped, dict) else {}


def lookup(layers: list[Mapping[str, Any]], name: str, default: Any = MISSING) -> Any:
    """`var(name, default)` as a segment_analytics node calls it."""
    for layer in layers:
        if name in layer:
            return layer[name]
    return default


def package_var(project_dir: Path, name: str, cli_vars: Mapping[str, Any] | None = None,
                default: Any = None) -> Any:
    """One var as this package's models read it (e.g. `segment_analytics`, `declared_behavior_sources`)."""
    return lookup(var_layers(project_dir, cli_vars), name, default)
