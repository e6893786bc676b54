"""membership_basis point_in_time on the landing fixture over two run dates: day 1 attributes every
earlier event day to the first known membership (flagged backfilled); on day 2 segment s1's rule
changes, yet its events of 2026-03-10 still count for the profiles that were members that day, the
earlier days stay exactly as computed (incremental by event day), and the new day is added."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, LandingFixture, build_landing_fixture, write_landing
from tests.integration.dbt import expected

DAY_2 = date(2026, 3, 11)
COLUMNS = ("segment_id, event_date, metric_name, metric_value, unique_profiles, avg_per_profile, "
           "membership_backfilled")


def test_point_in_time_attribution_and_incremental_days(dbt_workspace: DbtWorkspace) -> None:
    config = fixture_config(membership_basis="point_in_time")
    fixture = build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    day_1 = sorted(dbt_workspace.query(f"select {COLUMNS} from sa_metrics_daily"), key=repr)
    want = expected.metrics_daily(config, RUN_DATE, lookback_days=7)
    assert {(r[0], r[1], r[2]) for r in day_1} == set(want)
    assert all(r[6] is True for r in day_1)  # before membership history began: backfilled

    # Day 2: s1's rule now selects the US profiles (p4, p5) instead of the JP ones.
    for segment in fixture.segments:
        if segment["segment_id"] == "s1":
            segment["rule_hash"] = "h1-us"
    fixture.segment_sql.append({"ps_id": "101", "rule_hash": "h1-us", "sql_source": "compiler", "dialect": "duckdb",
                                "segment_sql": 'select a.* from "cdp_audience_101"."customers" a '
                                               "where (a.\"country\" = 'US')",
                                "error": None})
    write_landing(LandingFixture(path=dbt_workspace.db_path, run_date=DAY_2, segments=fixture.segments,
                                 segment_sql=fixture.segment_sql))
    # ... and a metric is added: its behaviour table is rescanned over the whole window
    config_2 = fixture_config(membership_basis="point_in_time")
    config_2["metrics"].append({"metric": "email_clicks", "agg": "count", "agg_col_name": "1",
                                "source": "demo_behaviors.email_events", "join_key": "td_canonical_id",
                                "unixtime_col": "time", "filter": "event_type = 'click'"})
    dbt_workspace.dbt(["build"], config=config_2, run_date=DAY_2.isoformat())

    # the day-2 scan of each behaviour table starts at its last stored event day, not the window start
    compiled = (dbt_workspace.root / "target" / "compiled" / "segment_analytics" / "models" / "marts"
                / "fct_segment_metrics_daily.sql").read_text(encoding="utf-8")
    resume = int(datetime(2026, 3, 9, tzinfo=UTC).timestamp())
    window_start = int(datetime(2026, 3, 4, tzinfo=UTC).timestamp())
    assert compiled.count(f'"time" >= {resume}') == 2  # orders, pageviews
    assert compiled.count(f'"time" >= {window_start}') == 1  # email_events: a new metric
    assert sorted(dbt_workspace.query("select profile_id from sa_int_segment_members where segment_id = 's1'")) == [
        ("p4",), ("p5",)]
    rows = sorted(dbt_workspace.query(f"select {COLUMNS} from sa_metrics_daily"), key=repr)
    kept = [r for r in rows if r[1] < RUN_DATE and r[2] != "email_clicks"]
    assert kept == day_1
    clicks = [r for r in rows if r[2] == "email_clicks"]
    assert clicks == [("s4", date(2026, 3, 9), "email_clicks", 1.0, 1, 1.0, True)]  # p6 clicked
    new_day = {(r[0], r[2]): r for r in rows if r[1] == RUN_DATE}
    # p1 (a member of s1 on 2026-03-10, gone since) ordered 999 that day: it counts for s1
    assert new_day[("s1", "revenue")][3:7] == (999.0, 1, 999.0, False)
    assert new_day[("s1", "orders")][3:5] == (1.0, 1)
    assert set(new_day) == {("s1", "revenue"), ("s1", "orders"), ("s1", "avg_order"), ("s1", "max_items")}
    population = dbt_workspace.query("select segment_population from sa_final_metrics_table "
                                     "where segment_id = 's1' and event_date = date '2026-03-10'")
    assert population == [(3,)]


def test_changed_metric_definition_is_recomputed_inactive_pairs_resume(dbt_workspace: DbtWorkspace) -> None:
    """A metric whose definition changes is deleted and recomputed over the window with the new
    definition, while the other metrics keep their history and resume at their last covered day,
    also for segments that never had an event for them (the coverage table, not the rows)."""
    config = fixture_config(membership_basis="point_in_time")
    fixture = build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    day_1 = sorted(dbt_workspace.query(f"select {COLUMNS} from sa_metrics_daily"), key=repr)
    segments = {r[0] for r in dbt_workspace.query("select segment_id from sa_int_segments__selected where is_selected")}
    with_orders = {r[0] for r in day_1 if r[2] == "orders"}
    assert segments - with_orders, "the fixture needs a selected segment without orders for this test"

    write_landing(LandingFixture(path=dbt_workspace.db_path, run_date=DAY_2, segments=fixture.segments,
                                 segment_sql=fixture.segment_sql))
    config_2 = fixture_config(membership_basis="point_in_time")
    revenue = next(m for m in config_2["metrics"] if m["metric"] == "revenue")
    revenue["agg_col_name"] = "items"  # same name, new definition: sum of items
    dbt_workspace.dbt(["build"], config=config_2, run_date=DAY_2.isoformat())

    compiled = (dbt_workspace.root / "target" / "compiled" / "segment_analytics" / "models" / "marts"
                / "fct_segment_metrics_daily.sql").read_text(encoding="utf-8")
    window_start = int(datetime(2026, 3, 4, tzinfo=UTC).timestamp())
    resume = int(datetime(2026, 3, 9, tzinfo=UTC).timestamp())
    assert compiled.count(f'"time" >= {window_start}') == 1  # orders: revenue changed
    assert compiled.count(f'"time" >= {resume}') == 2  # pageviews, email_events resume

    rows = sorted(dbt_workspace.query(f"select {COLUMNS} from sa_metrics_daily"), key=repr)
    got = {(r[0], r[1]): (r[3], r[4]) for r in rows if r[2] == "revenue"}
    want = {(seg, day): (row["metric_value"], row["unique_profiles"])
            for (seg, day, name), row in expected.metrics_daily(config_2, DAY_2, lookback_days=7).items()
            if name == "revenue"}
    assert got == want
    assert got != {(r[0], r[1]): (r[3], r[4]) for r in day_1 if r[2] == "revenue"}
    unchanged = [r for r in rows if r[1] < RUN_DATE and r[2] != "revenue"]
    assert unchanged == [r for r in day_1 if r[2] != "revenue"]
    coverage = dbt_workspace.query("select distinct covered_through_date, run_date from sa_metrics_daily_coverage")
    assert coverage == [(RUN_DATE, DAY_2)]
