"""The Trino benchmark end to end at the tiny size: data generated inside Trino, the project, the
original's pattern, the floor and the daily floor run as their own Trino users, every figure read
back from Trino, and the cross-check that they compute the same numbers. No timing is asserted."""

from __future__ import annotations

import pytest

from bench import report, trino_data
from bench.sizes import get_size
from bench.trino_engine import TrinoTarget
from bench.trino_run import bench_size_trino
from bench.workload import TABLES

pytestmark = pytest.mark.trino

TINY = get_size("T")
FIELDS = ("wall_s", "statements", "rows_read", "bytes_read", "peak_memory_gib", "trino_cpu_s", "median_overhead_s")


@pytest.fixture(scope="module")
def bench_entry(trino_server):
    target = TrinoTarget(trino_server.host, trino_server.port)
    return bench_size_trino(TINY, 1, ("project", "original", "floor"), target, "test", print)


def test_data_generated_in_trino_has_the_size_shape(bench_entry):
    shape = bench_entry["shape"]
    per_day = sum(int(round(TINY.events_per_day * t.share)) for t in TABLES)
    assert shape["events"] == per_day * TINY.days
    assert shape["new_day_events"] == per_day
    assert shape["memberships"] > 0


def test_every_contender_and_phase_has_every_figure(bench_entry):
    contenders = bench_entry["contenders"]
    for contender in ("project", "original", "floor"):
        for phase in ("full", "incremental"):
            stats = contenders[contender][phase]
            assert "error" not in stats, stats.get("detail")
            missing = [f for f in FIELDS if stats.get(f) is None]
            assert missing == [], f"{contender}/{phase}: {missing}"
            assert stats["statements"] > 0 and stats["rows_read"] > 0 and stats["bytes_read"] > 0
    # the floor reads every event once; the daily floor reads the new day (and the landed SQL) only
    assert contenders["floor"]["full"]["statements"] == 1 + len(TABLES)
    assert contenders["floor"]["incremental"]["statements"] == 3 + len(TABLES)
    assert contenders["floor"]["full"]["rows_read"] == TINY.events_per_day * TINY.days
    assert contenders["floor"]["incremental"]["rows_read"] < contenders["floor"]["full"]["rows_read"]
    # the original issues at least one INSERT per segment, and its run is counted by Trino
    assert contenders["original"]["full"]["statements"] >= TINY.segments + len(TABLES)


def test_the_projects_daily_run_reads_the_days_it_recomputes_not_every_event(bench_entry):
    # the base data are a file per day, so the daily metrics scan from the last covered day reads two
    # days of events; every event read again would put the daily run's rows above the full build's
    project = bench_entry["contenders"]["project"]
    events = bench_entry["shape"]["events"]
    assert project["incremental"]["rows_read"] < project["full"]["rows_read"] - events // 2, project
    top = project["incremental"]["runs"][0]["detail"]["trino_top_statements"]
    assert top and top[0]["rows_read"] >= top[-1]["rows_read"] > 0 and top[0]["sql_head"]


def test_all_contenders_compute_the_same_numbers(bench_entry):
    check = bench_entry["crosscheck"]
    names = {"original_vs_floor", "daily_floor_vs_original", "project_vs_original", "daily_project_vs_original"}
    assert names <= set(check)
    for name in names:
        assert check[name].get("agree") is True, (name, check[name])
        assert check[name]["keys"] > 0


def test_ratios_targets_and_report_are_filled(bench_entry):
    assert bench_entry["engine"] == "trino"
    assert bench_entry["ratios"]["original_over_project"] is not None
    assert bench_entry["statement_ratios"]["statements_daily_project_over_original"] is not None
    assert set(bench_entry["targets"].values()) <= {"met", "missed"}
    text = report.markdown({"sizes": {"T-trino": bench_entry}})
    assert "| T-trino | daily floor | daily |" in text and "| T-trino | project | full |" in text


def test_next_run_starts_from_the_base_data(trino_server, bench_entry):
    target = TrinoTarget(trino_server.host, trino_server.port)
    assert trino_data.generate(target, TINY) is False  # reused, and reset to the base days
    assert trino_data.shape(target, TINY)["events"] == (
        sum(int(round(TINY.events_per_day * t.share)) for t in TABLES) * TINY.days)
