"""`RunContext`: everything a run needs, resolved once — the one place it is built.

`resolve_context` takes explicit options (what the CLI's flags say, or what the demo and the tests
pass): the dbt project, its profile, target and region (`orchestrate.target`, resolved as dbt
does), the `segment_analytics:` configuration (validated first: a mistake stops the run before
anything else happens), the run date, Treasure Data mode, and how to reach the APIs
(`orchestrate.clients.ApiOptions`). `context_from_args` is the thin adapter from the CLI's
`argparse` namespace.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from orchestrate.clients import ApiOptions
from orchestrate.config import Config, load_config, parse_cli_vars
from orchestrate.dbt_vars import package_var
from orchestrate.project import find_project_dir, parse_run_date
from orchestrate.target import ResolvedTarget, resolve_target
from orchestrate.warehouse.td_mode import setting_of, td_mode

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class RunContext:
    """Everything a step of a run needs (orchestrate.pipeline), resolved once."""

    project_dir: Path
    profiles_dir: Path
    target: str
    target_profile: dict[str, Any]  # the dbt profile output, rendered
    config: Config
    run_date: date
    cli_vars: dict[str, Any] = field(default_factory=dict)  # the user's --vars, without run_date
    profile: str = "segment_analytics"
    region: str | None = None  # --region, $TD_REGION, or the region of the target's Treasure Data host
    env: dict[str, str] = field(default_factory=dict)  # set while dbt runs (TD_PRESTO_HOST from the region)
    # Treasure Data mode as dbt decides it (orchestrate/warehouse/td_mode.py); None: from the connection
    td_mode: bool | None = None
    api: ApiOptions = field(default_factory=ApiOptions)  # how to reach the CDP and TD APIs

    @property
    def dbt_vars(self) -> dict[str, Any]:
        """--vars for dbt: the user's own, plus the run date."""
        return {**self.cli_vars, "run_date": self.run_date.isoformat()}

    @property
    def dbt_options(self) -> dict[str, Any]:
        """Keyword arguments of `dbt_runner.run_dbt` for this project, profile, target and vars."""
        return {"project_dir": self.project_dir, "profiles_dir": self.profiles_dir, "profile": self.profile,
                "target": self.target, "vars": self.dbt_vars, "env": dict(self.env)}

    @property
    def dialect(self) -> str:
        return "duckdb" if self.target_profile.get("type") == "duckdb" else "trino"

    @property
    def schema(self) -> str | None:
        """The dbt target's schema (where the marts are)."""
        schema = self.target_profile.get("schema")
        return str(schema) if schema else None

    def on(self, run_date: date) -> RunContext:
        """The same context for another run date (the demo's and the tests' simulated days)."""
        return replace(self, run_date=run_date)


def resolve_target_for(project_dir: Path, *, profiles_dir: PathLike | None = None, profile: str | None = None,
                       target: str | None = None, region: str | None = None) -> ResolvedTarget:
    """The project's profile, target and region, without reading the `segment_analytics:`
    configuration (for `init`, which writes it)."""
    return resolve_target(project_dir, profiles_dir=profiles_dir, profile=profile, target=target,
                          region_name=region)


def resolve_context(
    *,
    project_dir: PathLike | None = None,
    profiles_dir: PathLike | None = None,
    profile: str | None = None,
    target: str | None = None,
    region: str | None = None,
    vars_text: str | None = None,
    run_date: str | date | None = None,
    api: ApiOptions | None = None,
) -> RunContext:
    """Validate the configuration, then resolve the target, run date, TD mode and API options.

    `vars_text`: YAML/JSON merged over the project's vars, as dbt's `--vars` (a `run_date` in it is
    the run date unless `run_date` is given). `api`: the API options; its region defaults to the
    resolved one. Raises ConfigError, UsageError, ProfileError (all SegmentAnalyticsError).
    """
    folder = find_project_dir(project_dir)
    cli_vars = parse_cli_vars(vars_text)
    config = load_config(folder, cli_vars=cli_vars)
    day = run_date if isinstance(run_date, date) else parse_run_date(run_date or _vars_run_date(cli_vars))
    resolved = resolve_target_for(folder, profiles_dir=profiles_dir, profile=profile, target=target, region=region)
    setting = setting_of({"td_mode": package_var(folder, "td_mode", cli_vars)}, config.td_mode)
    options = replace(api or ApiOptions(), region=(api.region if api and api.region else resolved.region))
    return RunContext(folder, resolved.profiles_dir, resolved.target, resolved.output, config, day,
                      {k: v for k, v in cli_vars.items() if k != "run_date"}, profile=resolved.profile,
                      region=resolved.region, env=resolved.env, td_mode=td_mode(resolved.output, setting),
                      api=options)


def _vars_run_date(cli_vars: dict[str, Any]) -> str | None:
    value = cli_vars.get("run_date")
    return None if value is None else str(value)


def api_options_from_args(args: argparse.Namespace) -> ApiOptions:
    """--region, --api-url, --max-rps of a command that has them."""
    return ApiOptions(region=getattr(args, "region", None), api_url=getattr(args, "api_url", None),
                      max_rps=getattr(args, "max_rps", None))


def context_from_args(args: argparse.Namespace) -> RunContext:
    """The CLI's adapter: the common flags (`orchestrate.cli`) as `resolve_context`'s options."""
    return resolve_context(project_dir=getattr(args, "project_dir", None),
                           profiles_dir=getattr(args, "profiles_dir", None), profile=getattr(args, "profile", None),
                           target=getattr(args, "target", None), region=getattr(args, "region", None),
                           vars_text=getattr(args, "vars_text", None), run_date=getattr(args, "run_date", None),
                           api=api_options_from_args(args))


def target_from_args(args: argparse.Namespace, project_dir: Path | None = None) -> ResolvedTarget:
    """The CLI's adapter of `resolve_target_for` (for `init`)."""
    return resolve_target_for(project_dir or find_project_dir(getattr(args, "project_dir", None)),
                              profiles_dir=getattr(args, "profiles_dir", None), profile=getattr(args, "profile", None),
                              target=getattr(args, "target", None), region=getattr(args, "region", None))
