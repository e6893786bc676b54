"""The independent oracle: members and daily metrics computed in plain Python from the generator's
data structures (profiles, attribute changes, event lists), never from the project's SQL.

Each demo segment's meaning is restated here by hand, from the scenario as documented in
sandbox/segment_analytics_sandbox/demo/account.py and scenario.py (thresholds and windows per run date, which segments
exist when). Conventions shared with the project: relative time conditions are evaluated with
`now` = the run date's midnight UTC, windows are inclusive (`now - N days <= t <= now`), and a run
date sees the events strictly before its midnight.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from segment_analytics_sandbox.demo.model import DemoData

RETAIL, NEWSLETTER = "411001", "411002"
DAY = 86_400


def midnight(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def utc_day(seconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()


@dataclass
class Day:
    """What the oracle knows on one run date."""

    index: int
    run_date: dt.date
    now: int
    attrs: dict[str, dict[str, Any]]
    orders: dict[str, list[Any]]
    pageviews: dict[str, list[Any]]
    emails: dict[str, list[Any]]


def day_view(data: DemoData, index: int) -> Day:
    run_date = data.run_dates[index]
    now = midnight(run_date)
    attrs = {p.td_canonical_id: dict(p.attributes) for p in data.profiles}
    for change in sorted(data.changes, key=lambda c: c.day):
        if change.day <= run_date:
            attrs[change.td_canonical_id][change.attribute] = change.value
    grouped: list[dict[str, list[Any]]] = []
    for rows in (data.orders, data.pageviews, data.email_events):
        by_profile: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            if row.time < now:
                by_profile[row.td_canonical_id].append(row)
        grouped.append(by_profile)
    return Day(index, run_date, now, attrs, *grouped)


def _within(t: int | None, now: int, days: int) -> bool:
    return t is not None and now - days * DAY <= t <= now


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


# segment id -> (parent segment, predicate(day, td_canonical_id, attributes) -> bool, first day index, last)
Predicate = Callable[[Day, str, dict[str, Any]], bool]


def _high_value(day: Day, pid: str, a: dict[str, Any]) -> bool:
    threshold = 1500 if day.index < 1 else 1200  # loosened by Mallory before the second run
    return a["ltv"] > threshold and a["is_member"] is True


def _recent_buyer(day: Day, pid: str, a: dict[str, Any]) -> bool:
    return sum(1 for o in day.orders.get(pid, []) if _within(o.time, day.now, 30)) >= 1


def _weekly_opener(day: Day, pid: str, a: dict[str, Any]) -> bool:
    days = 7 if day.index < 3 else 14  # widened by Bob before the fourth run
    return any(e.event_type == "open" and _within(e.time, day.now, days) for e in day.emails.get(pid, []))


PREDICATES: dict[str, tuple[str, Predicate, int, int]] = {
    "800001": (RETAIL, _high_value, 0, 99),
    "800002": (RETAIL, _recent_buyer, 0, 99),
    "800003": (RETAIL, lambda d, p, a: sum(o.amount for o in d.orders.get(p, [])
                                           if _within(o.time, d.now, 90)) >= 500, 0, 99),
    "800004": (RETAIL, lambda d, p, a: a["city"] == "München", 0, 99),
    "800005": (RETAIL, lambda d, p, a: a["last_name"] == "O'Brien" or a["ltv"] > 3000, 0, 99),
    "800006": (RETAIL, lambda d, p, a: sum(1 for v in d.pageviews.get(p, [])
                                           if _within(v.time, d.now, 14)) >= 5, 0, 99),
    "800007": (RETAIL, lambda d, p, a: any(e.event_type == "click" and _within(e.time, d.now, 30)
                                           for e in d.emails.get(p, [])), 0, 99),
    "800008": (RETAIL, lambda d, p, a: bool({"sports", "outdoor"} & set(a["interests"])), 0, 99),
    "800009": (RETAIL, lambda d, p, a: a["is_member"] is True
               and not _within(_ts(a["last_login_at"]), d.now, 60), 0, 99),
    "800010": (RETAIL, lambda d, p, a: _high_value(d, p, a) and _recent_buyer(d, p, a), 0, 99),
    "800011": (RETAIL, lambda d, p, a: _recent_buyer(d, p, a) and not _high_value(d, p, a), 0, 99),
    "800012": (RETAIL, lambda d, p, a: 18 <= a["age"] <= 29, 0, 99),
    "800013": (RETAIL, lambda d, p, a: a["email"].endswith("@gmail.com"), 0, 1),  # deleted on day 3
    "800014": (RETAIL, lambda d, p, a: a["gender"] == "Female" and a["city"] in ("Tokyo", "Berlin"), 0, 99),
    "800020": (RETAIL, lambda d, p, a: any(o.category == "gifts" and _within(o.time, d.now, 14)
                                           for o in d.orders.get(p, [])), 2, 99),  # created on day 3
    "800101": (NEWSLETTER, _weekly_opener, 0, 99),
    "800102": (NEWSLETTER, lambda d, p, a: a["language"] == "de" and a["opt_in"] is not False, 0, 99),
    "800103": (NEWSLETTER, lambda d, p, a: "deals" in a["topics"], 0, 99),
    "800104": (NEWSLETTER, lambda d, p, a: a["subscribed_at"] < dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
               0, 99),
    "800105": (NEWSLETTER, lambda d, p, a: a["engagement_score"] >= 70, 0, 99),
}


def members(data: DemoData, index: int) -> dict[str, set[str]]:
    """segment id -> td_canonical_ids of its members on run date number `index`."""
    day = day_view(data, index)
    in_ps = {ps: {p.td_canonical_id for p in data.profiles if ps in p.customer_ids}
             for ps in (RETAIL, NEWSLETTER)}
    out: dict[str, set[str]] = {}
    for segment_id, (ps, predicate, first, last) in PREDICATES.items():
        if first <= index <= last:
            out[segment_id] = {pid for pid in in_ps[ps] if predicate(day, pid, day.attrs[pid])}
    return out


# metric name -> (event list attribute, row filter, value of one row or None for count)
METRICS: dict[str, tuple[str, Callable[[Any], bool], Callable[[Any], float] | None]] = {
    "orders": ("orders", lambda r: True, None),
    "revenue": ("orders", lambda r: True, lambda r: r.amount),
    "items": ("orders", lambda r: True, lambda r: r.items),
    "pageviews": ("pageviews", lambda r: True, None),
    "ad_clicks": ("pageviews", lambda r: "utm_" in r.td_url.lower(), None),
    "email_sends": ("email_events", lambda r: r.event_type == "send", None),
    "email_opens": ("email_events", lambda r: r.event_type == "open", None),
    "email_clicks": ("email_events", lambda r: r.event_type == "click", None),
}


def member_on(history: dict[str, dict[int, set[str]]], data: DemoData) -> Callable[[str, dt.date], set[str]]:
    """Point-in-time membership: on day e, the members of the latest run date <= e; before the
    segment's first run date, its earliest known members."""

    def lookup(segment_id: str, day: dt.date) -> set[str]:
        runs = history[segment_id]
        known = [i for i in sorted(runs) if data.run_dates[i] <= day]
        return runs[known[-1]] if known else runs[min(runs)]

    return lookup


def membership_history(data: DemoData, last: int) -> dict[str, dict[int, set[str]]]:
    """segment id -> run date index -> members, for run dates 0..last (oracle members)."""
    history: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for i in range(last + 1):
        for segment_id, ids in members(data, i).items():
            history[segment_id][i] = ids
    return history


def daily_metrics(
    data: DemoData,
    last_index: int | None = None,
    history: dict[str, dict[int, set[str]]] | None = None,
) -> dict[tuple[str, dt.date, str], tuple[float, int]]:
    """(segment id, event date, metric) -> (metric_value, unique_profiles) after run date number
    `last_index` (default: the last), over every event loaded by then.

    Daily metrics are history: a segment deleted after some run date keeps the rows of the event
    days loaded while it existed (the events before its last run date), and no later ones.
    `history` (segment -> run date index -> members) defaults to the oracle's own members.
    """
    last = len(data.run_dates) - 1 if last_index is None else last_index
    history = history if history is not None else membership_history(data, last)
    lookup = member_on(history, data)
    cutoff = midnight(data.run_dates[last])
    per_profile: dict[tuple[str, dt.date, str], float] = defaultdict(float)
    for metric, (rows_name, keep, value_of) in METRICS.items():
        for row in getattr(data, rows_name):
            if row.time < cutoff and keep(row):
                per_profile[(row.td_canonical_id, utc_day(row.time), metric)] += (
                    1.0 if value_of is None else float(value_of(row)))
    by_day: dict[tuple[dt.date, str], dict[str, float]] = defaultdict(dict)
    for (pid, day, metric), value in per_profile.items():
        by_day[(day, metric)][pid] = value
    out: dict[tuple[str, dt.date, str], tuple[float, int]] = {}
    for segment_id in sorted(history):
        last_seen = max(history[segment_id])
        loaded_until = data.run_dates[last_seen] if last_seen < last else None
        for (day, metric), values in by_day.items():
            if loaded_until is not None and day >= loaded_until:
                continue
            ids = lookup(segment_id, day)
            hits = [v for pid, v in values.items() if pid in ids]
            if hits:
                out[(segment_id, day, metric)] = (sum(hits), len(hits))
    return out
