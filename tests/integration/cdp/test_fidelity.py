"""Behaviours of the real CDP API that the fake models, and what the pull does with each
(docs/api_fidelity.md): empty rules in list reads, statistics days in the parent segment's timezone,
view-only keys, spec entity type names, funnel stages, journey stages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from orchestrate.cdp.canonical import canonical_rule_json, rule_hash
from orchestrate.pull import PullError, run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.fake_api import cdp_routes
from segment_analytics_sandbox.fake_api.server import Reply
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.cdp.helpers import GENDER_RULE, ORDERS_RULE, RUN_DATE, dicts, landed_segment_ids, small_account


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing.duckdb"


def pull(client, landing, *, v5_flag="both", run_date=RUN_DATE):
    return run_pull(client=client, writer=DuckDbLandingWriter(landing), v5_flag=v5_flag,
                    run_date=run_date, sql_source="compiler", dialect="duckdb")


def kinds(result):
    return {(p["kind"], p["id"]) for p in result.problems}


def segments(landing):
    return {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}


# -- F3: empty rules in list reads ----------------------------------------------------------------
def test_rule_empty_in_every_v5_read_comes_from_the_v4_read(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.empty_rule_in_v5_reads.add(ids["buyers"])
    result = pull(cdp_client, landing)
    assert result.status == "success", result.problems
    assert fake_api.requests_matching("GET", rf"^/entities/segments/{ids['buyers']}$")
    assert fake_api.requests_matching("GET", rf"^/audiences/{ids['both']}/segments/{ids['buyers']}$")
    landed = segments(landing)[ids["buyers"]]
    assert landed["rule_json"] == canonical_rule_json(ORDERS_RULE)
    assert landed["rule_hash"] == rule_hash(ORDERS_RULE) != rule_hash({})
    # the segment that is empty on purpose (isEmptyRule true) is taken at its word: no extra reads
    assert not fake_api.requests_matching("GET", rf"/segments/{ids['all']}$")
    assert segments(landing)[ids["all"]]["rule_json"] == "{}"


def test_rule_no_read_returns_is_a_segment_problem_not_an_empty_rule(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.empty_rule_in_v5_reads.add(ids["buyers"])

    def v4_read_empty_too(ctx):
        item = cdp_routes.v4_segment(ctx.state, ctx.state.segments[ids["buyers"]])
        item["rule"] = {}
        return Reply(200, item)

    fake_state.route_overrides.append(("GET", rf"^/audiences/\d+/segments/{ids['buyers']}$", v4_read_empty_too))
    result = pull(cdp_client, landing)
    assert result.status == "success_with_problems"
    assert kinds(result) == {("segment", ids["buyers"])}
    assert ids["buyers"] not in landed_segment_ids(landing)  # not landed: history keeps its last rule
    run = dicts(landing, "cdp_landing__pull_runs")[-1]
    assert f'{{"id": "{ids["buyers"]}", "kind": "segment", ' in run["problems"]  # what the snapshots match
    assert "isEmptyRule is false" in run["problems"]


# -- F4: statistics days in the parent segment's timezone ---------------------------------------
def test_statistics_days_are_read_in_the_parent_segments_timezone(fake_api, fake_state, cdp_client, landing):
    tokyo = fake_state.add_parent_segment("Tokyo shop", timezone="Asia/Tokyo", ps_id=401)
    seg = fake_state.add_segment(tokyo, "Men", GENDER_RULE, population=9)
    days = [date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)]
    for n, day in enumerate(days):
        fake_state.record_population(seg, day, 100 + n)
    served = cdp_client.segment_statistics(tokyo, seg)
    # the fake serves each day at 05:34:07 Tokyo time: the previous day in UTC
    assert [datetime.fromtimestamp(p[0], UTC).date() for p in served] == [date(2026, 11, d) for d in (24, 25, 26)]
    assert [datetime.fromtimestamp(p[0], ZoneInfo("Asia/Tokyo")).date() for p in served] == days
    result = pull(cdp_client, landing)
    assert result.status == "success", result.problems
    stats = dicts(landing, "cdp_landing__segment_statistics", "stat_date")
    assert [(r["stat_date"], r["population"]) for r in stats if r["segment_id"] == seg] == [
        (days[0], 100), (days[1], 101), (days[2], 102)]


def test_unknown_timezone_reads_statistics_in_utc_and_says_so(fake_state, cdp_client, landing):
    ps = fake_state.add_parent_segment("Nowhere", timezone="Mars/Olympus_Mons", ps_id=402)
    seg = fake_state.add_segment(ps, "All", {"type": "And", "conditions": []}, population=1)
    fake_state.record_population(seg, date(2026, 11, 27), 7)
    result = pull(cdp_client, landing)
    assert kinds(result) == {("parent_segment_timezone", ps)}
    stats = dicts(landing, "cdp_landing__segment_statistics")
    assert [(r["stat_date"], r["population"]) for r in stats] == [(date(2026, 11, 27), 7)]


# -- F5: limited (view-only) users ---------------------------------------------------------------
def test_view_only_key_reads_parent_segments_from_master_segments(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.view_only_keys.add(TEST_API_KEY)
    result = pull(cdp_client, landing)
    assert [r.status for r in fake_api.requests_matching("GET", r"^/audiences$")] == [403]
    assert [r.status for r in fake_api.requests_matching("GET", r"^/master_segments$")] == [200]
    ps = {r["ps_id"]: r for r in dicts(landing, "cdp_landing__parent_segments")}
    assert {k: v["api_version"] for k, v in ps.items()} == {ids["both"]: "v5", ids["legacy"]: "v4"}
    assert landed_segment_ids(landing) == set(fake_state.segments)
    # /master_segments carries no timezone: the v4-only parent segment's statistics days are UTC, said so
    assert kinds(result) == {("parent_segment_timezone", ids["legacy"])}


def test_forbidden_parent_segment_is_a_problem_not_a_failed_account(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.forbidden_parent_segments |= {ids["both"], ids["legacy"]}
    other = fake_state.add_parent_segment("Open", ps_id=403)
    open_seg = fake_state.add_segment(other, "Everyone", {"type": "And", "conditions": []})
    result = pull(cdp_client, landing)
    assert result.status == "success_with_problems"
    assert kinds(result) == {("parent_segment", ids["both"]), ("parent_segment", ids["legacy"])}
    assert {r["ps_id"] for r in dicts(landing, "cdp_landing__parent_segments")} == {other}
    assert landed_segment_ids(landing) == {open_seg}
    run = dicts(landing, "cdp_landing__pull_runs")[-1]
    assert f'{{"id": "{ids["both"]}", "kind": "parent_segment", ' in run["problems"]
    assert "403 Forbidden" in run["problems"] and TEST_API_KEY.split("/")[1] not in run["problems"]


def test_no_listing_readable_fails_the_pull_with_a_failed_row(fake_state, cdp_client, landing):
    small_account(fake_state)
    fake_state.view_only_keys.add(TEST_API_KEY)
    fake_state.route_overrides.append(("GET", r"^/master_segments$", lambda ctx: cdp_routes.forbidden_v4("it")))
    with pytest.raises(PullError, match="403 Forbidden on GET /audiences and GET /master_segments"):
        pull(cdp_client, landing, v5_flag="v4")
    run = dicts(landing, "cdp_landing__pull_runs")[-1]
    assert run["status"] == "failed" and "may list no parent segment" in run["problems"]


# -- F7: entity type names from the spec --------------------------------------------------------
def test_spec_entity_types_are_skipped_and_unknown_ones_reported(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    for entity_type in ("mlSolution", "journey", "predictive-segment", "composable-segment-journey"):
        fake_state.add_entity(ids["both"], entity_type, f"a {entity_type}")
    odd = fake_state.add_entity(ids["both"], "ml-solution", "not a spec name")
    result = pull(cdp_client, landing)
    assert kinds(result) == {("entity", odd)}
    assert landed_segment_ids(landing) == set(fake_state.segments)


# -- F8: funnel stages ---------------------------------------------------------------------------
STAGES = [("Aware", GENDER_RULE), ("Interested", ORDERS_RULE),
          ("Bought", {"type": "And", "conditions": [GENDER_RULE, ORDERS_RULE]})]


def test_v5_funnel_stages_are_tracked_with_rules_and_statistics(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    funnel, stage_segments = fake_state.add_funnel(ids["both"], "Shop funnel", STAGES, folder_id=ids["marketing"])
    for n, sid in enumerate(stage_segments):
        fake_state.record_population(sid, date(2026, 11, 27), 10 * (n + 1))
    result = pull(cdp_client, landing)
    assert result.status == "success", result.problems
    landed = segments(landing)
    for sid, (_, stage_rule) in zip(stage_segments, STAGES, strict=True):
        assert landed[sid]["segment_kind"] == "funnel_stage" and landed[sid]["api_version"] == "v5"
        assert landed[sid]["rule_hash"] == rule_hash(stage_rule)
        assert landed[sid]["folder_id"] == ids["marketing"]
    stages = fake_state.funnels[funnel].stages
    asked = fake_api.requests_matching("GET", rf"^/entities/funnels/{funnel}/stages/\d+/statistics$")
    assert sorted(r.path.split("/")[-2] for r in asked) == sorted(st["id"] for st in stages)
    assert not fake_api.requests_matching("GET", rf"/segments/({'|'.join(stage_segments)})/statistics$")
    stats = {r["segment_id"]: r["population"] for r in dicts(landing, "cdp_landing__segment_statistics")}
    assert [stats[sid] for sid in stage_segments] == [10, 20, 30]


def test_v4_funnel_stages_are_landed_from_the_v4_list(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    _, stage_segments = fake_state.add_funnel(ids["legacy"], "Legacy funnel", STAGES)
    result = pull(cdp_client, landing)
    assert result.status == "success", result.problems
    landed = segments(landing)
    assert {landed[sid]["segment_kind"] for sid in stage_segments} == {"funnel_stage"}
    assert json.loads(landed[stage_segments[0]]["rule_json"]) == GENDER_RULE
    # v4 lists do not say which funnel stage a segment is, so no statistics route can be asked for it
    assert not fake_api.requests_matching("GET", rf"/segments/({'|'.join(stage_segments)})/statistics$")


# -- F9: journey stages ---------------------------------------------------------------------------
def test_journey_stages_are_landed_with_their_population_history(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.parent_segments[ids["both"]].timezone = "Asia/Tokyo"
    journey, (first, second) = fake_state.add_journey(
        ids["both"], "Onboarding", [("Welcome", {date(2026, 11, 26): 50, date(2026, 11, 27): 60}),
                                    ("Engaged", {date(2026, 11, 27): 7})], folder_id=ids["marketing"])
    result = pull(cdp_client, landing)
    assert result.status == "success", result.problems
    landed = segments(landing)
    stage_ids = {f"journey:{journey}:{first}", f"journey:{journey}:{second}"}
    stages = {sid: row for sid, row in landed.items() if row["segment_kind"] == "journey_stage"}
    assert set(stages) == stage_ids
    welcome = stages[f"journey:{journey}:{first}"]
    assert welcome["segment_name"] == "Onboarding / Welcome" and welcome["folder_id"] == ids["marketing"]
    assert welcome["population"] == 60 and json.loads(welcome["rule_json"]) == {}
    assert welcome["ps_id"] == ids["both"]
    assert len(fake_api.requests_matching("GET", rf"^/entities/journeys/{journey}/statistics$")) == 1
    stats = {(r["segment_id"], r["stat_date"]): r["population"]
             for r in dicts(landing, "cdp_landing__segment_statistics") if r["segment_id"] in stage_ids}
    assert stats == {(f"journey:{journey}:{first}", date(2026, 11, 26)): 50,
                     (f"journey:{journey}:{first}", date(2026, 11, 27)): 60,
                     (f"journey:{journey}:{second}", date(2026, 11, 27)): 7}
    assert not fake_api.requests_matching("GET", r"/segments/journey[^/]*/statistics$")
    # the next pull lands only the days after the last landed one
    fake_state.record_journey_stage(journey, first, date(2026, 11, 28), 65)
    result = pull(cdp_client, landing, run_date=date(2026, 11, 29))
    assert result.status == "success", result.problems
    rows = [(r["segment_id"], r["stat_date"]) for r in dicts(landing, "cdp_landing__segment_statistics")
            if r["segment_id"] in stage_ids]
    assert len(rows) == len(set(rows)) == 4
    assert segments(landing)[f"journey:{journey}:{first}"]["population"] == 65


def test_journey_statistics_forbidden_is_a_journey_problem_and_the_rest_lands(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    lost, _ = fake_state.add_journey(ids["both"], "Lost", [("A", {date(2026, 11, 27): 3})])
    kept, (kept_stage,) = fake_state.add_journey(ids["both"], "Kept", [("B", {date(2026, 11, 27): 4})])
    fake_state.route_overrides.append(
        ("GET", rf"^/entities/journeys/{lost}/statistics$", lambda ctx: Reply(403, {"errors": "forbidden"})))
    result = pull(cdp_client, landing)
    assert result.status == "success_with_problems"
    assert kinds(result) == {("journey", lost)}
    landed = segments(landing)
    assert not any(sid.startswith(f"journey:{lost}:") for sid in landed)
    assert landed[f"journey:{kept}:{kept_stage}"]["population"] == 4
    assert set(fake_state.segments) <= set(landed)
