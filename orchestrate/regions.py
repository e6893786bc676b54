"""Treasure Data regions: the CDP host, the TD API host and the Trino host of each site.

Hosts from the CDP OpenAPI `servers` list and TD's own tools (see shared/reference/cdp_api.md §1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestrate.errors import SegmentAnalyticsError


@dataclass(frozen=True)
class Region:
    """The three endpoints of one Treasure Data site."""

    name: str
    cdp_url: str
    api_url: str
    trino_host: str


REGIONS: dict[str, Region] = {
    "us01": Region(
        "us01", "https://api-cdp.treasuredata.com", "https://api.treasuredata.com",
        "api-presto.treasuredata.com",
    ),
    "jp01": Region(
        "jp01", "https://api-cdp.treasuredata.co.jp", "https://api.treasuredata.co.jp",
        "api-presto.treasuredata.co.jp",
    ),
    "eu01": Region(
        "eu01", "https://api-cdp.eu01.treasuredata.com", "https://api.eu01.treasuredata.com",
        "api-presto.eu01.treasuredata.com",
    ),
    "ap02": Region(
        "ap02", "https://api-cdp.ap02.treasuredata.com", "https://api.ap02.treasuredata.com",
        "api-presto.ap02.treasuredata.com",
    ),
    "ap03": Region(
        "ap03", "https://api-cdp.ap03.treasuredata.com", "https://api.ap03.treasuredata.com",
        "api-presto.ap03.treasuredata.com",
    ),
}

DEFAULT_REGION = "us01"


class UnknownRegionError(SegmentAnalyticsError, ValueError):
    """A region name that is not one of REGIONS."""


def region(name: str | None) -> Region:
    """Look a region up by name (case-insensitive); None means the default (us01)."""
    key = (name or DEFAULT_REGION).strip().lower()
    try:
        return REGIONS[key]
    except KeyError:
        known = ", ".join(sorted(REGIONS))
        raise UnknownRegionError(f"region: unknown region {name!r}; use one of {known}") from None


def cdp_base_url(region_name: str | None = None, api_url: str | None = None) -> str:
    """The CDP API base URL: an explicit api_url override wins, else the region's CDP host."""
    if api_url:
        return api_url.rstrip("/")
    return region(region_name).cdp_url


REGION_ENV = "TD_REGION"  # the default of --region, and what profiles.yml.example's td host follows


def normalise_host(host: Any) -> str:
    """The host name of a profile's `host`: lower-case, without scheme, port, path or final dot."""
    text = str(host or "").strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.split("/", 1)[0].split("@")[-1]
    if text.count(":") == 1:  # host:port (an IPv6 address has more than one colon)
        text = text.split(":", 1)[0]
    return text.rstrip(".")


def region_of_trino_host(host: str | None) -> Region | None:
    """The region whose Trino host is `host` (case-insensitive), or None for any other host."""
    name = normalise_host(host)
    return next((r for r in REGIONS.values() if r.trino_host == name), None)


def td_api_url_for_trino_host(host: str) -> str:
    """The TD API (v3) base URL that goes with a Treasure Data Trino host."""
    known = region_of_trino_host(host)
    if known:
        return known.api_url
    return "https://" + normalise_host(host).replace("api-presto", "api", 1)
