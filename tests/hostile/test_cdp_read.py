"""The CDP read path against hostile answers (finding H7): every malformed record becomes a problem
for that record (or its parent segment), an account that cannot be read becomes a clear error with a
`failed` pull_runs row; never a raw traceback, never an unbounded loop.

Fake API -> `run_pull` -> DuckDB landing; the last test also runs `dbt build` (the history harness of
tests/integration/history/world.py) to show a segment whose rule no read returns keeps its history.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pytest

from orchestrate.cdp.client import MAX_TREE_REQUESTS
from orchestrate.cdp.records import MAX_NESTING
from orchestrate.pull import PullError, run_pull
from orchestrate.warehouse.base import warehouse_error
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from orchestrate.warehouse.statements import StatementLandingWriter
from segment_analytics_sandbox.fake_api import cdp_routes
from segment_analytics_sandbox.fake_api.server import Reply
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.cdp.helpers import GENDER_RULE, RUN_DATE, dicts, landed_segment_ids, small_account
from tests.integration.history.world import (
    DAY1,
    DAY2,
    DAY3,
    PS_SHOP,
    country_rule,
    duckdb_world,
)


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing.duckdb"


def pull(client, landing, *, v5_flag="both", writer=None):
    return run_pull(client=client, writer=writer or DuckDbLandingWriter(landing),
                    v5_flag=v5_flag, run_date=RUN_DATE, sql_source="compiler",
                    dialect="duckdb")


def problems(result) -> set[tuple[str, str | None]]:
    return {(p["kind"], p["id"]) for p in result.problems}


def last_run(landing) -> dict[str, Any]:
    return dicts(landing, "cdp_landing__pull_runs", "started_at")[-1]


def v5_segment(root: str, seg_id: Any, **attributes: Any) -> dict[str, Any]:
    attrs = {"audienceId": "287197", "name": f"odd {seg_id}"[:30], "population": 1,
             "rule": {"type": "And", "conditions": []}, "isEmptyRule": True, **attributes}
    return {"id": seg_id, "type": "segment-batch", "attributes": attrs,
            "relationships": {"parentFolder": {"data": {"id": root, "type": "folder-segment"}}}}


def deep_rule_text(levels: int) -> str:
    return '{"type": "And", "conditions": [' * levels + "]}" * levels


def test_malformed_records_each_become_a_problem_and_the_rest_lands(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    root = fake_state.parent_segments[ids["both"]].root_folder_id
    too_deep: dict[str, Any] = {"type": "And", "conditions": []}
    for _ in range(MAX_NESTING + 20):  # deeper than any real rule, shallow enough for Python's json
        too_deep = {"type": "And", "conditions": [too_deep]}
    fake_state.extra_by_folder[root] = [
        v5_segment(root, "9" * 5000),                       # an id thousands of digits long
        v5_segment(root, 900011.0),                         # an id sent as a float
        v5_segment(root, "²"),                              # a unicode digit
        v5_segment(root, "900013", population=2**70),       # population above int64: lands as null
        {"id": "900014", "type": "segment-batch", "attributes": ["not", "an", "object"]},
        {"id": "900015", "type": "folder-segment", "attributes": "text"},
        dict(v5_segment(root, "900016"), relationships="not an object"),  # no folder: still lands
        v5_segment(root, "900017", rule=too_deep),          # nested deeper than MAX_NESTING
        v5_segment(root, "900018", rule="everyone"),        # a rule that is not an object
        {"id": "900019", "type": ["segment-batch"], "attributes": {}},  # a type that is not a string
        {"id": "900020", "type": "funnel", "attributes": {"name": "F", "stages": "none"}},
    ]
    fake_state.extra_v4_segments[ids["legacy"]] = [
        {"id": 900021.5, "name": "float id"},
        {"id": "900022", "name": {"en": "name as an object"}},
        {"id": "900023", "name": "kind as text", "kind": "2", "rule": {"type": "And", "conditions": []},
         "population": -3},
    ]

    def odd_included(ctx):
        reply = cdp_routes.by_folder(ctx)
        reply.body["included"] = [5, "x", {"type": "user", "id": "1", "attributes": ["n"]}, {"type": "user"}]
        return reply

    fake_state.route_overrides.append(("GET", rf"^/entities/by-folder/{root}$", odd_included))
    result = pull(cdp_client, landing)
    assert result.status == "success_with_problems"
    found = problems(result)
    expected = {
        ("segment", "9" * 40 + "..."), ("segment", "900011.0"), ("segment", "²"),
        ("segment_population", "900013"), ("segment", "900014"), ("folder", "900015"),
        ("segment", "900017"), ("segment", "900018"), ("entity", "900019"), ("funnel", "900020"),
        ("segment", "900021.5"), ("segment", "900022"), ("segment_population", "900023"),
    }
    assert expected <= found, expected - found
    # what only the listing has: no statistics (404) for the odd-but-landed ones
    assert found - expected <= {("segment_statistics", i) for i in ("900013", "900016", "900023")}
    landed = landed_segment_ids(landing)
    assert landed == set(fake_state.segments) | {"900013", "900016", "900023"}
    rows = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}
    assert rows["900013"]["population"] is None and rows["900016"]["folder_id"] is None
    assert rows["900023"]["segment_kind"] == "batch" and rows["900023"]["population"] is None
    run = last_run(landing)
    assert run["status"] == "success_with_problems"
    assert "9" * 100 not in run["problems"]  # thousands of digits are not echoed back
    assert {(p["kind"], p["id"]) for p in json.loads(run["problems"])} == found


def test_a_rule_nested_thousands_deep_costs_only_its_segment(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    root = fake_state.parent_segments[ids["both"]].root_folder_id
    deep = fake_state.add_segment(ids["both"], "Deep", GENDER_RULE)
    deep_item = json.dumps(v5_segment(root, deep, isEmptyRule=False, rule="RULE")).replace(
        '"RULE"', deep_rule_text(5000))

    def by_folder_with_deep_rule(ctx):
        if ctx.arg("with_rule") == "false":
            return None  # without rules the answer is ordinary; each rule is then read alone
        body = dict(cdp_routes.by_folder(ctx).body)
        body["data"] = [d for d in body["data"] if d["id"] != deep]
        text = json.dumps(body)
        return Reply(200, text.replace('"data": [', f'"data": [{deep_item}, ', 1).encode("utf-8"))

    def deep_read(ctx):
        return Reply(200, ('{"data": ' + deep_item + ', "included": []}').encode("utf-8"))

    def deep_v4_read(ctx):
        return Reply(200, ('{"id": "' + deep + '", "name": "Deep", "rule": ' + deep_rule_text(5000) + "}").encode())

    fake_state.route_overrides += [("GET", rf"^/entities/by-folder/{root}$", by_folder_with_deep_rule),
                                   ("GET", rf"^/entities/segments/{deep}$", deep_read),
                                   ("GET", rf"^/audiences/\d+/segments/{deep}$", deep_v4_read)]
    result = pull(cdp_client, landing)
    assert problems(result) == {("segment", deep)}
    assert landed_segment_ids(landing) == set(fake_state.segments) - {deep}
    rows = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}
    assert json.loads(rows[ids["men"]]["rule_json"]) == GENDER_RULE  # the others' rules read alone
    asked = [r.query for r in fake_api.requests_matching("GET", rf"^/entities/by-folder/{root}$")]
    assert asked == ["depth=32&with_rule=true", "depth=32&with_rule=false"]


def test_by_folder_inventing_cut_off_folders_stops_at_the_cap(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    root = fake_state.parent_segments[ids["both"]].root_folder_id

    def endless(ctx):
        asked = int(ctx.path.rsplit("/", 1)[1])
        me = cdp_routes.folder_resource(ctx.state, ctx.state.folders[root]) if str(asked) == root else {
            "id": str(asked), "type": "folder-segment", "attributes": {"name": f"f{asked}"},
            "relationships": {"parentFolder": {"data": None}}}
        child = {"id": str(asked + 7), "type": "folder-segment", "attributes": {"name": f"f{asked + 7}"},
                 "relationships": {"parentFolder": {"data": {"id": str(asked), "type": "folder-segment"}},
                                   "children": {"data": [{"data": {"id": str(asked + 13), "type": "segment-batch"}}]}}}
        return Reply(200, {"data": [me, child], "included": []})

    fake_state.route_overrides.append(("GET", r"^/entities/by-folder/\d+$", endless))
    result = pull(cdp_client, landing)
    assert problems(result) == {("parent_segment", ids["both"])}
    assert "after 200 requests" in result.problems[0]["reason"]
    assert len(fake_api.requests_matching("GET", r"^/entities/by-folder/")) == MAX_TREE_REQUESTS
    # the parent segment is not landed at all; the v4-only one is
    assert {r["ps_id"] for r in dicts(landing, "cdp_landing__parent_segments")} == {ids["legacy"]}
    assert landed_segment_ids(landing) == {ids["legacy_men"]}


def test_an_unknown_charset_on_the_listing_is_a_clear_failed_pull(fake_state, cdp_client, landing):
    small_account(fake_state)

    def klingon(ctx):
        reply = cdp_routes.list_parent_segments(ctx)
        reply.content_type = "application/vnd.treasuredata.v1+json; charset=x-klingon-42"
        return reply

    fake_state.route_overrides.append(("GET", r"^/entities/parent_segments$", klingon))
    with pytest.raises(PullError, match="charset") as err:
        pull(cdp_client, landing)
    assert "x-klingon-42" in str(err.value) and err.value.__cause__ is None
    run = last_run(landing)
    assert run["status"] == "failed" and "x-klingon-42" in run["problems"]


def test_statistics_with_odd_points_keep_the_good_ones(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    good = cdp_routes.stat_epoch(date(2026, 11, 27), fake_state.parent_segments[ids["both"]])
    fake_state.route_overrides.append(("GET", rf"/segments/{ids['men']}/statistics$", lambda ctx: Reply(200, [
        [good, 400, True], [10**15, 5, True], [-1, 5, True], [good - 86400, 2**64, True], [good - 2 * 86400, "²"],
        ["yesterday", 3], None, [good - 3 * 86400, 390, False]])))
    result = pull(cdp_client, landing)
    assert problems(result) == {("segment_statistics", ids["men"])}
    assert result.problems[0]["reason"].startswith("6 bad statistics tuple(s) skipped")
    stats = [(r["stat_date"], r["population"]) for r in dicts(landing, "cdp_landing__segment_statistics", "stat_date")
             if r["segment_id"] == ids["men"]]
    assert stats == [(date(2026, 11, 24), 390), (date(2026, 11, 27), 400)]


class ExplodingWriter(DuckDbLandingWriter):
    """A landing writer whose statistics read fails with an exception that is no ApiError/ValueError."""

    def statistics_max_dates(self):  # type: ignore[override]
        raise KeyError(f"exploded while reading statistics dates TD1 {TEST_API_KEY}")


def test_any_exception_before_landing_is_a_failed_row_with_the_key_redacted(fake_state, cdp_client, landing):
    small_account(fake_state)
    with pytest.raises(PullError, match="KeyError") as err:
        pull(cdp_client, landing, writer=ExplodingWriter(landing))
    secret = TEST_API_KEY.split("/")[1]
    assert secret not in str(err.value)
    run = last_run(landing)
    assert run["status"] == "failed" and "exploded while reading" in run["problems"]
    assert secret not in run["problems"]


class FailingWriteWriter(DuckDbLandingWriter):
    """A landing writer whose write itself fails (the warehouse refuses, a file is locked...)."""

    def __init__(self, path, error: Exception) -> None:
        super().__init__(path)
        self.error = error

    def write(self, batch):  # type: ignore[override]
        raise self.error


@pytest.mark.parametrize("error", [
    warehouse_error("trino statement failed", RuntimeError(f"Access Denied: user {TEST_API_KEY}")),
    OSError(f"disk full while writing for TD1 {TEST_API_KEY}"),
], ids=["warehouse-error", "other-error"])
def test_a_failed_landing_write_is_a_failed_row_and_keeps_the_previous_landing(fake_state, cdp_client, landing,
                                                                              error):
    ids = small_account(fake_state)
    first = pull(cdp_client, landing)
    before = landed_segment_ids(landing)
    fake_state.delete_segment(ids["rt"])  # the failed pull would have landed a change
    with pytest.raises(PullError, match="previous landing kept: landing write failed") as err:
        pull(cdp_client, landing, writer=FailingWriteWriter(landing, error))
    secret = TEST_API_KEY.split("/")[1]
    assert secret not in str(err.value)
    assert landed_segment_ids(landing) == before
    runs = dicts(landing, "cdp_landing__pull_runs", "started_at")
    assert [(r["pull_id"] == first.pull_id, r["status"]) for r in runs] == [(True, first.status), (False, "failed")]
    failed = json.loads(runs[-1]["problems"])
    assert [p["kind"] for p in failed if p["kind"] == "pull"] == ["pull"]
    assert "landing write failed" in runs[-1]["problems"] and secret not in runs[-1]["problems"]


class StatementsOnDuckDb(StatementLandingWriter):
    """The Trino landing writer's statements, run one by one on a DuckDB file; the tidy-up after the
    switch (deleting other pulls' rows) can be made to fail."""

    def __init__(self, path) -> None:
        super().__init__(None, "main")
        self.path = str(path)
        self.refuse_tidy = False

    def execute(self, sql):  # type: ignore[override]
        if self.refuse_tidy and sql.startswith("delete from") and "pull_id <>" in sql:
            raise RuntimeError(f"Access Denied: cannot delete (user {TEST_API_KEY})")
        with duckdb.connect(self.path) as con:
            cursor = con.execute(sql)
            return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def test_a_failed_tidy_up_after_the_switch_is_a_landed_pull_not_a_failed_one(fake_state, cdp_client, landing,
                                                                             caplog):
    ids = small_account(fake_state)
    writer = StatementsOnDuckDb(landing)
    first = pull(cdp_client, landing, writer=writer)
    fake_state.delete_segment(ids["rt"])
    writer.refuse_tidy = True
    second = pull(cdp_client, landing, writer=writer)
    assert second.status == first.status
    runs = dicts(landing, "cdp_landing__pull_runs", "started_at")
    assert [(r["pull_id"], r["status"]) for r in runs] == [(first.pull_id, first.status),
                                                           (second.pull_id, second.status)]
    # the old pull's rows are left behind, but readers see the new pull only
    with duckdb.connect(str(landing), read_only=True) as con:
        pulls = {r[0] for r in con.execute("select distinct pull_id from cdp_landing__segments").fetchall()}
        seen = {r[0] for r in con.execute(
            "select segment_id from cdp_landing__segments where pull_id = ?", [second.pull_id]).fetchall()}
    assert pulls == {first.pull_id, second.pull_id}
    assert ids["rt"] not in seen and ids["men"] in seen
    assert "landed, but tidying up after it failed" in caplog.text
    assert TEST_API_KEY.split("/")[1] not in caplog.text


@pytest.mark.timeout(600)
def test_a_rule_no_read_returns_keeps_its_history(tmp_path) -> None:
    """F3 end to end: all reads empty while isEmptyRule is false -> a `segment` problem, and the
    snapshots keep the segment's rule version and members (no edit to `{}`, nobody leaves)."""
    japan = "6302"
    with duckdb_world(tmp_path, "empty_rule.duckdb") as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=japan)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US")}
        world.run_day(DAY1)

        def v4_read_empty_too(ctx):
            return Reply(200, dict(cdp_routes.v4_segment(ctx.state, ctx.state.segments[japan]), rule={}))

        state.empty_rule_in_v5_reads.add(japan)
        state.route_overrides.append(("GET", rf"^/audiences/\d+/segments/{japan}$", v4_read_empty_too))
        world.run_day(DAY2)
        problems_day2 = world.query("select problems from cdp_landing__pull_runs where run_date = date '2026-05-02'")

        state.empty_rule_in_v5_reads.clear()
        state.route_overrides.clear()
        world.run_day(DAY3)

    assert f'"id": "{japan}", "kind": "segment"' in problems_day2[0][0]
    assert world.query("select count(*) from sa_rule_changes") == [(0,)]
    assert world.query("select segment_id, version, valid_to from sa_hist_rule_versions") == [(japan, 1, None)]
    assert world.query(
        "select profile_id, cast(dbt_valid_from as date), dbt_valid_to from sa_snp_segment_membership order by 1"
    ) == [("p1", DAY1, None), ("p2", DAY1, None)]


@pytest.mark.timeout(600)
def test_journey_stages_reach_population_daily_with_one_rule_version(tmp_path) -> None:
    """Journey stages end to end: landed as `journey_stage` segments, their statistics history and
    pulled sizes reach `sa_population_daily`; their empty rule holds one version, never an edit."""
    with duckdb_world(tmp_path, "journeys.duckdb") as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob")
        world.shop = {"p1": (25, "JP"), "p2": (35, "US")}
        journey, (stage,) = state.add_journey(PS_SHOP, "Welcome", [("Entered", {date(2026, 4, 30): 8, DAY1: 9})])
        world.run_day(DAY1)
        state.record_journey_stage(journey, stage, DAY2, 11)
        world.run_day(DAY2)
        stage_id = f"journey:{journey}:{stage}"
        daily = world.query(
            "select \"date\", segment_name, api_population, api_population_source from sa_population_daily "
            f"where segment_id = '{stage_id}' order by 1")
        versions = world.query(f"select version, valid_to from sa_hist_rule_versions where segment_id = '{stage_id}'")
        changes = world.query(f"select count(*) from sa_rule_changes where segment_id = '{stage_id}'")
    assert daily == [(date(2026, 4, 30), "Welcome / Entered", 8, "statistics"),
                     (DAY1, "Welcome / Entered", 9, "pull"),
                     (DAY2, "Welcome / Entered", 11, "pull")]
    assert versions == [(1, None)]
    assert changes == [(0,)]
