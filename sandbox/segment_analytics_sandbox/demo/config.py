"""The demo account's configuration: its metrics over the `demo_behaviors` tables.

The project's own dbt_project.yml holds only the documented defaults (and no metrics), so an
install into a host project never builds the demo's metrics against a user's warehouse; the demo
(`segment-analytics demo`, `make demo`, `make docs`) passes this as `--vars` instead.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from orchestrate.config import VARS_KEY, Config, parse_cli_vars, validate_config

DEMO_SOURCE = "demo_behaviors"


def _metric(name: str, agg: str, column: str, table: str, flt: str | None = None) -> dict[str, Any]:
    metric = {"metric": name, "agg": agg, "agg_col_name": column, "source": f"{DEMO_SOURCE}.{table}",
              "join_key": "td_canonical_id", "unixtime_col": "time"}
    if flt is not None:
        metric["filter"] = flt
    return metric


DEMO_SEGMENT_ANALYTICS: dict[str, Any] = {
    "metrics": [
        _metric("orders", "count", "1", "orders"),
        _metric("revenue", "sum", "amount", "orders"),
        _metric("items", "sum", "items", "orders"),
        _metric("pageviews", "count", "1", "pageviews"),
        _metric("ad_clicks", "count", "1", "pageviews", "lower(td_url) like '%utm_%'"),
        _metric("email_sends", "count", "1", "email_events", "event_type = 'send'"),
        _metric("email_opens", "count", "1", "email_events", "event_type = 'open'"),
        _metric("email_clicks", "count", "1", "email_events", "event_type = 'click'"),
    ],
    # One A/B test, so the demo report has its A/B tab (docs/ab_tests.md): arms by segment name.
    "ab_tests": [
        {"name": "vip_offer", "control": "Recent Non-VIP Buyers", "variants": ["VIP Recent Buyers"],
         "start_date": "2026-03-01", "metrics": ["orders", "revenue", "pageviews"]},
    ],
}


def demo_vars() -> dict[str, Any]:
    """The demo's top-level vars: its `segment_analytics` block (the rest are defaults) and the
    declared behaviour source, so `dbt docs` shows the demo tables' lineage."""
    return {VARS_KEY: copy.deepcopy(DEMO_SEGMENT_ANALYTICS), "declared_behavior_sources": [DEMO_SOURCE]}


def demo_vars_text(extra: str | None = None) -> str:
    """demo_vars() as `--vars` text, with the top-level keys of `extra` (--vars text) replacing its own."""
    return json.dumps({**demo_vars(), **parse_cli_vars(extra)}, sort_keys=True)


def demo_config() -> Config:
    """The demo's validated `segment_analytics` configuration (every default filled in)."""
    return validate_config(demo_vars()[VARS_KEY])


if __name__ == "__main__":  # `python -m segment_analytics_sandbox.demo.config`: the --vars text (make docs)
    print(demo_vars_text())
