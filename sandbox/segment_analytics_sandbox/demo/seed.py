"""Seed and update the fake CDP API's state (segment_analytics_sandbox.fake_api.state.FakeState) with the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

from segment_analytics_sandbox.demo import populations, scenario
from segment_analytics_sandbox.demo.model import Account, DemoData, SegmentDef
from segment_analytics_sandbox.demo.scenario import Create, DayPlan, Delete, ReSave, RuleEdit, reordered
from segment_analytics_sandbox.fake_api.state import FakeState

STATISTICS_BACKFILL_DAYS = 30


def seed_account(state: FakeState, account: Account, first_run: dt.date) -> None:
    """Parent segments, folders and segments as they stand before the first run date."""
    base = dt.datetime(first_run.year, first_run.month, first_run.day, tzinfo=dt.UTC)
    created = base - dt.timedelta(days=200)
    root_ids: dict[str, str] = {}
    for ps in account.parent_segments:
        state.add_parent_segment(ps.name, v5="v5" in ps.api_versions, ps_id=ps.id, timezone=ps.timezone,
                                 description=ps.description, now=created)
        root_ids[ps.root_folder_id] = state.parent_segment(ps.id).root_folder_id
    for folder in account.folders:
        if folder.parent_id is None:
            continue
        parent = root_ids.get(folder.parent_id, folder.parent_id)
        state.add_folder(folder.ps_id, folder.name, parent_folder_id=parent, folder_id=folder.id,
                         created_by=account.users["alice"].name, now=created)
    for i, seg in enumerate(account.segments):
        add_segment(state, account, seg, now=created + dt.timedelta(days=5 + i))


def add_segment(state: FakeState, account: Account, seg: SegmentDef, *, now: dt.datetime) -> None:
    state.add_segment(seg.ps_id, seg.name, seg.rule, folder_id=seg.folder_id, segment_id=seg.id,
                      description=seg.description or None, updated_by=account.users[seg.created_by].name,
                      now=now)


def apply_day(state: FakeState, account: Account, day: DayPlan) -> None:
    """The day's account edits, stamped the afternoon before the run date."""
    for minutes, action in enumerate(day.actions):
        when = day.edited_at + dt.timedelta(minutes=7 * minutes)
        if isinstance(action, RuleEdit):
            state.update_rule(action.segment_id, action.rule, updated_by=account.users[action.user].name,
                              now=when)
        elif isinstance(action, ReSave):
            rule = reordered(state.segment(action.segment_id).rule)
            state.update_rule(action.segment_id, rule, updated_by=account.users[action.user].name, now=when)
        elif isinstance(action, Delete):
            state.delete_segment(action.segment_id)
        elif isinstance(action, Create):
            add_segment(state, account, action.segment, now=when)


def record_populations(
    state: FakeState, conn: Any, data: DemoData, run_date: dt.date, seed_value: int
) -> dict[str, int]:
    """Count every segment's compiled rule on the loaded data (DuckDB `conn`) and give the fake API
    those populations: current values, the run date's statistics point and, the first time a
    segment is seen, a back-filled history for the days before. Returns segment id -> population."""
    segments = scenario.segments_on(data.account.segments, data.run_dates, run_date)
    counts = populations.count_segments(conn, segments, run_date)
    for ps in data.account.parent_segments:
        state.set_parent_population(ps.id, populations.count_parent_segment(conn, ps.id))
    for segment_id, population in counts.items():
        state.set_population(segment_id, population)
        if not state.segment(segment_id).history:
            for day, value, measured in populations.backfilled_history(
                seed_value, segment_id, population, run_date, STATISTICS_BACKFILL_DAYS
            ):
                state.record_population(segment_id, day, value, measured=measured)
        state.record_population(segment_id, run_date, population, measured=True)
    return counts


def demo_state(run_date: dt.date | None = None, *, n_profiles: int = 5000, seed_value: int = 20261128) -> FakeState:
    """The demo account as the fake API serves it on `run_date` (default: today, UTC), populations
    included; for `segment-analytics fake-api` without a state file. Uses an in-memory DuckDB."""
    import duckdb

    from segment_analytics_sandbox.demo.generate import generate
    from segment_analytics_sandbox.demo.load import load_duckdb
    from segment_analytics_sandbox.demo.tables import tables_on

    day = run_date or dt.datetime.now(dt.UTC).date()
    data = generate(seed=seed_value, n_profiles=n_profiles, run_dates=[day])
    state = FakeState()
    seed_account(state, data.account, day)
    conn = duckdb.connect(":memory:")
    try:
        load_duckdb(conn, tables_on(data, day))
        record_populations(state, conn, data, day, seed_value)
    finally:
        conn.close()
    return state
