"""run_pull against the fake CDP API, landing into DuckDB."""

from __future__ import annotations

import json
from datetime import date

import pytest

from orchestrate.cdp.canonical import canonical_rule_json, rule_hash
from orchestrate.pull import run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from tests.fixtures.fake_api import TEST_API_KEY
from tests.integration.cdp.helpers import ORDERS_RULE, RUN_DATE, dicts, landed_segment_ids, rows, small_account


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing.duckdb"


def pull(client, landing, *, v5_flag="both", sql_source="auto", dialect="duckdb", run_date=RUN_DATE):
    return run_pull(client=client, writer=DuckDbLandingWriter(landing), v5_flag=v5_flag,
                    run_date=run_date, sql_source=sql_source, dialect=dialect)


def test_both_generations_land_each_parent_segment_once(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    result = pull(cdp_client, landing)
    assert result.status == "success" and result.problems == []
    ps = {r["ps_id"]: r for r in dicts(landing, "cdp_landing__parent_segments")}
    assert {k: v["api_version"] for k, v in ps.items()} == {ids["both"]: "v5", ids["legacy"]: "v4"}
    assert ps[ids["legacy"]]["population"] is None and ps[ids["legacy"]]["ps_name"] == 'Légacy "PS"'
    assert ps[ids["both"]]["root_folder_id"] == fake_state.parent_segments[ids["both"]].root_folder_id
    assert landed_segment_ids(landing) == set(fake_state.segments)
    segs = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}
    assert segs[ids["buyers"]]["population"] is None
    assert segs[ids["buyers"]]["folder_id"] == ids["deep"]
    assert segs[ids["rt"]]["segment_kind"] == "realtime" and segs[ids["rt"]]["realtime"] is True
    assert segs[ids["legacy_men"]]["api_version"] == "v4"
    # rules: canonical JSON keeps unknown keys; hash ignores display-only keys
    assert segs[ids["buyers"]]["rule_json"] == canonical_rule_json(ORDERS_RULE)
    assert '"futureKey":{"kept":true}' in segs[ids["buyers"]]["rule_json"]
    assert segs[ids["men"]]["rule_hash"] == segs[ids["legacy_men"]]["rule_hash"] == rule_hash(
        fake_state.segments[ids["men"]].rule)
    assert segs[ids["men"]]["rule_conditions"] == 'conditions[0].conditions[0]\tgender Contain ["Male"]'
    assert segs[ids["men"]]["updated_by"] == "Demo User"
    folders = {r["folder_id"]: r for r in dicts(landing, "cdp_landing__folders")}
    assert folders[ids["deep"]]["parent_folder_id"] == ids["marketing"]
    assert folders[ids["deep"]]["folder_name"] == "Ünïcode 'deep'"
    run = dicts(landing, "cdp_landing__pull_runs")[-1]
    assert run["status"] == "success" and run["api_versions"] == "v4,v5" and run["segments"] == 5
    assert run["requests"] == result.requests > 0
    for table in ("cdp_landing__parent_segments", "cdp_landing__segments", "cdp_landing__pull_runs"):
        assert TEST_API_KEY.split("/")[1] not in repr(rows(landing, table))  # the key lands nowhere


@pytest.mark.parametrize("flag, expected", [("v5", {"287197": "v5"}), ("v4", {"287197": "v4", "300001": "v4"})])
def test_v5_flag_picks_the_generation(fake_state, cdp_client, landing, flag, expected):
    small_account(fake_state)
    pull(cdp_client, landing, v5_flag=flag)
    assert {r[0]: r[2] for r in rows(landing, "cdp_landing__parent_segments")} == expected
    versions = {r[4] for r in rows(landing, "cdp_landing__segments")}
    assert versions == set(expected.values())


def test_deep_tree_is_asked_again_from_cut_off_folders(fake_api, fake_state, cdp_client, landing):
    ps = fake_state.add_parent_segment("Deep")
    parent = None
    made = []
    for level in range(75):  # deeper than two default by-folder depths (32)
        parent = fake_state.add_folder(ps, f"L{level}", parent_folder_id=parent)
        made.append(fake_state.add_segment(ps, f"seg at {level}", {"type": "And", "conditions": []},
                                           folder_id=parent))
    pull(cdp_client, landing, v5_flag="v5")
    assert landed_segment_ids(landing) == set(made)
    assert len(rows(landing, "cdp_landing__folders")) == 76
    by_folder = fake_api.requests_matching("GET", r"^/entities/by-folder/")
    assert 3 <= len(by_folder) <= 4


def test_rule_missing_from_list_is_fetched_alone(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    fake_state.omit_rule_in_lists |= {ids["buyers"], ids["legacy_men"]}
    pull(cdp_client, landing)
    assert fake_api.requests_matching("GET", rf"^/entities/segments/{ids['buyers']}$")
    assert fake_api.requests_matching("GET", rf"^/audiences/{ids['legacy']}/segments/{ids['legacy_men']}$")
    segs = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}
    assert segs[ids["buyers"]]["rule_json"] == canonical_rule_json(ORDERS_RULE)
    assert json.loads(segs[ids["legacy_men"]]["rule_json"])["type"] == "And"


def test_statistics_back_fill_then_only_missing_days(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    pull(cdp_client, landing, run_date=date(2026, 11, 27))
    stats = dicts(landing, "cdp_landing__segment_statistics", "stat_date")
    men = [(r["stat_date"], r["population"], r["measured"]) for r in stats if r["segment_id"] == ids["men"]]
    assert men == [(date(2026, 11, 25), 390, True), (date(2026, 11, 26), 395, False),
                   (date(2026, 11, 27), 400, True)]
    first = fake_api.requests_matching("GET", rf"/segments/{ids['men']}/statistics$")
    assert first[-1].query == "to=2026-11-27"
    fake_state.record_population(ids["men"], date(2026, 11, 28), 410)
    fake_api.clear_log()
    pull(cdp_client, landing, run_date=date(2026, 11, 28))  # the next day: the pull covers it
    assert not fake_api.requests_matching("GET", rf"/segments/{ids['men']}/statistics$")
    for day, population in ((29, 411), (30, 412), (31, 413)):
        if day <= 30:
            fake_state.record_population(ids["men"], date(2026, 11, day), population)
    fake_state.record_population(ids["men"], date(2026, 12, 1), 414)
    fake_api.clear_log()
    pull(cdp_client, landing, run_date=date(2026, 12, 1))  # no runs on the 29th and 30th: a gap
    again = fake_api.requests_matching("GET", rf"/segments/{ids['men']}/statistics$")
    assert [r.query for r in again] == ["from=2026-11-29&to=2026-12-01"]
    men_rows = [r for r in rows(landing, "cdp_landing__segment_statistics") if r[1] == ids["men"]]
    assert sorted(r[2] for r in men_rows) == [date(2026, 11, d) for d in (25, 26, 27, 29, 30)] + [date(2026, 12, 1)]
    fake_api.clear_log()
    pull(cdp_client, landing, run_date=date(2026, 12, 1))  # same day again: nothing missing for men
    assert not fake_api.requests_matching("GET", rf"/segments/{ids['men']}/statistics$")


def test_rule_to_sql_only_for_new_rule_hashes(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    first = pull(cdp_client, landing, sql_source="api", dialect="trino")
    # 3 distinct rules in 287197 (gender, orders, empty) + gender in 300001; same rule in one PS asked once
    assert first.sql_api_requests == 4
    sql = dicts(landing, "cdp_landing__segment_sql")
    assert all(r["sql_source"] == "api" and r["dialect"] == "trino" for r in sql)
    assert all(r["segment_sql"].startswith('select a.* from "cdp_audience_') for r in sql if r["error"] is None)
    fake_api.clear_log()
    second = pull(cdp_client, landing, sql_source="api", dialect="trino")
    assert second.sql_api_requests == 0
    assert not fake_api.requests_matching("POST", r"/segments/query$")
    fake_state.update_rule(ids["men"], ORDERS_RULE | {"type": "Or"}, updated_by="Alice")
    third = pull(cdp_client, landing, sql_source="api", dialect="trino")
    assert third.sql_api_requests == 1
    seg = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}[ids["men"]]
    assert seg["updated_by"] == "Alice"
    assert len(rows(landing, "cdp_landing__segment_sql")) == 5


def test_compiler_rows_and_auto_fallback_to_api(fake_api, fake_state, cdp_client, landing, monkeypatch):
    import orchestrate.rules as rules

    ids = small_account(fake_state)
    real = rules.compile_rule

    def duckdb_cannot_do_behaviours(rule, **kwargs):
        if kwargs.get("dialect") == "duckdb" and "behavior_orders" in json.dumps(rule):
            raise rules.RuleCompileError(kwargs.get("segment_id"), "conditions[0]", "Value", "test: unsupported")
        return real(rule, **kwargs)

    monkeypatch.setattr(rules, "compile_rule", duckdb_cannot_do_behaviours)
    result = pull(cdp_client, landing, sql_source="auto", dialect="duckdb")
    sql = dicts(landing, "cdp_landing__segment_sql")
    buyers_hash = rule_hash(fake_state.segments[ids["buyers"]].rule)
    compiler_rows = {r["rule_hash"]: r for r in sql if r["sql_source"] == "compiler"}
    assert compiler_rows[buyers_hash]["segment_sql"] is None and "unsupported" in compiler_rows[buyers_hash]["error"]
    api_rows = [r for r in sql if r["sql_source"] == "api"]
    assert [r["rule_hash"] for r in api_rows] == [buyers_hash] and result.sql_api_requests == 1
    assert api_rows[0]["segment_sql"].startswith('select a.* from "cdp_audience_287197"')
    ok = [r for r in sql if r["sql_source"] == "compiler" and r["rule_hash"] != buyers_hash]
    assert ok and all(r["dialect"] == "duckdb" and r["segment_sql"] for r in ok)
    fake_api.clear_log()
    assert pull(cdp_client, landing, sql_source="auto", dialect="duckdb").sql_api_requests == 0
    assert len(rows(landing, "cdp_landing__segment_sql")) == len(sql)


def test_deleted_segment_leaves_the_replaced_tables(fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    pull(cdp_client, landing)
    fake_state.delete_segment(ids["rt"])
    pull(cdp_client, landing)
    assert ids["rt"] not in landed_segment_ids(landing)
    assert len(rows(landing, "cdp_landing__pull_runs")) == 2


def test_unusable_records_are_reported_by_id_never_dropped_silently(fake_state, cdp_client, landing, caplog):
    ids = small_account(fake_state)
    root = fake_state.parent_segments[ids["both"]].root_folder_id
    good = {"type": "segment-batch", "attributes": {"audienceId": ids["both"], "name": "int ids", "population": "n/a",
                                                    "rule": {"type": "And", "conditions": [], "newKey": 1}},
            "relationships": {"parentFolder": {"data": {"id": int(root), "type": "folder-segment"}}}}
    fake_state.extra_by_folder[root] = [
        {"id": "900001", "type": "segment-quantum", "attributes": {"name": "?"}},       # unknown type
        {"id": "900002", "type": "journey", "attributes": {"name": "a journey"}},        # known non-segment
        {"id": "abc", "type": "segment-batch", "attributes": {"name": "bad id"}},        # unusable id
        {"id": "900003", "type": "segment-batch"},                                       # summary, no attributes
        dict(good, id=900004),                                                            # id as int: fine
    ]
    fake_state.extra_v4_segments[ids["legacy"]] = [{"id": "900005", "name": ""}, "not an object"]
    result = pull(cdp_client, landing)
    assert result.status == "success_with_problems"
    problems = {(p["kind"], p["id"]) for p in result.problems}
    # 900004 exists only in the listing, so its statistics answer 404: reported too; its population
    # "n/a" lands as null, noted under a kind of its own (the segment itself is landed)
    assert problems == {("entity", "900001"), ("segment", "abc"), ("segment", "900003"), ("segment", "900005"),
                        ("segment", None), ("segment_statistics", "900004"), ("segment_population", "900004")}
    run = dicts(landing, "cdp_landing__pull_runs")[-1]
    assert run["status"] == "success_with_problems"
    assert {(p["kind"], p["id"]) for p in json.loads(run["problems"])} == problems
    assert "900003" in caplog.text and "unknown entity type 'segment-quantum'" in caplog.text
    landed = {r["segment_id"]: r for r in dicts(landing, "cdp_landing__segments")}
    assert "900004" in landed and landed["900004"]["population"] is None
    assert '"newKey":1' in landed["900004"]["rule_json"]
    assert "900002" not in landed and set(landed) == set(fake_state.segments) | {"900004"}


def test_compiled_sql_follows_the_run_date_one_row_per_key(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    first = pull(cdp_client, landing, sql_source="compiler", run_date=date(2026, 11, 27))
    assert first.sql_api_requests == 0 and not fake_api.requests_matching("POST", r"/segments/query$")
    before = {r["rule_hash"]: r["segment_sql"] for r in dicts(landing, "cdp_landing__segment_sql")
              if r["ps_id"] == ids["both"]}
    second = pull(cdp_client, landing, sql_source="compiler", run_date=date(2026, 11, 28))
    assert second.sql_rows == 1  # only the relative-time rule (orders, last 30 days) compiles differently
    after = dicts(landing, "cdp_landing__segment_sql")
    keys = [(r["ps_id"], r["rule_hash"], r["sql_source"]) for r in after]
    assert len(keys) == len(set(keys)) == 4
    now = {r["rule_hash"]: r["segment_sql"] for r in after if r["ps_id"] == ids["both"]}
    orders = rule_hash(ORDERS_RULE)
    assert now[orders] != before[orders]
    assert {k: v for k, v in now.items() if k != orders} == {k: v for k, v in before.items() if k != orders}
    third = pull(cdp_client, landing, sql_source="compiler", run_date=date(2026, 11, 28))
    assert third.sql_rows == 0


def test_statistics_refresh_days_spaces_out_the_requests(fake_api, fake_state, cdp_client, landing):
    ids = small_account(fake_state)
    writer = DuckDbLandingWriter(landing)

    def run(day):
        fake_api.clear_log()
        run_pull(client=cdp_client, writer=writer, run_date=day, sql_source="compiler",
                 dialect="duckdb", statistics_refresh_days=3)
        return [r.query for r in fake_api.requests_matching("GET", rf"/segments/{ids['men']}/statistics$")]

    assert run(date(2026, 11, 27)) == ["to=2026-11-27"]  # first sight: back-fill
    assert run(date(2026, 11, 28)) == []  # daily pulls cover every day: nothing missing
    # no run on Nov 29: that gap is asked for only once it is refresh_days (3) old
    assert run(date(2026, 11, 30)) == []
    assert run(date(2026, 12, 1)) == []
    fake_state.record_population(ids["men"], date(2026, 11, 29), 5)
    assert run(date(2026, 12, 2)) == ["from=2026-11-29&to=2026-12-02"]
    assert run(date(2026, 12, 3)) == []  # the gap is filled now
