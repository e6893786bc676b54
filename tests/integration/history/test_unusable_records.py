"""A segment the pull sees but cannot land (here: its name comes back empty) is unknown for that
run, not deleted: no deletion in the rule history, no member recorded as having left. The same for
the stage segments of a funnel the pull could not read."""

from __future__ import annotations

import pytest

from segment_analytics_sandbox.fake_api import cdp_routes
from tests.integration.history.world import (
    DAY1,
    DAY2,
    DAY3,
    HISTORY_SELECT,
    PS_SHOP,
    adults_rule,
    country_rule,
    duckdb_world,
)

ADULTS, JAPAN = "6201", "6202"
# the last stage's rule is Japan's: stage segments get no member SQL of their own, but one whose rule
# hash equals a regular segment's in the same parent segment shares its SQL, so it has members
STAGES = [("Visited", adults_rule(30)), ("Carted", adults_rule(40)), ("Paid", adults_rule(50)),
          ("Came back", country_rule("JP"))]

pytestmark = pytest.mark.timeout(600)


def test_unlandable_segment_keeps_its_history(tmp_path) -> None:
    with duckdb_world(tmp_path, "unusable.duckdb") as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Adults", adults_rule(30), updated_by="Alice", segment_id=ADULTS)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US")}
        world.run_day(DAY1)

        state.segment(JAPAN).name = ""  # unusable record: the pull lists it as a problem
        world.run_day(DAY2)
        problems = world.query("select problems from cdp_landing__pull_runs where run_date = date '2026-05-02'")
        landed = world.query(f"select count(*) from cdp_landing__segments where segment_id = '{JAPAN}'")

        state.segment(JAPAN).name = "Japan"
        world.run_day(DAY3)

    assert landed == [(0,)]
    assert f'"id": "{JAPAN}", "kind": "segment"' in problems[0][0]
    assert world.query("select count(*) from sa_rule_changes") == [(0,)]
    assert world.query(
        "select segment_id, version, cast(valid_from as date), valid_to from sa_hist_rule_versions order by 1"
    ) == [(ADULTS, 1, DAY1, None), (JAPAN, 1, DAY1, None)]
    # Japan's members p1 and p2: one open stay each, never closed
    assert world.query(
        "select profile_id, cast(dbt_valid_from as date), dbt_valid_to from sa_snp_segment_membership "
        f"where segment_id = '{JAPAN}' order by 1"
    ) == [("p1", DAY1, None), ("p2", DAY1, None)]
    assert world.query(
        f'select "date", population, entered, exited from sa_population_daily where segment_id = \'{JAPAN}\' '
        'order by 1'
    ) == [(DAY1, 2, 2, 0), (DAY3, 2, 0, 0)]


def test_stage_segments_of_an_unreadable_funnel_keep_their_history(tmp_path) -> None:
    """Day 1 lands a v5 funnel's four stage segments. Day 2 the funnel record is malformed (its
    stages cannot be read), and meanwhile one stage is really removed: the pull cannot tell which
    stage segments exist, so every stage's rule version and membership stays stay open. Day 3 the
    funnel reads again without that stage: now its segment is known deleted and closed, rule version
    and stays, and the others stay open.

    The pull asks for no member SQL for funnel-stage segments; the removed stage has members only
    because its rule is Japan's (same rule hash, same SQL). The other stages have no membership."""
    with duckdb_world(tmp_path, "funnel.duckdb") as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        funnel, stage_ids = state.add_funnel(PS_SHOP, "Checkout", STAGES)
        removed = stage_ids[-1]
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US")}
        world.run_day(DAY1)
        landed_day1 = world.query("select segment_id, segment_kind from cdp_landing__segments order by 1")

        root = state.parent_segments[PS_SHOP].root_folder_id

        def malformed_funnel(ctx):
            reply = cdp_routes.by_folder(ctx)
            for item in reply.body["data"]:
                if item.get("type") == "funnel":
                    item["attributes"]["stages"] = "unreadable"
            return reply

        state.route_overrides.append(("GET", rf"^/entities/by-folder/{root}$", malformed_funnel))
        state.funnels[funnel].stages.pop()  # the last stage is removed while the funnel is unreadable
        state.delete_segment(removed)
        world.run_day(DAY2)
        problems_day2 = world.query("select problems from cdp_landing__pull_runs where run_date = date '2026-05-02'")
        landed_day2 = world.query("select count(*) from cdp_landing__segments where segment_kind = 'funnel_stage'")
        versions_day2 = world.query("select segment_id, version, valid_to from sa_hist_rule_versions order by 1")
        stays_day2 = world.query("select segment_id, profile_id, cast(dbt_valid_from as date), dbt_valid_to "
                                 "from sa_snp_segment_membership order by 1, 2")

        state.route_overrides.clear()
        world.run_day(DAY3)

    assert landed_day1 == sorted([(JAPAN, "batch"), *((sid, "funnel_stage") for sid in stage_ids)])
    assert f'"id": "{funnel}", "kind": "funnel"' in problems_day2[0][0]
    assert landed_day2 == [(0,)]
    # day 2: unknown, not deleted
    assert versions_day2 == sorted([(JAPAN, 1, None), *((sid, 1, None) for sid in stage_ids)])
    # day 3: the removed stage is closed as deleted, the others carry on in version 1
    assert world.query(
        "select segment_id, version, cast(valid_from as date), cast(deleted_at as date) from sa_hist_rule_versions "
        "order by 1"
    ) == sorted([(JAPAN, 1, DAY1, None), *((sid, 1, DAY1, DAY3 if sid == removed else None) for sid in stage_ids)])
    assert world.query("select segment_id, change_type, version from sa_rule_changes") == [(removed, "deletion", 1)]
    # membership: the removed stage's stays stay open on day 2 and close on day 3; Japan's are untouched
    assert stays_day2 == sorted([(JAPAN, "p1", DAY1, None), (JAPAN, "p2", DAY1, None),
                                 (removed, "p1", DAY1, None), (removed, "p2", DAY1, None)])
    assert world.query(
        "select segment_id, profile_id, cast(dbt_valid_from as date), cast(dbt_valid_to as date) "
        "from sa_snp_segment_membership order by 1, 2"
    ) == sorted([(JAPAN, "p1", DAY1, None), (JAPAN, "p2", DAY1, None),
                 (removed, "p1", DAY1, DAY3), (removed, "p2", DAY1, DAY3)])


def test_stages_of_a_journey_whose_statistics_are_lost_keep_their_history(tmp_path) -> None:
    """Day 1 lands a journey's stage (in <prefix>_ps_stats and population_daily). Day 2 the journey's
    statistics answer 403: its stages are not landed, a `journey` problem, and the stage's rule
    version stays open (not known deleted). Day 3 the statistics read again: the same single
    version, still open."""
    with duckdb_world(tmp_path, "journey.duckdb", select=(*HISTORY_SELECT, "+dim_segments")) as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        journey, (stage,) = state.add_journey(PS_SHOP, "Welcome", [("Entered", {DAY1: 4})])
        world.shop = {"p1": (25, "JP"), "p2": (45, "US")}
        world.run_day(DAY1)
        stage_id = f"journey:{journey}:{stage}"
        stats_day1 = world.query(f"select segment_name, segment_type, segment_population from sa_ps_stats "
                                 f"where segment_id = '{stage_id}'")
        daily_day1 = world.query(f"select segment_name, population, api_population, api_population_source "
                                 f"from sa_population_daily where segment_id = '{stage_id}'")
        state.route_overrides.append(("GET", rf"^/entities/journeys/{journey}/statistics$",
                                      lambda ctx: cdp_routes.Reply(403, {"errors": "forbidden"})))
        world.run_day(DAY2)
        problems_day2 = world.query("select problems from cdp_landing__pull_runs where run_date = date '2026-05-02'")
        landed_day2 = world.query("select count(*) from cdp_landing__segments where segment_kind = 'journey_stage'")
        versions_day2 = world.query("select segment_id, version, valid_to from sa_hist_rule_versions order by 1")
        state.route_overrides.clear()
        world.run_day(DAY3)
        versions_day3 = world.query("select segment_id, version, valid_to from sa_hist_rule_versions order by 1")

    assert stats_day1 == [("Welcome / Entered", "journey_stage", 4)]
    # a stage has no rule, so no members of its own: its population is the API's
    assert daily_day1 == [("Welcome / Entered", None, 4, "pull")]
    assert f'"id": "{journey}", "kind": "journey"' in problems_day2[0][0]
    assert landed_day2 == [(0,)]
    assert versions_day2 == versions_day3 == sorted([(JAPAN, 1, None), (stage_id, 1, None)])
