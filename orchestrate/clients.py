"""The one factory of API clients: every client of a Treasure Data API is built here.

`ApiOptions` says how to reach the APIs (region or an explicit base URL, the key, a rate cap, the
HTTP policy); `cdp_client` builds the CDP API client (`pull`, `rules revert`, `doctor`, `init`, the
demo) and `insights_http` the TD API client the Treasure Insights datamodel calls go through
(`publish`; `orchestrate.insights.client.InsightsApi` wraps it). Both use the one HTTP policy
(`orchestrate.http`); the key comes from `TD_API_KEY` unless the options carry one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from orchestrate.cdp.client import CdpClient
from orchestrate.http import HttpClient, HttpPolicy
from orchestrate.project import api_key_from_env
from orchestrate.regions import DEFAULT_REGION, cdp_base_url, region

DRY_RUN_KEY = "dry-run-no-key"  # what a dry run that needs no key sends nothing with


@dataclass(frozen=True)
class ApiOptions:
    """How to reach the Treasure Data APIs."""

    region: str | None = None  # the site (us01, eu01, …); None: us01
    api_url: str | None = None  # an explicit base URL instead of the region's host (tests, proxies)
    max_rps: float | None = None  # cap on request starts per second (None: the policy's)
    api_key: str | None = field(default=None, repr=False)  # None: $TD_API_KEY
    policy: HttpPolicy | None = None  # None: the HTTP policy's defaults

    def http_policy(self) -> HttpPolicy:
        base = self.policy or HttpPolicy()
        return base if self.max_rps is None else replace(base, requests_per_second=self.max_rps)

    @property
    def site(self) -> str:
        """The label requests are logged under: the region, or `custom` for an explicit URL."""
        return "custom" if self.api_url else (self.region or DEFAULT_REGION)

    def key(self, *, required: bool = True) -> str | None:
        return self.api_key or api_key_from_env(required=required)


def cdp_client(options: ApiOptions) -> CdpClient:
    """The CDP API client: the region's CDP host (or `api_url`), the key, the HTTP policy."""
    return CdpClient(HttpClient(cdp_base_url(options.region, options.api_url), str(options.key()),
                                policy=options.http_policy(), region=options.site))


def td_api_url(options: ApiOptions) -> str:
    """The TD API base URL: `api_url`, else the region's TD API host."""
    return options.api_url.rstrip("/") if options.api_url else region(options.region).api_url


def insights_http(options: ApiOptions, *, dry_run: bool = False) -> HttpClient:
    """The TD API client of the Treasure Insights reporting calls. A dry run sends nothing, so it
    needs no key (a stand-in is used when TD_API_KEY is not set)."""
    key = options.key(required=not dry_run) or DRY_RUN_KEY
    return HttpClient(td_api_url(options), key, policy=options.http_policy(), region=options.site)
