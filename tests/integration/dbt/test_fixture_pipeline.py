"""`dbt build` on the landing fixture (DuckDB): exact mart rows against values computed in Python
(tests/integration/dbt/expected.py), then an idempotent re-run of the same day and a
`--full-refresh` of the next day that keeps the earlier day's population history."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import (
    PS_QUOTED_NAME,
    RUN_DATE,
    build_landing_fixture,
    write_landing,
)
from tests.integration.dbt import expected

RUN = RUN_DATE.isoformat()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtWorkspace:
    root: Path = tmp_path_factory.mktemp("fixture_pipeline")
    workspace = DbtWorkspace(root=root, db_path=root / "fixture.duckdb")
    workspace.write_profile()
    build_landing_fixture(workspace.db_path)
    workspace.dbt(["build"])  # no run_date var: the latest run_date of the landing tables is used
    return workspace


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_members_per_segment(built: DbtWorkspace) -> None:
    rows = built.query("select segment_id, profile_id from sa_int_segment_members")
    found: dict[str, set[str]] = {}
    for segment_id, profile_id in rows:
        found.setdefault(segment_id, set()).add(profile_id)
    assert found == expected.members()
    assert len(rows) == sum(len(p) for p in expected.members().values())


def test_metrics_daily_exact(built: DbtWorkspace) -> None:
    rows = built.query_dicts(
        "select segment_id, event_date, metric_name, metric_value, unique_profiles, avg_per_profile, "
        "membership_backfilled from sa_metrics_daily")
    want = expected.metrics_daily(fixture_config(), RUN_DATE, lookback_days=7)
    got = {(r["segment_id"], r["event_date"], r["metric_name"]): r for r in rows}
    assert set(got) == set(want)
    assert len(rows) == len(want)
    for key, values in want.items():
        row = got[key]
        assert _close(row["metric_value"], values["metric_value"]), key
        assert row["unique_profiles"] == values["unique_profiles"], key
        assert _close(row["avg_per_profile"], values["avg_per_profile"]), key
        assert row["membership_backfilled"] is False


def test_hand_checked_values(built: DbtWorkspace) -> None:
    # s1 = p1, p2, p3 on 2026-03-08: p1 ordered 10 + 20, p2 5.5 (00:00 UTC) -> 3 orders, 2 buyers.
    row = built.query_dicts("select * from sa_final_metrics_table where segment_id = 's1' "
                            "and event_date = date '2026-03-08'")[0]
    assert (row["orders_total"], row["orders_unique"], row["orders_avg"]) == (3.0, 2, 1.5)
    assert (row["revenue_total"], row["revenue_unique"], row["revenue_avg"]) == (35.5, 2, 17.75)
    assert row["distinct_urls_total"] == 2.0  # p1 saw /home twice and one utm_ url
    assert row["segment_population"] == 3
    assert row["query_change"] == 0


def test_final_table_has_metric_columns(built: DbtWorkspace) -> None:
    rows = built.query_dicts("select * from sa_final_metrics_table")
    columns = set(rows[0])
    for metric in fixture_config()["metrics"]:
        for suffix in ("_total", "_unique", "_avg"):
            assert metric["metric"] + suffix in columns
    assert {"segment_population", "query_change", "event_date", "segment_name"} <= columns
    want_days = {(s, d) for s, d, _ in expected.metrics_daily(fixture_config(), RUN_DATE, 7)}
    assert {(r["segment_id"], r["event_date"]) for r in rows} == want_days


def test_ps_stats_keeps_names_and_paths(built: DbtWorkspace) -> None:
    rows = {r["segment_id"]: r for r in built.query_dicts("select * from sa_ps_stats")}
    assert set(rows) == {"s1", "s2", "s3", "s4"}
    assert rows["s4"]["ps_name"] == PS_QUOTED_NAME
    assert rows["s4"]["segment_name"] == 'Café lovers ☕ "all"'
    assert rows["s4"]["folder_path"] == "Root / Café ☕ 'quoted'"
    assert rows["s1"]["folder_path"] == "Root / Marketing / Campaigns 2026"
    assert rows["s2"]["segment_name"] == "Bob's picks"
    assert (rows["s1"]["v5_flag"], rows["s4"]["v5_flag"]) == (1, 0)
    assert all(r["is_selected"] for r in rows.values())
    assert rows["s1"]["run_date"] == RUN_DATE


def test_population_tracker_and_missing_sql(built: DbtWorkspace) -> None:
    rows = built.query("select run_date, segment_id, segment_population, member_count "
                       "from sa_population_tracker order by segment_id")
    assert rows == [
        (RUN_DATE, "s1", 3, 3),
        (RUN_DATE, "s2", 3, 3),
        (RUN_DATE, "s3", None, None),  # its compiler SQL failed: no members, reason kept
        (RUN_DATE, "s4", 2, 2),
    ]
    problem = built.query("select member_sql_problem from sa_int_segments__selected where segment_id = 's3'")
    assert problem == [("unsupported operator 'Regexp'",)]


# Every table a build writes, by its warehouse name (prefix "sa"): the marts keep the original
# package's names whatever their models are called, the other tables are <prefix>_<model>.
MART_COLUMNS = {
    "sa_ps_stats": [
        "ps_id", "ps_name", "ps_population", "v5_flag", "folder_id", "folder_name", "folder_path", "segment_id",
        "segment_name", "segment_population", "segment_type", "realtime", "rule_hash", "is_selected",
        "member_sql_problem", "run_date"],
    "sa_population_tracker": [
        "run_date", "ps_id", "ps_name", "ps_population", "segment_id", "segment_name", "segment_population",
        "member_count"],
    "sa_population_daily": [
        "segment_id", "segment_name", "ps_id", "ps_name", "folder_id", "folder_name", "date", "population",
        "entered", "exited", "api_population", "api_population_source", "api_population_measured"],
    "sa_metrics_daily": [
        "ps_id", "ps_name", "folder_id", "folder_name", "segment_id", "segment_name", "event_date", "metric_name",
        "metric_table", "agg", "metric_value", "unique_profiles", "avg_per_profile", "membership_backfilled"],
    "sa_metrics_daily_coverage": [
        "segment_id", "metric_name", "metric_definition_hash", "covered_through_date", "run_date",
        "membership_basis"],
    "sa_final_metrics_table": [
        "ps_id", "ps_name", "folder_id", "folder_name", "segment_id", "segment_name", "event_date",
        "segment_population", "query_change", "membership_backfilled"],  # then <metric>_total/_unique/_avg
    "sa_rule_changes": [
        "segment_id", "segment_name", "ps_id", "change_type", "version", "valid_from", "valid_to", "changed_by",
        "rule_hash_before", "rule_hash_after", "rule_diff", "population_before", "population_after"],
    "sa_alerts": [
        "alert_id", "run_date", "kind", "severity", "ps_id", "segment_id", "segment_name", "metric_name",
        "observed_value", "expected_value", "threshold", "message", "updated_by", "authorized", "rule_diff",
        "revert_command", "muted", "muted_until", "detected_at"],
    "sa_segment_overlap": [
        "run_date", "ps_id", "ps_name", "segment_a", "segment_a_name", "segment_b", "segment_b_name", "members_a",
        "members_b", "members_both", "share_of_a_in_b", "share_of_b_in_a", "jaccard", "rank_in_a", "rank_in_b"],
    "sa_kpis_period_over_period": [
        "ps_id", "ps_name", "segment_id", "segment_name", "period_grain", "period_start", "period_end",
        "days_with_data", "kpi_kind", "kpi_name", "agg", "kpi_value", "profile_days", "value_per_profile_day",
        "week_ago_date", "value_week_ago", "delta_week_ago", "delta_week_ago_relative", "month_ago_date",
        "value_month_ago", "delta_month_ago", "delta_month_ago_relative", "year_ago_date", "value_year_ago",
        "delta_year_ago", "delta_year_ago_relative"],
    "sa_ab_test_results": [
        "test_name", "segment_id", "segment_name", "is_control", "metric_name", "computed_through", "members",
        "metric_total", "mean_per_member", "lift", "lift_ci_low", "lift_ci_high", "p_value",
        "chance_to_beat_control", "srm_p_value", "profiles_in_multiple_arms", "membership_backfilled"],
    "sa_ab_test_daily": [
        "test_name", "segment_id", "segment_name", "is_control", "metric_name", "event_date", "members",
        "metric_total", "mean_per_member", "lift", "lift_ci_low", "lift_ci_high", "p_value",
        "chance_to_beat_control", "srm_p_value", "membership_backfilled"],
}
INTERNAL_TABLES = {
    "sa_stg_cdp__parent_segments", "sa_stg_cdp__folders", "sa_stg_cdp__segments", "sa_stg_cdp__segment_sql",
    "sa_stg_cdp__segment_statistics", "sa_int_folders__ancestors", "sa_int_folders__paths",
    "sa_int_segments__selected", "sa_int_segment_members", "sa_int_metric_coverage__watermarks",
    "sa_int_ab_test__arms", "sa_int_ab_test__exposures", "sa_int_ab_test__arm_days", "sa_int_ab_test__statistics",
    "sa_hist_rule_versions", "sa_hist_api_populations",
    "sa_hist_query_change", "sa_snp_segment_rules", "sa_snp_segment_membership", "sa_time_spine_day",
}


def test_built_tables_keep_their_names_and_mart_columns(built: DbtWorkspace) -> None:
    tables = built.query("select table_name from information_schema.tables where table_schema = 'main'")
    names = {name for (name,) in tables if name.startswith("sa_")}
    assert names == set(MART_COLUMNS) | INTERNAL_TABLES
    metric_columns = [f"{m['metric']}{suffix}" for m in fixture_config()["metrics"]
                      for suffix in ("_total", "_unique", "_avg")]
    for table, columns in MART_COLUMNS.items():
        found = [name for (name,) in built.query(
            "select column_name from information_schema.columns where table_schema = 'main' "
            f"and table_name = '{table}' order by ordinal_position")]
        want = columns + metric_columns if table == "sa_final_metrics_table" else columns
        assert found == want, table


def test_rerun_same_day_then_full_refresh_next_day(built: DbtWorkspace) -> None:
    tables = ["sa_population_tracker", "sa_metrics_daily", "sa_final_metrics_table", "sa_ps_stats",
              "sa_int_segment_members"]
    before = {t: sorted(built.query(f"select * from {t}"), key=repr) for t in tables}
    built.dbt(["build"], run_date=RUN)
    after = {t: sorted(built.query(f"select * from {t}"), key=repr) for t in tables}
    assert after == before

    # The next day, pulled and rebuilt with --full-refresh: population history of the first day stays.
    next_day = date(2026, 3, 11)
    from tests.fixtures.landing_fixture import LandingFixture

    write_landing(LandingFixture(path=built.db_path, run_date=next_day))
    built.dbt(["build", "--full-refresh"], run_date=next_day.isoformat())
    days = built.query("select run_date, count(*) from sa_population_tracker group by run_date order by run_date")
    assert days == [(RUN_DATE, 4), (next_day, 4)]
    # the window moved one day: 2026-03-10 events (p1's 999 order) now count
    row = built.query("select metric_value from sa_metrics_daily where segment_id = 's1' "
                      "and metric_name = 'revenue' and event_date = date '2026-03-10'")
    assert row == [(999.0,)]
