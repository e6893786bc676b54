"""The oracle's members agree with the compiled rules counted on the loaded DuckDB data.

Two independent routes to the same numbers: hand-written Python predicates over the generator's
structures, and orchestrate.rules' SQL over the tables the loader wrote.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from segment_analytics_sandbox.demo import populations, scenario
from segment_analytics_sandbox.demo.generate import generate
from segment_analytics_sandbox.demo.load import load_duckdb
from segment_analytics_sandbox.demo.tables import tables_on
from tests.integration.demo import expected

RUN_DATES = [dt.date(2026, 3, 29) + dt.timedelta(days=i) for i in range(4)]  # spans a month end


@pytest.fixture(scope="module")
def small_demo():
    return generate(seed=7, n_profiles=600, run_dates=RUN_DATES, change_share=0.08)


def test_oracle_members_match_compiled_rules_every_day(small_demo, tmp_path):
    conn = duckdb.connect(str(tmp_path / "oracle.duckdb"))
    previous = None
    for index, run_date in enumerate(RUN_DATES):
        load_duckdb(conn, tables_on(small_demo, run_date, previous))
        previous = run_date
        segments = scenario.segments_on(small_demo.account.segments, RUN_DATES, run_date)
        counted = populations.count_segments(conn, segments, run_date)
        oracle = expected.members(small_demo, index)
        assert set(counted) == set(oracle), run_date
        assert {s: len(m) for s, m in oracle.items()} == counted, run_date
        # and not vacuous: every segment has members on some day, and most on every day
        assert sum(1 for m in oracle.values() if m) >= len(oracle) - 2


def test_members_change_between_days(small_demo):
    first, last = expected.members(small_demo, 0), expected.members(small_demo, len(RUN_DATES) - 1)
    changed = [s for s in first if s in last and first[s] != last[s]]
    assert len(changed) >= 5, changed
    assert "800013" in first and "800013" not in last
    assert "800020" not in first and "800020" in last
