"""The A/B marts on DuckDB against the independent oracle (tests/integration/experiments/ab_world.py):
the same statistics from the raw per-member values with scipy, equal to 1e-9 relative. Three
builds (membership_basis point_in_time): a test that starts before membership history began
(flagged), with a profile in two arms, members without events, joiners and a leaver, an open end;
a three-arm test with a skewed split (SRM) and a closed window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.integration.experiments import ab_world
from tests.integration.experiments.ab_world import RUN_1, RUN_2, RUN_3, TESTS

STAT_COLUMNS = ["members", "metric_total", "mean_per_member", "lift", "lift_ci_low", "lift_ci_high", "p_value",
                "chance_to_beat_control", "srm_p_value"]


def ab_config(tests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return fixture_config(membership_basis="point_in_time", ab_tests=TESTS if tests is None else tests)


def assert_matches(got: dict[str, Any], want: dict[str, Any], where: Any) -> None:
    for column in STAT_COLUMNS:
        expected = want.get(column)
        actual = got[column]
        if expected is None:
            assert actual is None, (where, column, actual)
        elif column == "members":
            assert actual == expected, (where, column)
        else:
            assert actual is not None, (where, column)
            assert abs(actual - expected) <= 1e-9 * abs(expected), (where, column, actual, expected)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtWorkspace, ab_world.World]:
    root = tmp_path_factory.mktemp("ab_readout")
    workspace = DbtWorkspace(root=root, db_path=root / "fixture.duckdb")
    workspace.write_profile()
    world = ab_world.make_world()
    for run_date in (RUN_1, RUN_2, RUN_3):
        ab_world.write_world(workspace.db_path, world, run_date)
        # (dbt unit tests are not this test's subject; they need the tables of an earlier build)
        workspace.dbt(["build", "--exclude", "resource_type:unit_test"], config=ab_config(),
                      run_date=run_date.isoformat())
    return workspace, world


def test_results_match_the_oracle(built: tuple[DbtWorkspace, ab_world.World]) -> None:
    workspace, world = built
    rows = workspace.query_dicts("select * from sa_ab_test_results")
    metrics = {m["metric"] for m in fixture_config()["metrics"]}
    assert {(r["test_name"], r["metric_name"]) for r in rows} == (
        {("checkout", m) for m in metrics} | {("srm_check", "orders"), ("srm_check", "revenue")})
    checked = 0
    for test in TESTS:
        end = date.fromisoformat(test["end_date"]) if test.get("end_date") else RUN_3
        through = end - timedelta(days=1)
        for metric in ("orders", "revenue", "avg_order", "max_items", "pageviews"):
            if metric not in test.get("metrics", [metric]):
                continue
            want = ab_world.expected_readout(world, test, metric, through)
            got = {r["segment_id"]: r for r in rows if r["test_name"] == test["name"] and r["metric_name"] == metric}
            assert set(got) == set(want)
            for segment, expected in want.items():
                row = got[segment]
                assert row["computed_through"] == through
                assert row["is_control"] == (segment == ("s1"))
                assert_matches(row, expected, (test["name"], metric, segment))
                checked += 1
    assert checked == 5 * 2 + 2 * 3


def test_flags_overlap_and_edge_cases(built: tuple[DbtWorkspace, ab_world.World]) -> None:
    workspace, _ = built
    rows = workspace.query_dicts("select * from sa_ab_test_results")
    by = {(r["test_name"], r["segment_id"], r["metric_name"]): r for r in rows}
    # p0007 was in the control and in Variant B (until RUN_2) during both windows
    assert {r["profiles_in_multiple_arms"] for r in rows if r["test_name"] == "checkout"} == {1}
    assert {r["profiles_in_multiple_arms"] for r in rows if r["test_name"] == "srm_check"} == {1}
    # checkout starts before membership history began: counted with the earliest membership, flagged
    assert by[("checkout", "s1", "orders")]["membership_backfilled"] is True
    assert by[("srm_check", "s1", "orders")]["membership_backfilled"] is False
    # the skewed split (300 / 100 / 240 against equal weights) is flagged by a tiny SRM p-value
    assert by[("srm_check", "s1", "orders")]["srm_p_value"] < 1e-10
    # no email events for these profiles: every member is 0, no variance, no statistics
    sends = by[("checkout", "s2", "email_sends")]
    assert (sends["metric_total"], sends["mean_per_member"], sends["p_value"], sends["lift"]) == (0.0, 0.0, None, None)
    # avg / max: totals only; count_distinct: members only
    for metric in ("avg_order", "max_items", "distinct_urls"):
        row = by[("checkout", "s2", metric)]
        assert (row["mean_per_member"], row["lift"], row["p_value"], row["chance_to_beat_control"]) == (
            None, None, None, None)
    assert by[("checkout", "s2", "distinct_urls")]["metric_total"] is None
    # the control has no lift of its own
    assert by[("checkout", "s1", "orders")]["lift"] is None


def test_daily_is_the_cumulative_readout(built: tuple[DbtWorkspace, ab_world.World]) -> None:
    workspace, world = built
    rows = workspace.query_dicts("select * from sa_ab_test_daily where test_name = 'checkout'")
    assert {r["event_date"] for r in rows} == {date(2026, 3, 1) + timedelta(days=i) for i in range(15)}
    final = {(r["segment_id"], r["metric_name"]): r for r in workspace.query_dicts(
        "select * from sa_ab_test_results where test_name = 'checkout'")}
    for day in (date(2026, 3, 5), RUN_2, date(2026, 3, 15)):
        for metric in ("orders", "revenue"):
            want = ab_world.expected_readout(world, TESTS[0], metric, day)
            for segment, expected in want.items():
                got = next(r for r in rows if r["event_date"] == day and r["segment_id"] == segment
                           and r["metric_name"] == metric)
                assert_matches(got, expected, (day, metric, segment))
                if day == date(2026, 3, 15):
                    assert {c: got[c] for c in STAT_COLUMNS} == {c: final[(segment, metric)][c] for c in STAT_COLUMNS}
    # the VX profiles joined Variant B on RUN_2: it grows by 40 that day
    members = {r["event_date"]: r["members"] for r in rows if r["segment_id"] == "s2" and r["metric_name"] == "orders"}
    assert members[RUN_2] - members[RUN_2 - timedelta(days=1)] == 40


def test_unknown_arm_stops_the_build_naming_test_and_field(built: tuple[DbtWorkspace, ab_world.World]) -> None:
    workspace, _ = built
    bad = [{"name": "typo", "control": "s1", "variants": ["Varient B"], "start_date": "2026-03-01"}]
    with pytest.raises(DbtFailed) as caught:
        workspace.dbt(["build", "--select", "int_ab_test__arms"], config=ab_config(bad), run_date=RUN_3.isoformat())
    assert ("A/B test 'typo': segment_analytics.ab_tests[0].variants[0]: 'Varient B' is not a selected segment"
            in str(caught.value))
