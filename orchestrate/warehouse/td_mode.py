"""Treasure Data mode: one rule for the shim and for dbt (macros/td/td_mode.sql implements the same).

TD mode applies Treasure Data's restrictions (no views, no MERGE/UPDATE, `td_time_range`, no hidden
system tables). It is decided by the setting `segment_analytics.td_mode` (the top-level var
`td_mode` is the same setting): `true` / `false` win; `auto` (the default) means "the connection is
Treasure Data's": a trino target whose host is a Treasure Data Trino host (every region's in
orchestrate/regions.py, or any host under treasuredata.com / treasuredata.co.jp) or whose
catalog (dbt's `database`) is `td`. The target's name never matters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.regions import REGIONS, normalise_host

AUTO = "auto"
TD_DOMAINS = ("treasuredata.com", "treasuredata.co.jp")
TD_CATALOG = "td"
TD_TRINO_HOSTS = frozenset(r.trino_host for r in REGIONS.values())
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class TdModeSettingError(SegmentAnalyticsError, ValueError):
    """A td_mode setting that is none of true, false, auto."""


def is_td_host(host: Any) -> bool:
    """True for a Treasure Data Trino host (a region's, or any host under TD's domains).

    A look-alike such as `treasuredata.com.example.net` or `evil-treasuredata.com` is not one: the
    API key is sent as the user to a TD host, so this must not match by substring.
    """
    name = normalise_host(host)
    if not name:
        return False
    return name in TD_TRINO_HOSTS or any(name == d or name.endswith("." + d) for d in TD_DOMAINS)


def parse_setting(value: Any, field: str = "segment_analytics.td_mode") -> bool | None:
    """True / False for an explicit setting, None for auto (or unset); anything else is an error."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == AUTO or text == "":
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TdModeSettingError(f"{field}: must be true, false or auto, not {value!r}")


def setting_of(cli_or_project_vars: Mapping[str, Any] | None, configured: Any = None) -> bool | None:
    """The effective setting: `configured` (the value of `segment_analytics.td_mode`, e.g.
    `Config.td_mode`) when true/false, else the top-level var `td_mode` when true/false, else None
    (auto)."""
    explicit = parse_setting(configured)
    if explicit is not None:
        return explicit
    return parse_setting((cli_or_project_vars or {}).get("td_mode"), "td_mode")


def is_td_connection(profile_target: Mapping[str, Any]) -> bool:
    """The `auto` rule: a trino target on a Treasure Data host, or with catalog `td`."""
    if str(profile_target.get("type") or "").lower() != "trino":
        return False
    catalog = profile_target.get("database") or profile_target.get("catalog") or ""
    return is_td_host(profile_target.get("host")) or str(catalog).strip().lower() == TD_CATALOG


def td_mode(profile_target: Mapping[str, Any], setting: Any = None) -> bool:
    """Whether Treasure Data mode is on for this dbt profile output and setting (true/false/auto)."""
    explicit = parse_setting(setting)
    if explicit is not None:
        return explicit
    return is_td_connection(profile_target)
