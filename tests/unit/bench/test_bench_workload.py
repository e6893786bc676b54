"""The benchmark's generator is deterministic and its contenders compute the same numbers (tiny size)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from bench import floor, original
from bench.crosscheck import crosscheck
from bench.generate import add_new_day, generate
from bench.sizes import get_size
from bench.workload import AUDIENCE_SCHEMA, BEHAVIOR_SCHEMA, TABLES
from segment_analytics_sandbox.synthetic.segments import make_segments

TINY = get_size("T")


def _dump(path) -> dict[str, list[tuple]]:
    tables = [f'"{BEHAVIOR_SCHEMA}"."{t.name}"' for t in TABLES] + [
        '"cdp_audience_1001"."customers"',
        "main.cdp_landing__segments",
        "main.cdp_landing__segment_sql",
    ]
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return generate(TINY, directory=tmp_path_factory.mktemp("bench_a"))


def test_generator_is_deterministic(tiny_base, tmp_path):
    again = generate(TINY, directory=tmp_path, force=True)
    first, second = _dump(tiny_base), _dump(again)
    assert first == second
    events = sum(len(first[f'"{BEHAVIOR_SCHEMA}"."{t.name}"']) for t in TABLES)
    assert events == sum(int(round(TINY.events_per_day * t.share)) for t in TABLES) * TINY.days


def test_segments_have_members_and_escaped_names(tiny_base):
    with duckdb.connect(str(tiny_base), read_only=True) as con:
        rows = con.execute("select segment_name, population from main.cdp_landing__segments").fetchall()
    assert len(rows) == TINY.segments
    assert all(population > 0 for _, population in rows)
    assert any("'" in name and '"' in name for name, _ in rows)


def test_new_day_adds_one_day_of_events(tiny_base, tmp_path):
    db = tmp_path / "inc.duckdb"
    shutil.copyfile(tiny_base, db)
    new_run_date = add_new_day(db, TINY)
    with duckdb.connect(str(db)) as con:
        days = con.execute(
            f'select count(distinct time // 86400), max(time) // 86400 from "{BEHAVIOR_SCHEMA}"."orders"'
        ).fetchone()
        run_dates = con.execute("select distinct run_date from main.cdp_landing__segments").fetchall()
    assert days[0] == TINY.days + 1
    assert run_dates == [(new_run_date,)]


def test_original_pattern_matches_floor_and_a_naive_count(tiny_base, tmp_path):
    orig_db, floor_db = tmp_path / "original.duckdb", tmp_path / "floor.duckdb"
    shutil.copyfile(tiny_base, orig_db)
    shutil.copyfile(tiny_base, floor_db)
    with duckdb.connect(str(orig_db)) as con:
        statements = original.run(con, TINY.run_date)["statements"]
        kpi_pageviews = con.execute(
            f"select sum(metric_value) from {original.t('kpis_combined')} where metric_name = 'pageviews'"
        ).fetchone()[0]
        final_rows = con.execute(f"select count(*) from {original.t('final_metrics_table')}").fetchone()[0]
        # Independent oracle: each segment's member SQL run as-is, events counted per member.
        naive = sum(
            con.execute(
                f'select count(*) from "{BEHAVIOR_SCHEMA}"."pageviews" e '
                f"where e.td_canonical_id in (select td_canonical_id from ({s.sql}) s)"
            ).fetchone()[0]
            for s in make_segments(TINY.segments, TINY.seed, AUDIENCE_SCHEMA)
        )
    # one INSERT per segment, one aggregation per source table, one combine per table x metric
    assert statements >= TINY.segments + len(TABLES) + sum(len(t.metrics) for t in TABLES)
    assert kpi_pageviews == naive > 0
    assert final_rows > 0
    with duckdb.connect(str(floor_db)) as con:
        floor.run(con)
    check = crosscheck(orig_db, floor_db, None, TINY.run_date)["original_vs_floor"]
    assert check["keys"] > 0
    assert check["mismatches"] == 0, check


def test_select_list_rewrite_escapes_names_and_rejects_foreign_sql():
    row = {"ps_name": "P'S", "ps_population": 5, "v5_flag": 1, "folder_name": "F", "segment_id": "7",
           "segment_name": "it's \"x\"", "segment_population": 3}
    sql = original.rewrite_select_list('select\n  a.*\nfrom "s"."customers" a\nwhere (\n  (a."x" = 1)\n)', row, 0)
    assert "'it''s \"x\"' as segment_name" in sql and "'P''S' as ps_name" in sql
    assert 'from "s"."customers" a where' in sql
    with pytest.raises(ValueError, match="segment 7"):
        original.rewrite_select_list("select b.id from t b", row, 0)


def test_original_daily_run_adds_only_the_new_day(tiny_base, tmp_path):
    """The original's steady-state daily path: after a full run, one new day of events and an
    unchanged pull give KPI rows for that day only, equal to a naive count, with query_change 0."""
    db = tmp_path / "original.duckdb"
    shutil.copyfile(tiny_base, db)
    with duckdb.connect(str(db)) as con:
        original.run(con, TINY.run_date)
        before = con.execute(f"select count(*), max(time) from {original.t('kpis_combined')}").fetchone()
    new_run_date = add_new_day(db, TINY)
    new_day = TINY.run_date.isoformat()
    with duckdb.connect(str(db)) as con:
        stages = original.run(con, new_run_date, daily=True)["stages"]
        added = con.execute(
            f"select distinct event_date from {original.t('kpis_combined')} where time > {before[1]}"
        ).fetchall()
        kpi_pageviews = con.execute(
            f"select sum(metric_value) from {original.t('kpis_combined')} "
            f"where metric_name = 'pageviews' and event_date = '{new_day}'"
        ).fetchone()[0]
        naive = sum(
            con.execute(
                f'select count(*) from "{BEHAVIOR_SCHEMA}"."pageviews" e '
                f"where e.td_canonical_id in (select td_canonical_id from ({s.sql}) s) "
                f"and strftime(make_timestamp(e.time * 1000000), '%Y-%m-%d') = '{new_day}'"
            ).fetchone()[0]
            for s in make_segments(TINY.segments, TINY.seed, AUDIENCE_SCHEMA)
        )
        changes = con.execute(
            f"select distinct query_change from {original.t('final_metrics_table')} "
            f"where time = (select max(time) from {original.t('final_metrics_table')})"
        ).fetchall()
        total = con.execute(f"select count(*) from {original.t('kpis_combined')}").fetchone()[0]
    assert "lookup_and_new_metrics_check" in stages and "max_event_date_per_table" in stages
    assert added == [(new_day,)]
    assert kpi_pageviews == naive > 0
    assert changes == [(0,)]
    assert total > before[0]


def test_ab_tests_variant_configures_valid_tests_over_the_synthetic_segments(monkeypatch) -> None:
    from bench import project
    from orchestrate.config import validate_config

    run_date = TINY.run_date
    assert project.bench_vars(run_date)["segment_analytics"]["ab_tests"] == []  # off unless asked
    monkeypatch.setenv(project.AB_TESTS_ENV, "2")
    settings = project.bench_vars(run_date)["segment_analytics"]
    config = validate_config(settings)  # raises naming the field on any mistake
    ids = {s.segment_id for s in make_segments(TINY.segments, TINY.seed, AUDIENCE_SCHEMA)}
    tests = settings["ab_tests"]
    assert [t["name"] for t in tests] == ["bench_test_0", "bench_test_1"]
    assert all({t["control"], *t["variants"]} <= ids for t in tests)
    assert len(config.ab_tests) == 2
