"""Which dbt project, profile, target and Treasure Data region a command runs against.

Resolved once per command, the way dbt resolves them, so the shim and the dbt it runs agree:

- profile: `--profile`, else $DBT_PROFILE, else the project's `profile:` (any name);
- profiles.yml: `--profiles-dir`, $DBT_PROFILES_DIR, the project folder, the current folder, ~/.dbt
  (for this project's own profile only, a copy of profiles.yml.example when there is none);
- target: `--target`, else $DBT_TARGET, else the profile's own `target:`;
- region: `--region`, else $TD_REGION, else the region of the target's Treasure Data host, else us01
  for the CDP API. With a region given, a target whose host reads TD_PRESTO_HOST (as the td output of
  profiles.yml.example does) gets that region's Trino host, for the shim and for dbt alike
  (`env`, set only while dbt runs). A Treasure Data host of another region — a literal host in
  profiles.yml or an explicit TD_PRESTO_HOST — is an error naming both; a host that is not Treasure
  Data's (a local Trino, a proxy) is used as is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrate import dbt_runner
from orchestrate.project import UsageError
from orchestrate.regions import REGION_ENV, REGIONS, UnknownRegionError, region, region_of_trino_host
from orchestrate.warehouse.td_mode import is_td_host

HOST_ENV = "TD_PRESTO_HOST"


@dataclass(frozen=True)
class ResolvedTarget:
    """The dbt connection a command uses, and the environment dbt needs to see the same one."""

    profiles_dir: Path
    profile: str
    target: str
    output: dict[str, Any]  # the profile output, rendered (with `env`)
    region: str | None  # the Treasure Data region: given, or that of the target's TD host
    env: dict[str, str] = field(default_factory=dict)


def _requested_region(given: str | None) -> tuple[str | None, str]:
    """(region name or None, where it came from) from --region or $TD_REGION."""
    for value, source in ((given, "--region"), (os.environ.get(REGION_ENV), REGION_ENV)):
        if value and value.strip():
            try:
                return region(value).name, source
            except UnknownRegionError as exc:
                raise UsageError(f"{source}: {str(exc).removeprefix('region: ')}") from None
    return None, ""


def _region_env(raw: dict[str, Any], wanted: str | None) -> dict[str, str]:
    """TD_PRESTO_HOST (and TD_REGION) for a trino output whose host reads TD_PRESTO_HOST."""
    if not wanted or str(raw.get("type", "")).lower() != "trino":
        return {}
    env = {REGION_ENV: wanted}
    if HOST_ENV in str(raw.get("host") or "") and not (os.environ.get(HOST_ENV) or "").strip():
        env[HOST_ENV] = REGIONS[wanted].trino_host
    return env


def resolve_target(project_dir: Path, *, profiles_dir: str | os.PathLike[str] | None = None,
                   profile: str | None = None, target: str | None = None,
                   region_name: str | None = None) -> ResolvedTarget:
    """Resolve the profile, target and region (module docstring); raise ProfileError / UsageError."""
    name = dbt_runner.profile_name(project_dir, profile)
    folder = dbt_runner.ensure_profiles_dir(project_dir, profiles_dir, profile=name)
    wanted, source = _requested_region(region_name)
    target_name, raw = dbt_runner.raw_profile_target(folder, target, name)
    env = _region_env(raw, wanted)
    output = dbt_runner.load_profile_target(folder, target_name, profile=name, env=env)
    resolved_region = wanted
    if str(output.get("type", "")).lower() == "trino" and is_td_host(output.get("host")):
        host = str(output.get("host"))
        host_region = region_of_trino_host(host)
        if wanted and host_region and host_region.name != wanted:
            where = (f"{HOST_ENV}={host}" if HOST_ENV in str(raw.get("host") or "")
                     else f"profiles.yml target '{target_name}' has host {host}")
            raise UsageError(
                f"{source} {wanted} disagrees with the warehouse: {where}, which is {host_region.name}'s "
                f"Trino host ({wanted}'s is {REGIONS[wanted].trino_host}). Use one region for both: "
                f"drop {source} or set it to {host_region.name}, or point the host at {wanted}")
        resolved_region = wanted or (host_region.name if host_region else None)
    return ResolvedTarget(profiles_dir=folder, profile=name, target=target_name, output=output,
                          region=resolved_region, env=env)
