"""The simulated days on the fake API state: edits by other users, a no-op re-save, a deletion and
a creation; the statistics history before the first run date."""

from __future__ import annotations

import datetime as dt

from segment_analytics_sandbox.demo import populations, scenario, seed
from segment_analytics_sandbox.demo.account import build_account
from segment_analytics_sandbox.fake_api.state import FakeState

RUN_DATES = [dt.date(2026, 11, 25) + dt.timedelta(days=i) for i in range(4)]


def _seeded() -> tuple[FakeState, object]:
    account = build_account()
    state = FakeState()
    seed.seed_account(state, account, RUN_DATES[0])
    return state, account


def test_seeded_state_matches_the_account():
    state, account = _seeded()
    assert set(state.segments) == {s.id for s in account.segments}
    assert state.parent_segment("411001").v5 is True
    assert state.parent_segment("411002").v5 is False
    folders = {f.id: f for f in state.folders.values()}
    assert folders["700103"].parent_id == "700102"
    root = state.parent_segment("411001").root_folder_id
    assert folders["700101"].parent_id == root and folders["700104"].parent_id == root
    assert state.segment("800005").name == "O'Brien's VIPs"
    assert state.segment("800004").rule == account.segment("800004").rule


def test_days_apply_edits_resave_delete_create():
    state, account = _seeded()
    plans = scenario.plan(RUN_DATES)
    seed.apply_day(state, account, plans[1])
    edited = state.segment("800001")
    assert edited.updated_by == "Mallory O'Malley"
    assert edited.rule["conditions"][0]["conditions"][0]["operator"]["rightValue"] == 1200
    seed.apply_day(state, account, plans[2])
    resaved = state.segment("800012")
    assert resaved.rule == account.segment("800012").rule  # same meaning
    assert list(resaved.rule) != list(account.segment("800012").rule)  # other key order
    assert resaved.updated_by == "Bob Builder" and len(resaved.rule_versions) == 2
    assert "800013" not in state.segments
    assert state.segment("800020").name == "Holiday Shoppers 🎄"
    seed.apply_day(state, account, plans[3])
    on_last = {s.id: s for s in scenario.segments_on(account.segments, RUN_DATES, RUN_DATES[-1])}
    assert set(on_last) == set(state.segments)
    assert all(on_last[i].rule == state.segment(i).rule for i in on_last)


def test_segments_on_follows_the_plan():
    account = build_account()
    first = {s.id for s in scenario.segments_on(account.segments, RUN_DATES, RUN_DATES[0])}
    third = {s.id for s in scenario.segments_on(account.segments, RUN_DATES, RUN_DATES[2])}
    assert first - third == {"800013"} and third - first == {"800020"}
    two_days = scenario.plan(RUN_DATES[:2])
    assert [len(d.actions) for d in two_days] == [0, 1]


def test_backfilled_history_is_deterministic_and_flags_imputed_days():
    points = populations.backfilled_history(5, "800001", 400, RUN_DATES[0], 30)
    assert points == populations.backfilled_history(5, "800001", 400, RUN_DATES[0], 30)
    assert [p[0] for p in points] == [RUN_DATES[0] - dt.timedelta(days=d) for d in range(30, 0, -1)]
    assert all(p[1] >= 0 for p in points)
    assert any(not p[2] for p in points) and any(p[2] for p in points)


def test_demo_state_serves_populations_and_history():
    from segment_analytics_sandbox.demo.seed import demo_state

    state = demo_state(RUN_DATES[0], n_profiles=120, seed_value=9)
    assert len(state.segments) == 19
    assert state.parent_segment("411001").population == 120
    assert 0 < state.parent_segment("411002").population < 120
    munich = state.segment("800004")
    assert munich.population is not None and 0 < munich.population < 120
    assert munich.history[RUN_DATES[0].isoformat()] == [munich.population, True]
    assert len(munich.history) == 31  # 30 back-filled days + the run date
