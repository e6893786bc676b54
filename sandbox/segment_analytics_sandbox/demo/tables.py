"""The warehouse tables the demo data becomes on one run date.

On run date `d` a parent segment's `customers` table holds each profile's attributes with every
change dated `d` or earlier applied, and every behaviour table holds the events before `d` 00:00 UTC
(the parent segment workflow ran overnight; yesterday's events are in, today's are not yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from segment_analytics_sandbox.demo.model import AttrValue, Column, DemoData, ParentSegmentDef

BEHAVIOR_SCHEMA = "demo_behaviors"

ORDER_COLUMNS = (Column("order_id", "string"), Column("amount", "double"), Column("items", "int"),
                 Column("category", "string"), Column("time", "long"))
PAGEVIEW_COLUMNS = (Column("td_url", "string"), Column("time", "long"))
EMAIL_COLUMNS = (Column("event_type", "string"), Column("campaign", "string"), Column("time", "long"))


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    # True: the rows extend the table as loaded on the previous run date (new events only).
    append: bool = False


def ps_schema(ps_id: str) -> str:
    return f"cdp_audience_{ps_id}"


def cutoff(run_date: dt.date) -> int:
    """Unix seconds of `run_date` 00:00 UTC: the events a run date sees are strictly before it."""
    return int(dt.datetime(run_date.year, run_date.month, run_date.day, tzinfo=dt.UTC).timestamp())


def attributes_on(data: DemoData, run_date: dt.date) -> dict[str, dict[str, AttrValue]]:
    """td_canonical_id -> attributes as they stand on `run_date` (all parent segments' columns)."""
    current = {p.td_canonical_id: dict(p.attributes) for p in data.profiles}
    for change in sorted(data.changes, key=lambda c: c.day):
        if change.day <= run_date:
            current[change.td_canonical_id][change.attribute] = change.value
    return current


def _customers(data: DemoData, ps: ParentSegmentDef, attrs: dict[str, dict[str, AttrValue]]) -> Table:
    columns = (Column("cdp_customer_id", "string"), Column("td_canonical_id", "string"), *ps.attributes)
    rows = []
    for p in data.profiles:
        if ps.id in p.customer_ids:
            values = attrs[p.td_canonical_id]
            rows.append((p.customer_ids[ps.id], p.td_canonical_id,
                         *(values.get(c.name) for c in ps.attributes)))
    return Table(ps_schema(ps.id), "customers", columns, rows)


def tables_on(data: DemoData, run_date: dt.date, since: dt.date | None = None) -> list[Table]:
    """Every table of the demo warehouse as it stands on `run_date`.

    With `since` (the previous run date already loaded), behaviour tables hold only the events
    that arrived after it and are marked `append`; `customers` tables are always whole.
    """
    if since is not None and since >= run_date:
        raise ValueError(f"since: must be before run_date {run_date}, got {since}")
    limit = cutoff(run_date)
    start = cutoff(since) if since is not None else -(2**62)
    attrs = attributes_on(data, run_date)
    orders = [o for o in data.orders if start <= o.time < limit]
    views = [v for v in data.pageviews if start <= v.time < limit]
    emails = [e for e in data.email_events if start <= e.time < limit]
    append = since is not None
    tables: list[Table] = []
    for ps in data.account.parent_segments:
        ids = {p.td_canonical_id: p.customer_ids[ps.id] for p in data.profiles if ps.id in p.customer_ids}
        key = (Column("cdp_customer_id", "string"),)
        schema = ps_schema(ps.id)
        tables += [
            _customers(data, ps, attrs),
            Table(schema, "behavior_orders", key + ORDER_COLUMNS,
                  [(ids[o.td_canonical_id], o.order_id, o.amount, o.items, o.category, o.time)
                   for o in orders if o.td_canonical_id in ids], append),
            Table(schema, "behavior_pageviews", key + PAGEVIEW_COLUMNS,
                  [(ids[v.td_canonical_id], v.td_url, v.time) for v in views if v.td_canonical_id in ids],
                  append),
            Table(schema, "behavior_email_events", key + EMAIL_COLUMNS,
                  [(ids[e.td_canonical_id], e.event_type, e.campaign, e.time)
                   for e in emails if e.td_canonical_id in ids], append),
        ]
    key = (Column("td_canonical_id", "string"),)
    tables += [
        Table(BEHAVIOR_SCHEMA, "orders", key + ORDER_COLUMNS,
              [(o.td_canonical_id, o.order_id, o.amount, o.items, o.category, o.time) for o in orders],
              append),
        Table(BEHAVIOR_SCHEMA, "pageviews", key + PAGEVIEW_COLUMNS,
              [(v.td_canonical_id, v.td_url, v.time) for v in views], append),
        Table(BEHAVIOR_SCHEMA, "email_events", key + EMAIL_COLUMNS,
              [(e.td_canonical_id, e.event_type, e.campaign, e.time) for e in emails], append),
    ]
    return tables
