"""Alerts over four simulated days: fake CDP API -> `run_pull` -> `dbt build +fct_alerts` on DuckDB.

Day 1 (Fri)  "Adults" (age >= 30, by Alice), "Japan" (country JP, by Bob) and "Weekly" (a segment
             whose population the API reports: 1000 on weekdays, 800 on Sundays, with 6 weeks of
             back-filled statistics). Nothing fires.
Day 2 (Sat)  Mallory (not an authorised editor) edits Adults to age >= 40 (population 60 -> 30);
             Alice (authorised) edits Japan to country US (40 -> 30, -25 %: under the 30 % limit).
Day 3 (Sun)  the parent segment's customers table loses half its rows overnight (no rule changed):
             Adults 30 -> 10 and Japan 30 -> 20 (Japan is muted through day 3); Weekly dips to 801,
             which day_of_week seasonality does not flag. Re-running day 3 adds nothing; re-running
             it without seasonality adds exactly the Weekly alert.
Day 4 (Mon)  the pull fails (401) and the landing is two days old: pull_failed and stale_data.
Expected rows are written from this story by hand; the z-score's expected mean is the test's own
arithmetic over the statistics it recorded.
"""

from __future__ import annotations

import copy
import datetime as dt
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.config import validate_config
from orchestrate.dbt_runner import DbtFailed
from orchestrate.pull import PullError, run_pull
from tests.fixtures.fake_api import make_client
from tests.integration.history.world import PS_SHOP, World, adults_rule, country_rule, duckdb_world

pytestmark = pytest.mark.timeout(1200)

DAY1, DAY2, DAY3, DAY4 = (dt.date(2026, 5, d) for d in range(1, 5))  # Fri, Sat, Sun, Mon
ADULTS, JAPAN, WEEKLY = "6001", "6002", "6003"
MALLORY = "Mallory O'Malley"
COLUMNS = ["run_date", "kind", "severity", "segment_id", "segment_name", "metric_name", "observed_value",
           "expected_value", "threshold", "updated_by", "authorized", "revert_command", "muted", "muted_until"]
SEASONAL = {"pct_change": 30, "min_abs_change": 5,
            "zscore": {"sensitivity": 3, "training_days": 6, "detection_days": 1, "seasonality": "day_of_week"}}
ALERTS = {
    "authorized_editors": ["alice"],  # matched without regard to case
    "population": SEASONAL,
    "mutes": [{"segment": "Japan", "kind": "population_anomaly", "until": DAY3.isoformat(), "reason": "launch"}],
}


def weekly_value(day: dt.date) -> int:
    """Weekly's back-filled population: 800 on Sundays, else 1000, plus a small wobble."""
    return (800 if day.weekday() == 6 else 1000) + (day.toordinal() % 3) * 4


@dataclass
class Story:
    world: World
    after_day3: list[tuple[Any, ...]]
    after_day3_rerun: list[tuple[Any, ...]]
    after_day3_unseasonal: list[tuple[Any, ...]]
    strict_failure: str


def _rows(world: World) -> list[tuple[Any, ...]]:
    return sorted(world.query(f"select {', '.join(COLUMNS)} from sa_alerts"), key=repr)


def _alerts(world: World, day: dt.date) -> list[dict[str, Any]]:
    rows = world.query_dicts(f"select {', '.join(COLUMNS)}, message from sa_alerts "
                             f"where run_date = date '{day}' order by kind, segment_id", [*COLUMNS, "message"])
    return rows


def _set_populations(world: World, weekly: int) -> None:
    world.set_api_populations()
    world.state.set_population(WEEKLY, weekly)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    root: Path = tmp_path_factory.mktemp("alerts")
    with duckdb_world(root, "alerts.duckdb", select=("+fct_alerts",), overrides={"alerts": ALERTS}) as world:
        state = world.state
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Adults", adults_rule(30), updated_by="Alice", segment_id=ADULTS)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        state.add_segment(PS_SHOP, "Weekly", country_rule("ZZ"), updated_by="Alice", segment_id=WEEKLY)
        day = dt.date(2026, 3, 15)
        while day < DAY1:
            state.record_population(WEEKLY, day, weekly_value(day))
            day += dt.timedelta(days=1)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US"), "p4": (50, "JP"), "p5": (19, "US"),
                      "p6": (31, "IE"), "p7": (60, "JP"), "p8": (33, "US")}

        _set_populations(world, 1002)
        world.run_day(DAY1)

        state.update_rule(ADULTS, adults_rule(40), updated_by=MALLORY)
        state.update_rule(JAPAN, country_rule("US"), updated_by="Alice")
        _set_populations(world, 998)
        world.run_day(DAY2)

        for gone in ("p1", "p2", "p3", "p4"):
            del world.shop[gone]
        _set_populations(world, 801)
        world.run_day(DAY3)
        after_day3 = _rows(world)
        world.run_day(DAY3)
        after_day3_rerun = _rows(world)
        unseasonal = copy.deepcopy(ALERTS)
        unseasonal["population"]["zscore"]["seasonality"] = "none"
        world.overrides = {"alerts": unseasonal}
        world.build(DAY3)
        after_day3_unseasonal = _rows(world)
        world.overrides = {"alerts": ALERTS}

        world.server.faults.add("401", r"^/audiences$", count=None)
        with pytest.raises(PullError):
            run_pull(client=make_client(world.server), writer=world.warehouse.writer(),
                     v5_flag=validate_config(world.config()).filters.v5_flag, run_date=DAY4, sql_source="compiler",
                     dialect="duckdb")
        world.server.faults.clear()
        con = duckdb.connect(str(world.warehouse.workspace.db_path))  # type: ignore[attr-defined]
        try:  # the landed pulls finished two days ago
            con.execute("update cdp_landing__pull_runs set finished_at = finished_at - interval 48 hours "
                        "where status like 'success%'")
        finally:
            con.close()
        world.build(DAY4)
        strict = copy.deepcopy(ALERTS)
        strict["dbt_test_severity"] = "error"
        world.overrides = {"alerts": strict}
        with pytest.raises(DbtFailed) as failed:
            world.build(DAY4)
        world.overrides = {"alerts": ALERTS}
        yield Story(world, after_day3, after_day3_rerun, after_day3_unseasonal, str(failed.value))


def test_day1_fires_nothing(story: Story) -> None:
    assert _alerts(story.world, DAY1) == []


def test_day2_edits_by_an_unlisted_and_a_listed_editor(story: Story) -> None:
    rows = _alerts(story.world, DAY2)
    assert [{k: r[k] for k in COLUMNS} for r in rows] == [
        {"run_date": DAY2, "kind": "population_anomaly", "severity": "warning", "segment_id": ADULTS,
         "segment_name": "Adults", "metric_name": None, "observed_value": 30.0, "expected_value": 60.0,
         "threshold": 30.0, "updated_by": None, "authorized": None, "revert_command": None, "muted": False,
         "muted_until": None},
        {"run_date": DAY2, "kind": "rule_change", "severity": "critical", "segment_id": ADULTS,
         "segment_name": "Adults", "metric_name": None, "observed_value": 30.0, "expected_value": 60.0,
         "threshold": None, "updated_by": MALLORY, "authorized": False,
         "revert_command": f"segment-analytics rules revert {ADULTS} --to-version 1", "muted": False,
         "muted_until": None},
        {"run_date": DAY2, "kind": "rule_change", "severity": "warning", "segment_id": JAPAN,
         "segment_name": "Japan", "metric_name": None, "observed_value": 30.0, "expected_value": 40.0,
         "threshold": None, "updated_by": "Alice", "authorized": True,
         "revert_command": f"segment-analytics rules revert {JAPAN} --to-version 1", "muted": False,
         "muted_until": None},
    ]
    assert rows[0]["message"] == ("Population of Adults (6001) dropped to 30 from 60 the day before "
                                  "(-50.0 %, limit 30.0 %) on 2026-05-02")
    assert rows[1]["message"] == (
        f"UNAUTHORISED edit: rule of Adults (6001) changed to version 2 by {MALLORY}; population 60 -> 30\n"
        "~ conditions[0].conditions[0]: age GreaterEqual 30 -> age GreaterEqual 40\n"
        "Undo: segment-analytics rules revert 6001 --to-version 1")
    assert rows[2]["message"].startswith("Rule of Japan (6002) changed to version 2 by Alice; population 40 -> 30\n")


def test_day3_half_the_customers_gone_every_segment_drops(story: Story) -> None:
    rows = _alerts(story.world, DAY3)
    seasonal = [{k: r[k] for k in COLUMNS} for r in rows if r["segment_id"] != WEEKLY]
    assert seasonal == [
        {"run_date": DAY3, "kind": "population_anomaly", "severity": "warning", "segment_id": ADULTS,
         "segment_name": "Adults", "metric_name": None, "observed_value": 10.0, "expected_value": 30.0,
         "threshold": 30.0, "updated_by": None, "authorized": None, "revert_command": None, "muted": False,
         "muted_until": None},
        {"run_date": DAY3, "kind": "population_anomaly", "severity": "warning", "segment_id": JAPAN,
         "segment_name": "Japan", "metric_name": None, "observed_value": 20.0, "expected_value": 30.0,
         "threshold": 30.0, "updated_by": None, "authorized": None, "revert_command": None, "muted": True,
         "muted_until": DAY3},
    ]
    assert "-66.7 %" in rows[0]["message"]


def test_weekly_dip_is_not_flagged_with_seasonality_and_is_without(story: Story) -> None:
    assert not [r for r in story.after_day3 if r[3] == WEEKLY]
    added = sorted(set(story.after_day3_unseasonal) - set(story.after_day3), key=repr)
    training = [weekly_value(DAY1 - dt.timedelta(days=n)) for n in range(1, 5)] + [1002, 998]
    assert added == [(DAY3, "population_anomaly", "warning", WEEKLY, "Weekly", None, 801.0,
                      pytest.approx(statistics.mean(training)), 3.0, None, None, None, False, None)]
    assert len(story.after_day3_unseasonal) == len(story.after_day3) + 1


def test_rerun_adds_nothing(story: Story) -> None:
    assert story.after_day3_rerun == story.after_day3
    ids = story.world.query("select alert_id, count(*) from sa_alerts group by alert_id having count(*) > 1")
    assert ids == []


def test_day4_failed_pull_and_stale_landing(story: Story) -> None:
    rows = _alerts(story.world, DAY4)
    assert [(r["kind"], r["severity"], r["segment_id"], r["threshold"], r["muted"]) for r in rows] == [
        ("pull_failed", "critical", None, None, False),
        ("stale_data", "warning", None, 36.0, False),
    ]
    failed, stale = rows
    assert failed["observed_value"] == 1.0
    assert failed["message"].startswith("1 pull(s) failed, the last at ")
    assert "401" in failed["message"] or "auth" in failed["message"].lower()
    assert 48.0 <= stale["observed_value"] < 49.0
    assert stale["message"].startswith("The landed data is 48.")
    assert stale["message"].endswith("limit 36 hours); run `segment-analytics pull`")


def test_alert_tests_warn_by_default_and_fail_when_configured(story: Story) -> None:
    assert "new_alerts_pull_failed" in story.strict_failure
    assert "new_alerts_stale_data" in story.strict_failure
    assert "new_alerts_population_anomaly" not in story.strict_failure  # none on day 4


def test_alert_ids_are_the_documented_hash(story: Story) -> None:
    import hashlib

    rows = story.world.query("select alert_id, kind, run_date, segment_id from sa_alerts where kind = 'rule_change'")
    for alert_id, kind, run_date, segment_id in rows:
        assert alert_id == hashlib.md5(f"{kind}|{run_date}|{segment_id}|2".encode()).hexdigest()
