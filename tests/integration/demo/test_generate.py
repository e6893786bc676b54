"""The generator: deterministic, and the account and data have the shape the demo promises."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from segment_analytics_sandbox.demo.account import NEWSLETTER_PS, RETAIL_PS
from segment_analytics_sandbox.demo.generate import default_run_dates, generate
from segment_analytics_sandbox.demo.tables import cutoff

RUN_DATES = [dt.date(2026, 11, 10) + dt.timedelta(days=i) for i in range(4)]


@pytest.fixture(scope="module")
def demo():
    return generate(seed=11, n_profiles=400, run_dates=RUN_DATES)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_same_seed_same_data_other_seed_other_data(demo):
    again = generate(seed=11, n_profiles=400, run_dates=RUN_DATES)
    assert again.profiles == demo.profiles
    assert again.orders == demo.orders and again.pageviews == demo.pageviews
    assert again.email_events == demo.email_events and again.changes == demo.changes
    other = generate(seed=12, n_profiles=400, run_dates=RUN_DATES)
    assert other.profiles != demo.profiles


def test_parent_segments_one_v4_only_one_v5(demo):
    versions = {ps.id: ps.api_versions for ps in demo.account.parent_segments}
    assert versions == {RETAIL_PS: ("v4", "v5"), NEWSLETTER_PS: ("v4",)}


def test_folders_nest_at_least_three_deep(demo):
    parent = {f.id: f.parent_id for f in demo.account.folders}

    def depth(folder_id):
        return 0 if parent[folder_id] is None else 1 + depth(parent[folder_id])

    assert max(depth(f) for f in parent) >= 3
    for ps in demo.account.parent_segments:
        assert max(depth(f.id) for f in demo.account.folders if f.ps_id == ps.id) >= 3


def test_segments_cover_the_rule_grammar_the_demo_promises(demo):
    segments = demo.account.segments
    assert len(segments) >= 12
    names = [s.name for s in segments]
    assert "Kunden München" in names and "O'Brien's VIPs" in names
    assert len(set(names)) == len(names)
    nodes = [n for s in segments for n in _walk(s.rule)]
    attr_types = {c.name: c.type for ps in demo.account.parent_segments for c in ps.attributes}
    used = {attr_types[n["leftValue"]["name"]] for n in nodes
            if n.get("type") == "Value" and "name" in n.get("leftValue", {})}
    assert {"string", "long", "double", "boolean", "timestamp", "string_array"} <= used
    aggregations = {n["leftValue"]["aggregation"]["type"] for n in nodes
                    if n.get("type") == "Value" and "aggregation" in n.get("leftValue", {})}
    assert {"Count", "Sum"} <= aggregations
    assert any(n.get("type") == "TimeWithinPast" for n in nodes)
    assert any(n.get("type") == "Reference" and not n["exclude"] for n in nodes)
    assert any(n.get("type") == "Reference" and n["exclude"] for n in nodes)
    assert any(n.get("type") == "Value" and n.get("exclude") is True for n in nodes)
    assert any(n.get("type") == "Or" for n in nodes)
    json.dumps([s.rule for s in segments])  # plain JSON


def test_events_span_ninety_days_before_the_first_run_and_stop_before_the_last(demo):
    first, last = RUN_DATES[0], RUN_DATES[-1]
    assert demo.history_start == first - dt.timedelta(days=90)
    for rows in (demo.orders, demo.pageviews, demo.email_events):
        times = [r.time for r in rows]
        assert min(times) >= cutoff(demo.history_start)
        assert min(times) < cutoff(demo.history_start + dt.timedelta(days=2))
        assert max(times) < cutoff(last)
        assert max(times) >= cutoff(last - dt.timedelta(days=1))


def test_event_values(demo):
    assert set(Counter(e.event_type for e in demo.email_events)) == {"send", "open", "click"}
    assert any("utm_" in v.td_url for v in demo.pageviews)
    assert any("utm_" not in v.td_url for v in demo.pageviews)
    assert len({o.order_id for o in demo.orders}) == len(demo.orders)
    assert all(o.amount > 0 and o.items >= 1 for o in demo.orders)
    ids = {p.td_canonical_id for p in demo.profiles}
    assert len(ids) == len(demo.profiles)
    assert {e.td_canonical_id for e in demo.email_events} <= {
        p.td_canonical_id for p in demo.profiles if NEWSLETTER_PS in p.customer_ids}


def test_attribute_changes_only_on_later_run_dates(demo):
    days = {c.day for c in demo.changes}
    assert days == set(RUN_DATES[1:])
    ps_columns = {ps.id: {c.name for c in ps.attributes} for ps in demo.account.parent_segments}
    assert all(c.attribute in ps_columns[c.ps_id] for c in demo.changes)


def test_bad_arguments_name_the_field():
    with pytest.raises(ValueError, match="n_profiles"):
        generate(n_profiles=0, run_dates=RUN_DATES)
    with pytest.raises(ValueError, match="run_dates"):
        generate(n_profiles=5, run_dates=[RUN_DATES[0], RUN_DATES[0]])


def test_default_run_dates_are_consecutive_and_end_today():
    dates = default_run_dates(4, today=dt.date(2026, 1, 2))
    assert dates == [dt.date(2025, 12, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 2)]
