"""Issue 6 proof: five simulated days through fake API -> pull -> dbt build on DuckDB.

Day 1  the account: "Adults" (age >= 30), "Japan", "Teens" (v5), "Ireland" (v4); statistics
       back-fill two earlier days of "Adults" (one measured, one imputed).
Day 2  Mallory edits Adults to age >= 40; profile p1 moves to the US (leaves Japan).
Day 3  Bob re-saves Japan (key order + description only: not a change); Teens is deleted;
       "Over 60" is created; p3 turns 61, p6 turns 41 (p6 comes back to Adults).
Day 4  Dave widens Ireland to IE or FR (v4); Bob adds country = JP to Adults.
       Re-running day 4 (and with --full-refresh) leaves every history table unchanged.
Revert Adults to version 1 and Ireland to version 1 through the API (dry run first; a revert of
       Japan is refused because Zed edited it after the last pull).
Day 5  the pull records the reverts (and Zed's edit) as new versions.

Expected rows are written out by hand from this story; memberships come from the test's own
reading of the rules (world.matches), not from the project's SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrate.cdp.canonical import rule_hash
from orchestrate.history import HistoryError, diff_conditions, revert, rule_diff, rule_history
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.state import FakeState
from segment_analytics_sandbox.rules import all_of, attr, op, rule
from tests.fixtures.dbt_project import DbtWorkspace
from tests.fixtures.fake_api import make_client
from tests.integration.history.world import (
    DAY1,
    DAY2,
    DAY3,
    DAY4,
    DAY5,
    PS_LEGACY,
    PS_SHOP,
    DuckDbWarehouse,
    Warehouse,
    World,
    adults_jp_rule,
    adults_rule,
    country_rule,
    matches,
    resaved,
)

ADULTS, JAPAN, TEENS, OVER60, IRELAND = "6001", "6002", "6003", "6004", "6101"
SHOP_NAME = "Shop 'Q' ✓"
ADULTS_NAME = 'Adults "30+"'
MALLORY = "Mallory O'Malley"

TEENS_RULE = rule(all_of(attr("age", op("Less", rightValue=20))))
IRELAND_WIDE = rule(all_of(attr("country", op("In", rightValues=["IE", "FR"]))))
OVER60_RULE = adults_rule(60)

pytestmark = pytest.mark.timeout(900)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


@dataclass
class Story:
    world: World
    after_day4: dict[str, list[tuple[Any, ...]]]
    after_day4_rerun: dict[str, list[tuple[Any, ...]]]
    after_day4_full_refresh: dict[str, list[tuple[Any, ...]]]
    after_dry_run: dict[str, list[tuple[Any, ...]]]
    dry_run_text: str
    dry_run_writes: int
    refusal: str
    revert_texts: list[str]
    writes: list[tuple[str, str, Any]]
    members: dict[dt.date, dict[str, set[str]]]


def _members(world: World) -> dict[str, set[str]]:
    people = {PS_SHOP: world.shop, PS_LEGACY: world.legacy}
    return {seg.id: {pid for pid, p in people[seg.ps_id].items() if matches(seg.rule, p)}
            for seg in world.state.segments.values()}


def _run(world: World, day: dt.date, members: dict[dt.date, dict[str, set[str]]]) -> None:
    world.set_api_populations()
    members[day] = _members(world)
    world.run_day(day)


def _warehouse(root: Path) -> Warehouse:
    workspace = DbtWorkspace(root=root, db_path=root / "history.duckdb")
    workspace.write_profile()
    return DuckDbWarehouse(workspace)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    warehouse = _warehouse(tmp_path_factory.mktemp("history"))
    state = FakeState()
    server = FakeApiServer(state).start()
    try:
        world = World(warehouse, state, server)
        state.add_parent_segment(SHOP_NAME, v5=True, ps_id=PS_SHOP)
        state.add_parent_segment("Legacy list", v5=False, ps_id=PS_LEGACY)
        state.add_segment(PS_SHOP, ADULTS_NAME, adults_rule(30), updated_by="Alice", segment_id=ADULTS)
        state.add_segment(PS_SHOP, "Japan ✓", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        state.add_segment(PS_SHOP, "Teens", TEENS_RULE, updated_by="Carol", segment_id=TEENS)
        state.add_segment(PS_LEGACY, "Ireland", country_rule("IE"), updated_by="Dave", segment_id=IRELAND)
        state.record_population(ADULTS, dt.date(2026, 4, 29), 35, measured=True)
        state.record_population(ADULTS, dt.date(2026, 4, 30), 38, measured=False)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US"), "p4": (50, "JP"),
                      "p5": (19, "US"), "p6": (31, "IE")}
        world.legacy = {"q1": (30, "IE"), "q2": (40, "FR")}
        members: dict[dt.date, dict[str, set[str]]] = {}

        _run(world, DAY1, members)

        state.update_rule(ADULTS, adults_rule(40), updated_by=MALLORY)
        world.shop["p1"] = (25, "US")
        _run(world, DAY2, members)

        state.update_rule(JAPAN, resaved(state.segment(JAPAN).rule), updated_by="Bob")
        state.delete_segment(TEENS)
        state.add_segment(PS_SHOP, "Over 60", OVER60_RULE, updated_by="Erin", segment_id=OVER60)
        world.shop["p3"] = (61, "US")
        world.shop["p6"] = (41, "IE")
        _run(world, DAY3, members)

        state.update_rule(IRELAND, IRELAND_WIDE, updated_by="Dave")
        state.update_rule(ADULTS, adults_jp_rule(), updated_by="Bob")
        _run(world, DAY4, members)
        after_day4 = world.history_state()
        world.run_day(DAY4)
        after_day4_rerun = world.history_state()
        world.run_day(DAY4, full_refresh=True)
        after_day4_full_refresh = world.history_state()

        client = make_client(server)
        server.clear_log()
        with world.warehouse.connect() as conn:
            dry = revert(client, conn, ADULTS, 1, prefix="sa")
            dry_run_writes = len(server.requests_matching("PATCH", ".*")) + len(
                server.requests_matching("PUT", ".*"))
            state.update_rule(JAPAN, country_rule("US"), updated_by="Zed")
            with pytest.raises(HistoryError) as refused:
                revert(client, conn, JAPAN, 1, yes=True, prefix="sa")
            applied = [revert(client, conn, ADULTS_NAME, 1, yes=True, prefix="sa"),
                       revert(client, conn, IRELAND, 1, yes=True, prefix="sa")]
        after_dry_run = world.history_state()
        writes = [(r.method, r.path, json.loads(r.body)) for r in server.requests_matching("PATCH", ".*")
                  + server.requests_matching("PUT", ".*")]

        _run(world, DAY5, members)
        yield Story(world, after_day4, after_day4_rerun, after_day4_full_refresh, after_dry_run,
                    dry.text(), dry_run_writes, str(refused.value), [a.text() for a in applied], writes, members)
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------------
# rule changes


def test_rule_changes_rows_are_exact(story: Story) -> None:
    h30, h40, hjp = rule_hash(adults_rule(30)), rule_hash(adults_rule(40)), rule_hash(adults_jp_rule())
    hie, hwide, hus = rule_hash(country_rule("IE")), rule_hash(IRELAND_WIDE), rule_hash(country_rule("US"))
    hjapan, hteens = rule_hash(country_rule("JP")), rule_hash(TEENS_RULE)
    age = "conditions[0].conditions[0]"
    second = "conditions[0].conditions[1]"
    expected = sorted([
        (ADULTS, ADULTS_NAME, PS_SHOP, "edit", 2, midnight(DAY2), midnight(DAY4), MALLORY, h30, h40,
         f"~ {age}: age GreaterEqual 30 -> age GreaterEqual 40", 40, 20),
        (ADULTS, ADULTS_NAME, PS_SHOP, "edit", 3, midnight(DAY4), midnight(DAY5), "Bob", h40, hjp,
         f'+ {second}: country Equal "JP"', 30, 10),
        (ADULTS, ADULTS_NAME, PS_SHOP, "edit", 4, midnight(DAY5), None, "API User", hjp, h30,
         f'~ {age}: age GreaterEqual 40 -> age GreaterEqual 30\n- {second}: country Equal "JP"', 10, 40),
        (JAPAN, "Japan ✓", PS_SHOP, "edit", 2, midnight(DAY5), None, "Zed", hjapan, hus,
         f'~ {age}: country Equal "JP" -> country Equal "US"', 20, 30),
        (TEENS, "Teens", PS_SHOP, "deletion", 1, midnight(DAY3), None, None, hteens, None,
         f"- {age}: age Less 20", 10, None),
        (IRELAND, "Ireland", PS_LEGACY, "edit", 2, midnight(DAY4), midnight(DAY5), "Dave", hie, hwide,
         f'~ {age}: country Equal "IE" -> country In ["IE","FR"]', 10, 20),
        (IRELAND, "Ireland", PS_LEGACY, "edit", 3, midnight(DAY5), None, "API User", hwide, hie,
         f'~ {age}: country In ["IE","FR"] -> country Equal "IE"', 20, 10),
    ], key=repr)
    rows = story.world.query(
        "select segment_id, segment_name, ps_id, change_type, version, valid_from, valid_to, changed_by, "
        "rule_hash_before, rule_hash_after, rule_diff, population_before, population_after from sa_rule_changes")
    assert sorted(rows, key=repr) == expected


def test_query_change_flags_first_run_after_each_edit_only(story: Story) -> None:
    rows = story.world.query("select segment_id, run_date, query_change, rule_version from sa_hist_query_change")
    assert sorted(rows) == sorted([
        (ADULTS, DAY2, 1, 2), (ADULTS, DAY4, 1, 3), (ADULTS, DAY5, 1, 4),
        (IRELAND, DAY4, 1, 2), (IRELAND, DAY5, 1, 3), (JAPAN, DAY5, 1, 2),
    ])


def test_resave_and_new_segment_make_no_version(story: Story) -> None:
    rows = story.world.query(
        "select segment_id, version, cast(valid_from as date), cast(valid_to as date) from sa_hist_rule_versions "
        f"where segment_id in ('{JAPAN}', '{OVER60}') order by 1, 2")
    assert rows == [(JAPAN, 1, DAY1, DAY5), (JAPAN, 2, DAY5, None), (OVER60, 1, DAY3, None)]


def test_sql_diff_matches_python_diff(story: Story) -> None:
    versions = story.world.query_dicts(
        "select segment_id, version, previous_rule_conditions, rule_conditions from sa_hist_rule_versions "
        "where is_edit", ["segment_id", "version", "previous_rule_conditions", "rule_conditions"])
    sql = {(r[0], r[1]): r[2] for r in story.world.query(
        "select segment_id, version, rule_diff from sa_rule_changes where change_type = 'edit'")}
    assert len(versions) == len(sql) == 6
    for v in versions:
        assert sql[(v["segment_id"], v["version"])].split("\n") == diff_conditions(
            v["previous_rule_conditions"], v["rule_conditions"])


# ----------------------------------------------------------------------------------------------
# population


def _expected_population_daily(story: Story) -> list[tuple[Any, ...]]:
    state = story.world.state
    names = {ADULTS: ADULTS_NAME, JAPAN: "Japan ✓", TEENS: "Teens", OVER60: "Over 60", IRELAND: "Ireland"}
    ps = {ADULTS: PS_SHOP, JAPAN: PS_SHOP, TEENS: PS_SHOP, OVER60: PS_SHOP, IRELAND: PS_LEGACY}
    ps_names = {PS_SHOP: SHOP_NAME, PS_LEGACY: "Legacy list"}
    root = {p: state.parent_segment(p).root_folder_id for p in ps_names}
    folder_names = {p: state.folder(root[p]).name for p in ps_names}
    rows = []
    days = sorted(story.members)
    for sid in names:
        previous: set[str] = set()
        for day in days:
            today = story.members[day].get(sid)
            if today is None and not previous:
                continue
            current = today or set()
            api = 10 * len(current) if today is not None else None
            rows.append((sid, names[sid], ps[sid], ps_names[ps[sid]], root[ps[sid]], folder_names[ps[sid]], day,
                         len(current), len(current - previous), len(previous - current), api,
                         "pull" if api is not None else None, True if api is not None else None))
            previous = current
    p = PS_SHOP
    for day, api, measured in ((dt.date(2026, 4, 29), 35, True), (dt.date(2026, 4, 30), 38, False)):
        rows.append((ADULTS, ADULTS_NAME, p, SHOP_NAME, root[p], folder_names[p], day, None, None, None, api,
                     "statistics", measured))
    return sorted(rows, key=repr)


def test_population_daily_rows_are_exact(story: Story) -> None:
    rows = story.world.query(
        'select segment_id, segment_name, ps_id, ps_name, folder_id, folder_name, "date", population, entered, '
        "exited, api_population, api_population_source, api_population_measured from sa_population_daily")
    assert sorted(rows, key=repr) == _expected_population_daily(story)


def test_membership_is_stored_as_intervals(story: Story) -> None:
    """p6 left Adults on day 2 and came back on day 3: two stays, not one row per day."""
    rows = story.world.query(
        "select cast(dbt_valid_from as date), cast(dbt_valid_to as date) from sa_snp_segment_membership "
        f"where segment_id = '{ADULTS}' and profile_id = 'p6' order by 1")
    assert rows == [(DAY1, DAY2), (DAY3, DAY4), (DAY5, None)]
    total = story.world.query("select count(*) from sa_snp_segment_membership")[0][0]
    stays = 0
    for sid in {s for day in story.members.values() for s in day}:
        previous: set[str] = set()
        for day in sorted(story.members):
            current = story.members[day].get(sid, set())
            stays += len(current - previous)
            previous = current
    assert total == stays


# ----------------------------------------------------------------------------------------------
# guarantees


def test_same_day_rerun_leaves_history_unchanged(story: Story) -> None:
    assert story.after_day4_rerun == story.after_day4


def test_full_refresh_keeps_history(story: Story) -> None:
    assert story.after_day4_full_refresh == story.after_day4
    assert len(story.after_day4["sa_snp_segment_rules"]) == 8


# ----------------------------------------------------------------------------------------------
# commands and revert


def test_dry_run_shows_diff_and_writes_nothing(story: Story) -> None:
    assert story.dry_run_writes == 0
    assert story.after_dry_run == story.after_day4_full_refresh
    assert story.dry_run_text.startswith(f"Dry run: would revert segment {ADULTS} {ADULTS_NAME!r}: rule version 3 "
                                         f"-> version 1 via PATCH /entities/segments/{ADULTS}.")
    assert story.dry_run_text.splitlines()[1:] == [
        "~ conditions[0].conditions[0]: age GreaterEqual 40 -> age GreaterEqual 30",
        '- conditions[0].conditions[1]: country Equal "JP"',
    ]


def test_revert_refuses_when_segment_changed_since_last_pull(story: Story) -> None:
    assert f"segment {JAPAN} changed since the warehouse recorded version 1" in story.refusal
    assert all(path != f"/entities/segments/{JAPAN}" for _, path, _ in story.writes)


def test_revert_writes_old_rule_through_the_api(story: Story) -> None:
    assert [(m, p) for m, p, _ in story.writes] == [
        ("PATCH", f"/entities/segments/{ADULTS}"), ("PUT", f"/audiences/{PS_LEGACY}/segments/{IRELAND}")]
    patch_body, put_body = story.writes[0][2], story.writes[1][2]
    assert patch_body["attributes"]["rule"] == adults_rule(30)
    assert put_body["rule"] == country_rule("IE")
    assert story.revert_texts[0].startswith(f"Reverted segment {ADULTS}")


def test_next_pull_records_revert_as_new_version(story: Story) -> None:
    rows = story.world.query(
        "select version, rule_hash, updated_by, cast(valid_from as date) from sa_hist_rule_versions "
        f"where segment_id = '{ADULTS}' order by version")
    assert [(v, h == rule_hash(adults_rule(30)), by, d) for v, h, by, d in rows] == [
        (1, True, "Alice", DAY1), (2, False, MALLORY, DAY2), (3, False, "Bob", DAY4), (4, True, "API User", DAY5)]


def test_history_and_diff_commands(story: Story) -> None:
    with story.world.warehouse.connect() as conn:
        history = rule_history(conn, ADULTS, prefix="sa").text().splitlines()
        latest = rule_diff(conn, ADULTS, prefix="sa")
        chosen = rule_diff(conn, ADULTS_NAME, 1, 3, prefix="sa")
        with pytest.raises(HistoryError, match="--to: segment 6001 has no rule version 9"):
            rule_diff(conn, ADULTS, None, 9, prefix="sa")
        with pytest.raises(HistoryError, match="segment: no segment with id or name 'nope'"):
            rule_history(conn, "nope", prefix="sa")
    assert history[0] == f"Segment {ADULTS} {ADULTS_NAME!r} (parent segment {PS_SHOP}, v5): 4 rule version(s)"
    assert [line.split()[:3] for line in history[2:]] == [
        ["1", "2026-05-01", "2026-05-02"], ["2", "2026-05-02", "2026-05-04"], ["3", "2026-05-04", "2026-05-05"],
        ["4", "2026-05-05", "API"]]
    assert (latest.from_version, latest.to_version) == (3, 4)
    assert chosen.lines == ["~ conditions[0].conditions[0]: age GreaterEqual 30 -> age GreaterEqual 40",
                            '+ conditions[0].conditions[1]: country Equal "JP"']


def test_cli_glue_prints_from_the_target(story: Story, capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from orchestrate.config import validate_config
    from orchestrate.history import print_diff, print_history
    from tests.fixtures.dbt_project import fixture_config

    db_path = story.world.warehouse.workspace.db_path  # type: ignore[attr-defined]
    ctx = SimpleNamespace(target_profile={"type": "duckdb", "path": str(db_path), "schema": "main"},
                          config=validate_config(fixture_config(project_prefix="sa")))
    print_history(ctx, IRELAND)
    print_diff(ctx, IRELAND, from_version=1, to_version=2)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Segment {IRELAND} 'Ireland' (parent segment {PS_LEGACY}, v4): 3 rule version(s)"
    assert out[-2:] == [f"Segment {IRELAND} 'Ireland': rule version 1 -> 2",
                        '~ conditions[0].conditions[0]: country Equal "IE" -> country In ["IE","FR"]']
