"""Hostile input for the history (findings 2 and 3): what a pull did not see is unknown, never
empty or deleted, and `--full-refresh` never erases history.

Seven simulated days through fake API -> pull -> dbt build on DuckDB (tests/integration/history/world.py),
with the membership snapshot, the rule snapshot, population tables and the point-in-time metrics:

D1  the account: Shop (v5) with Adults, Japan, Gone, Doomed; Legacy (v4 only) with Ireland.
D2  `filters.v5_flag: v5`: Legacy is out of the pull's scope.
D3  Shop's record comes back with an empty name (unusable, not landed); Gone is really deleted.
D4  Shop's v5 record has no attributes (the v4 listing still lands it, with a problem for it).
D5  all back: now Gone is known deleted (its parent segment landed completely).
D6  Legacy's trees answer 403 (lost permission).
D7  all back; Doomed is really deleted.
Then: D7 re-run while Legacy answers 403 changes nothing; `--full-refresh` after late and removed
events recomputes the time window only; switching to `membership_basis: current` is refused.

Profiles never change, so every stay of Adults, Japan and Ireland must be exactly the one opened
on D1, and the only rule changes are the two real deletions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrate.dbt_runner import DbtFailed
from orchestrate.pull import PullError
from segment_analytics_sandbox.fake_api import cdp_routes
from tests.integration.history.world import (
    HISTORY_SELECT,
    PS_LEGACY,
    PS_SHOP,
    World,
    adults_rule,
    country_rule,
    duckdb_world,
)

pytestmark = pytest.mark.timeout(1500)

ADULTS, JAPAN, GONE, DOOMED, IRELAND = "7001", "7002", "7003", "7004", "7101"
KEPT = (ADULTS, JAPAN, IRELAND)
D1, D2, D3, D4, D5, D6, D7 = (dt.date(2026, 5, d) for d in range(1, 8))
WINDOW = {"type": "interval", "lookback": "-3d", "anchor": "now"}
SELECT = (*HISTORY_SELECT, "+fct_segment_metrics_daily_coverage", "+fct_segment_population_runs")
ORDER_DAYS = [dt.date(2026, 4, 24) + dt.timedelta(days=i) for i in range(14)]  # 04-24 .. 05-07
HISTORY = ("sa_snp_segment_rules", "sa_snp_segment_membership", "sa_hist_api_populations", "sa_population_tracker",
           "sa_metrics_daily", "sa_metrics_daily_coverage")


def noon(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC).timestamp())


def daily_orders(profiles: list[str], days: list[dt.date]) -> list[tuple[str, int, float, int]]:
    return [(pid, noon(day), 10.0, 1) for pid in profiles for day in days]


@dataclass
class Story:
    world: World
    stays: dict[dt.date, list[tuple[Any, ...]]] = field(default_factory=dict)
    problems: dict[dt.date, str] = field(default_factory=dict)
    landed: dict[dt.date, set[str]] = field(default_factory=dict)
    pull_failed: set[dt.date] = field(default_factory=set)
    after_d7: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    after_degraded_rerun: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    before_refresh: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    metrics_before_refresh: list[tuple[Any, ...]] = field(default_factory=list)
    after_full_refresh: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    refusal: str = ""
    after_refusal: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


def _history(world: World) -> dict[str, list[tuple[Any, ...]]]:
    return {name: world.table(name) for name in HISTORY}


def _stays(world: World, segment_ids: tuple[str, ...]) -> list[tuple[Any, ...]]:
    ids = ", ".join(f"'{s}'" for s in segment_ids)
    return sorted(world.query("select segment_id, profile_id, ps_id, dbt_scd_id, dbt_valid_from, dbt_valid_to "
                              f"from sa_snp_segment_membership where segment_id in ({ids})"), key=repr)


def _day(story: Story, day: dt.date, **overrides: Any) -> None:
    world = story.world
    world.overrides = {"membership_basis": "point_in_time", "time_window": WINDOW, **overrides}
    try:
        world.run_day(day)
    except PullError:
        story.pull_failed.add(day)  # `run` builds nothing after a failed pull
    run = world.query(f"select problems from cdp_landing__pull_runs where run_date = date '{day}' "
                      "order by finished_at desc limit 1")
    story.problems[day] = run[0][0] if run else ""
    story.landed[day] = {r[0] for r in world.query("select ps_id from sa_stg_cdp__parent_segments")}
    story.stays[day] = _stays(world, (*KEPT, GONE, DOOMED))


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root: Path = tmp_path_factory.mktemp("hostile_history")
    with duckdb_world(root, "history.duckdb", select=SELECT) as world:
        state = world.state
        story = Story(world)
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_parent_segment("Legacy", v5=False, ps_id=PS_LEGACY)
        state.add_segment(PS_SHOP, "Adults", adults_rule(30), segment_id=ADULTS)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), segment_id=JAPAN)
        state.add_segment(PS_SHOP, "Gone", country_rule("US"), segment_id=GONE)
        state.add_segment(PS_SHOP, "Doomed", adults_rule(45), segment_id=DOOMED)
        state.add_segment(PS_LEGACY, "Ireland", country_rule("IE"), segment_id=IRELAND)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US"), "p4": (50, "JP")}
        world.legacy = {"q1": (30, "IE"), "q2": (40, "FR")}
        world.warehouse.write_customers({PS_SHOP: world.shop, PS_LEGACY: world.legacy})
        orders = daily_orders(["p1", "p2", "p3", "p4", "q1", "q2"], ORDER_DAYS)
        world.warehouse.write_orders(orders)

        _day(story, D1)
        _day(story, D2, filters={"v5_flag": "v5", "ps_to_include": "", "folders_to_include": "",
                                 "segments_to_include": ""})
        state.parent_segment(PS_SHOP).name = ""
        state.delete_segment(GONE)
        _day(story, D3)
        state.parent_segment(PS_SHOP).name = "Shop"
        original = cdp_routes.ps_resource

        def without_attributes(ps: Any) -> dict[str, Any]:
            resource = original(ps)
            if ps.id == PS_SHOP:
                resource.pop("attributes")
            return resource

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cdp_routes, "ps_resource", without_attributes)
            _day(story, D4)
        _day(story, D5)
        state.forbidden_parent_segments.add(PS_LEGACY)
        _day(story, D6)
        state.forbidden_parent_segments.discard(PS_LEGACY)
        state.delete_segment(DOOMED)
        _day(story, D7)
        story.after_d7 = _history(world)

        # the same day again, while Legacy answers 403: a re-run that sees less changes nothing
        state.forbidden_parent_segments.add(PS_LEGACY)
        try:
            world.run_day(D7)
        except PullError:
            story.pull_failed.add(D7)
        state.forbidden_parent_segments.discard(PS_LEGACY)
        story.after_degraded_rerun = _history(world)

        # late and removed events inside the window [05-04, 05-07), then --full-refresh over the
        # complete landing of D7 (a segment not landed is not recomputed: its rows just stay)
        world.run_day(D7)
        story.before_refresh = _history(world)
        story.metrics_before_refresh = story.before_refresh["sa_metrics_daily"]
        late = [("p2", noon(dt.date(2026, 5, 5)) + 60, 99.0, 2)]
        removed = [o for o in orders if not (o[0] == "q1" and o[1] == noon(dt.date(2026, 5, 4)))]
        world.warehouse.write_orders(removed + late)
        world.build(D7, full_refresh=True)
        story.after_full_refresh = _history(world)

        # switching to membership_basis current would rebuild the table over the window only
        world.overrides = {**world.overrides, "membership_basis": "current"}
        try:
            world.build(D7)
        except DbtFailed as refused:
            story.refusal = str(refused)
        story.after_refusal = _history(world)
        yield story


# ----------------------------------------------------------------------------------------------
# the scenario did what it says


def test_each_day_left_out_what_it_should(story: Story) -> None:
    assert story.landed[D1] == {PS_SHOP, PS_LEGACY}
    assert story.landed[D2] == {PS_SHOP}  # v5_flag: v5
    assert story.landed[D3] == {PS_LEGACY}  # Shop's record unusable
    assert f'"id": "{PS_SHOP}", "kind": "parent_segment"' in story.problems[D3]
    assert f'"id": "{PS_SHOP}", "kind": "parent_segment"' in story.problems[D4]  # no attributes in v5
    assert story.landed[D5] == {PS_SHOP, PS_LEGACY}
    if D6 not in story.pull_failed:  # the pull turns a 403 on one tree into a problem for it
        assert story.landed[D6] == {PS_SHOP}
        assert f'"id": "{PS_LEGACY}", "kind": "parent_segment"' in story.problems[D6]
    assert story.landed[D7] == {PS_SHOP, PS_LEGACY}


# ----------------------------------------------------------------------------------------------
# finding 2: unknown is not empty


def test_stays_of_segments_not_seen_stay_open_and_unchanged(story: Story) -> None:
    first = [row for row in story.stays[D1] if row[0] in KEPT]
    assert len(first) == 7  # Adults p2 p3 p4, Japan p1 p2 p4, Ireland q1
    assert all(row[5] is None and row[4] == dt.datetime(2026, 5, 1) for row in first)  # open since D1
    for day in (D2, D3, D4, D5, D6, D7):
        assert [row for row in story.stays[day] if row[0] in KEPT] == first, day
    assert story.after_d7["sa_snp_segment_membership"] == story.after_degraded_rerun["sa_snp_segment_membership"]


def test_deleted_segments_close_only_once_the_api_reports_them_gone(story: Story) -> None:
    world = story.world
    rows = world.query("select segment_id, profile_id, cast(dbt_valid_from as date), cast(dbt_valid_to as date) "
                       f"from sa_snp_segment_membership where segment_id in ('{GONE}', '{DOOMED}') order by 1, 2")
    # Gone: deleted before D3, its parent segment unusable on D3 and landed with a problem on D4:
    # unknown both days; closed on D5, the first pull that landed Shop completely.
    # Doomed: deleted before D7, closed on D7.
    assert rows == [(GONE, "p3", D1, D5), (DOOMED, "p3", D1, D7), (DOOMED, "p4", D1, D7)]
    for day in (D3, D4):
        assert [r for r in story.stays[day] if r[0] == GONE] == [r for r in story.stays[D1] if r[0] == GONE]


def test_rule_history_records_only_the_real_deletions(story: Story) -> None:
    world = story.world
    assert sorted(world.query("select segment_id, change_type, cast(valid_from as date) from sa_rule_changes")) == [
        (GONE, "deletion", D5), (DOOMED, "deletion", D7)]
    assert sorted(world.query("select segment_id, version, cast(valid_from as date), valid_to "
                              "from sa_hist_rule_versions")) == [
        (ADULTS, 1, D1, None), (JAPAN, 1, D1, None), (GONE, 1, D1, dt.datetime(2026, 5, 5)),
        (DOOMED, 1, D1, dt.datetime(2026, 5, 7)), (IRELAND, 1, D1, None)]


def test_population_never_reads_unknown_as_empty(story: Story) -> None:
    rows = story.world.query(
        f'select segment_id, "date", population, entered, exited from sa_population_daily '
        f"where segment_id in ('{ADULTS}', '{JAPAN}', '{IRELAND}') and population is not null order by 1, 2")
    expected = {ADULTS: 3, JAPAN: 3, IRELAND: 1}
    assert rows, "no population rows"
    for segment_id, day, population, entered, exited in rows:
        assert population == expected[segment_id], (segment_id, day)
        assert exited == 0, (segment_id, day)
        assert entered == (expected[segment_id] if day == D1 else 0), (segment_id, day)


def test_metrics_resume_without_gaps_after_unknown_days(story: Story) -> None:
    """Ireland was unknown on D2 and D6: its days are computed when it is back, from its kept stays."""
    members = {ADULTS: 3, JAPAN: 3, IRELAND: 1}
    got = {(r[4], r[6]): (r[10], r[11]) for r in story.metrics_before_refresh
           if r[7] == "orders" and r[4] in members}
    # D1's window starts 04-28; the last ended day on D7 is 05-06 (everyone orders every day)
    days = [dt.date(2026, 4, 28) + dt.timedelta(days=i) for i in range(9)]
    assert got == {(s, d): (float(n), n) for s, n in members.items() for d in days}


def test_degraded_rerun_of_a_day_changes_no_history(story: Story) -> None:
    """Re-running D7 while Legacy answers 403 keeps D7's population_tracker row of Ireland, its
    stays, its API population and its metrics."""
    assert story.after_degraded_rerun == story.after_d7
    tracker = [r for r in story.after_d7["sa_population_tracker"] if r[0] == D7]
    assert {r[4] for r in tracker} == {ADULTS, JAPAN, IRELAND}


# ----------------------------------------------------------------------------------------------
# finding 3: --full-refresh never erases history


def test_full_refresh_keeps_days_outside_the_window(story: Story) -> None:
    before = story.metrics_before_refresh
    after = story.after_full_refresh["sa_metrics_daily"]
    window_start = dt.date(2026, 5, 4)
    outside_before = [r for r in before if r[6] < window_start]
    assert outside_before, "the test needs days that left the window"
    assert min(r[6] for r in outside_before) == dt.date(2026, 4, 28)
    assert [r for r in after if r[6] < window_start] == outside_before


def test_full_refresh_recomputes_the_window(story: Story) -> None:
    def orders(rows: list[tuple[Any, ...]]) -> dict[tuple[str, dt.date], float]:
        return {(r[4], r[6]): r[10] for r in rows if r[7] == "orders" and r[6] >= dt.date(2026, 5, 4)}

    before, after = orders(story.metrics_before_refresh), orders(story.after_full_refresh["sa_metrics_daily"])
    may4, may5 = dt.date(2026, 5, 4), dt.date(2026, 5, 5)
    # a late order of p2 on 05-05 counts for Adults and Japan; q1's removed 05-04 order leaves
    # Ireland without a row that day (the stale row is deleted, not kept)
    assert after[(ADULTS, may5)] == before[(ADULTS, may5)] + 1
    assert after[(JAPAN, may5)] == before[(JAPAN, may5)] + 1
    assert (IRELAND, may4) in before and (IRELAND, may4) not in after
    unchanged = {k for k in before if k not in {(ADULTS, may5), (JAPAN, may5), (IRELAND, may4)}}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_full_refresh_keeps_every_other_history_table(story: Story) -> None:
    for name in ("sa_snp_segment_rules", "sa_snp_segment_membership", "sa_hist_api_populations",
                 "sa_population_tracker"):
        assert story.after_full_refresh[name] == story.before_refresh[name], name
    assert story.before_refresh == story.after_d7  # the complete re-run of D7 changed nothing either


def test_switch_to_current_basis_is_refused_and_changes_nothing(story: Story) -> None:
    assert "membership_basis: 'current' would erase history" in story.refusal
    assert "computed under point_in_time (event days 2026-04-28 to" in story.refusal
    assert "Nothing was changed" in story.refusal
    assert story.after_refusal == story.after_full_refresh


# ----------------------------------------------------------------------------------------------
# a basis switch back to point_in_time recomputes the window; an API-version switch is no deletion


@dataclass
class SwitchStory:
    japan: dict[dt.date, tuple[float, int, bool]]
    spare_stays: dict[dt.date, list[tuple[Any, ...]]]
    spare_changes: list[tuple[Any, ...]]
    landed_versions: dict[dt.date, set[tuple[str, str]]]


@pytest.fixture(scope="module")
def switch_story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwitchStory]:
    """D1, D2 under `current` (p3 moves to Japan on D2), D3 under point_in_time; D4 pulls with
    `v5_flag: v4` (Shop lands as v4) after Spare was deleted; D5 with `both` again."""
    root: Path = tmp_path_factory.mktemp("basis_switch")
    with duckdb_world(root, "switch.duckdb", select=SELECT) as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), segment_id=JAPAN)
        state.add_segment(PS_SHOP, "Spare", adults_rule(40), segment_id=GONE)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US"), "p4": (50, "JP")}
        world.warehouse.write_orders(daily_orders(["p1", "p2", "p3", "p4"], ORDER_DAYS))
        spare_stays: dict[dt.date, list[tuple[Any, ...]]] = {}
        landed: dict[dt.date, set[tuple[str, str]]] = {}
        all_versions = {"v5_flag": "both", "ps_to_include": "", "folders_to_include": "", "segments_to_include": ""}
        for day, basis, flag in ((D1, "current", "both"), (D2, "current", "both"), (D3, "point_in_time", "both"),
                                 (D4, "point_in_time", "v4"), (D5, "point_in_time", "both")):
            if day == D2:
                world.shop["p3"] = (45, "JP")
            if day == D4:
                state.delete_segment(GONE)
            world.overrides = {"membership_basis": basis, "time_window": WINDOW,
                               "filters": {**all_versions, "v5_flag": flag}}
            world.run_day(day)
            spare_stays[day] = _stays(world, (GONE,))
            landed[day] = set(world.query("select ps_id, api_version from sa_stg_cdp__parent_segments"))
            if day == D3:
                japan = {r[0]: (r[1], r[2], r[3]) for r in world.query(
                    "select event_date, metric_value, unique_profiles, membership_backfilled from sa_metrics_daily "
                    f"where segment_id = '{JAPAN}' and metric_name = 'orders'")}
        changes = world.query("select segment_id, change_type, cast(valid_from as date) from sa_rule_changes")
        yield SwitchStory(japan, spare_stays, changes, landed)


def test_switch_back_to_point_in_time_recomputes_the_window(switch_story: SwitchStory) -> None:
    """Under `current` on D2 every day counted p3 (a member since D2); switched to point_in_time
    on D3, the window [04-30, 05-03) is recomputed from the membership history (p3 from 05-02 on),
    not resumed from the current-basis rows; 04-29, outside the window, keeps its row."""
    japan = switch_story.japan
    assert japan[dt.date(2026, 4, 30)] == (3.0, 3, True)
    assert japan[dt.date(2026, 5, 1)] == (3.0, 3, False)
    assert japan[dt.date(2026, 5, 2)] == (4.0, 4, False)
    assert japan[dt.date(2026, 4, 29)][:2] == (4.0, 4)  # computed under current on D2, kept


def test_api_version_switch_is_not_a_deletion(switch_story: SwitchStory) -> None:
    """Spare, deleted before D4, was last landed from v5; D4 lands Shop from v4 only, whose
    listing does not prove anything about a v5 segment: it stays open, and closes on D5."""
    assert switch_story.landed_versions[D4] == {(PS_SHOP, "v4")}
    assert switch_story.landed_versions[D5] == {(PS_SHOP, "v5")}
    assert switch_story.spare_stays[D4] == switch_story.spare_stays[D3]
    assert all(row[5] is None for row in switch_story.spare_stays[D4])
    assert [row[5] for row in switch_story.spare_stays[D5]] == [dt.datetime(2026, 5, 5)] * 2
    assert switch_story.spare_changes == [(GONE, "deletion", D5)]
