"""The oracle test: run the demo (a smaller seed of it) through pull and dbt build for four run
dates, then compare the marts with values computed independently in Python from the generator's
rows (tests/integration/demo/expected.py), never by re-running the project's SQL:

- members per segment and run date (population_tracker.member_count, the API population, and the
  final day's member ids in int_segment_members);
- metric_value and unique_profiles per segment, event date and metric (metrics_daily).
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from segment_analytics_sandbox.demo.run import run_demo
from tests.integration.demo import expected

RUN_DATES = [dt.date(2026, 3, 30) + dt.timedelta(days=i) for i in range(4)]  # crosses a month end
PREFIX = "segment_analytics"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    patch = pytest.MonkeyPatch()
    # keep dbt's target/ and logs/ and the generated profiles out of the shared checkout
    patch.setenv("DBT_TARGET_PATH", str(work / "target"))
    patch.setenv("DBT_LOG_PATH", str(work / "logs"))
    patch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(work / "state"))
    try:
        result = run_demo(work, work / "demo.duckdb", RUN_DATES, seed_value=5, n_profiles=400)
    finally:
        patch.undo()
    conn = duckdb.connect(str(result.duckdb_path), read_only=True)
    yield result, conn
    conn.close()


def _rows(conn, sql):
    return conn.execute(sql).fetchall()


def test_demo_builds_every_mart(demo_run):
    result, _ = demo_run
    for mart in ("ps_stats", "population_tracker", "population_daily", "metrics_daily",
                 "final_metrics_table", "rule_changes"):
        assert f"main.{PREFIX}_{mart}" in result.table_rows, mart
    for mart in ("ps_stats", "population_tracker", "population_daily", "metrics_daily", "final_metrics_table"):
        assert result.table_rows[f"main.{PREFIX}_{mart}"] > 0, mart
    text = result.summary()
    assert str(result.duckdb_path) in text and f"{PREFIX}_metrics_daily" in text


def test_member_counts_per_segment_and_run_date(demo_run):
    result, conn = demo_run
    got = {(d, s): (api, members) for d, s, api, members in _rows(
        conn, f"select run_date, segment_id, segment_population, member_count from {PREFIX}_population_tracker")}
    want = {}
    for index, run_date in enumerate(RUN_DATES):
        for segment_id, ids in expected.members(result.data, index).items():
            want[(run_date, segment_id)] = (len(ids), len(ids))
    assert set(got) == set(want)
    # (run date, segment, (API population, computed member_count), oracle members)
    wrong = sorted((d, s, got[(d, s)], want[(d, s)][0]) for d, s in want if got[(d, s)] != want[(d, s)])
    assert wrong == [], wrong


def test_final_members_are_the_oracle_members(demo_run):
    result, conn = demo_run
    got: dict[str, set[str]] = {}
    for segment_id, profile_id in _rows(conn, f"select segment_id, profile_id from {PREFIX}_int_segment_members"):
        got.setdefault(segment_id, set()).add(profile_id)
    want = {s: ids for s, ids in expected.members(result.data, len(RUN_DATES) - 1).items() if ids}
    assert set(got) == set(want)
    for segment_id in want:
        assert got[segment_id] == want[segment_id], segment_id


def test_daily_metrics_match_the_oracle(demo_run):
    result, conn = demo_run
    got = {(s, d, m): (v, u) for s, d, m, v, u in _rows(
        conn, f"select segment_id, event_date, metric_name, metric_value, unique_profiles "
              f"from {PREFIX}_metrics_daily")}
    want = expected.daily_metrics(result.data)
    assert len(want) > 1000  # not vacuous: many segment x day x metric cells
    assert set(got) == set(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    wrong = [(k, got[k], want[k]) for k in want
             if got[k][1] != want[k][1] or not math.isclose(got[k][0], want[k][0], rel_tol=1e-9, abs_tol=1e-6)]
    assert wrong == [], wrong[:10]


def _pipeline_membership(conn) -> dict[str, dict[int, set[str]]]:
    """segment -> run date index -> members, read from the membership snapshot's intervals."""
    history: dict[str, dict[int, set[str]]] = {}
    rows = _rows(conn, "select segment_id, profile_id, cast(dbt_valid_from as date), cast(dbt_valid_to as date) "
                       "from segment_analytics_snp_segment_membership")
    for segment_id, profile_id, start, end in rows:
        for index, run_date in enumerate(RUN_DATES):
            if start <= run_date and (end is None or end > run_date):
                history.setdefault(segment_id, {}).setdefault(index, set()).add(profile_id)
    return history


def test_daily_metrics_given_the_pipelines_own_membership(demo_run):
    """Separates the metric roll-up from membership: with the members the pipeline itself recorded
    (snapshot intervals), the Python roll-up of the generated events must equal metrics_daily."""
    result, conn = demo_run
    history = _pipeline_membership(conn)
    for index in range(len(RUN_DATES)):
        for segment_id in expected.members(result.data, index):
            history.setdefault(segment_id, {}).setdefault(index, set())  # a day without members
    got = {(s, d, m): (v, u) for s, d, m, v, u in _rows(
        conn, f"select segment_id, event_date, metric_name, metric_value, unique_profiles "
              f"from {PREFIX}_metrics_daily")}
    want = expected.daily_metrics(result.data, history=history)
    assert len(want) > 1000
    assert set(got) == set(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    wrong = [(k, got[k], want[k]) for k in want
             if got[k][1] != want[k][1] or not math.isclose(got[k][0], want[k][0], rel_tol=1e-9, abs_tol=1e-6)]
    assert wrong == [], wrong[:10]


def test_avg_per_profile_is_value_over_profiles(demo_run):
    _, conn = demo_run
    bad = _rows(conn, f"select count(*) from {PREFIX}_metrics_daily "
                      f"where abs(avg_per_profile - metric_value / unique_profiles) > 1e-9")
    assert bad == [(0,)]
