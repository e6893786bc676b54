"""The semantic layer on DuckDB: the demo (a small seed of it) built in a copy of the project, then
`mf validate-configs` and real `mf query` runs, each result compared with SQL written here over the
marts (never MetricFlow's SQL; tests/integration/semantic/checks.py): revenue by segment name by
week, orders by month, population and entries by week (the population is the last day of the week
per segment, never a sum of days), the average per active profile-day as a ratio of sums (not an
average of the daily averages), and weekly unique profiles (the last day of the week with data, per
segment)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from segment_analytics_sandbox.demo.run import run_demo
from tests.integration.semantic import checks
from tests.integration.semantic.checks import Semantic, copy_project

RUN_DATES = [dt.date(2026, 3, 30) + dt.timedelta(days=i) for i in range(3)]


def _duckdb_sql(db_path: Path):  # noqa: ANN202 - a query function
    def sql(text: str) -> list[tuple[Any, ...]]:
        conn = duckdb.connect(str(db_path), read_only=True)  # closed again before mf opens the file
        try:
            return conn.execute(text).fetchall()
        finally:
            conn.close()
    return sql


@pytest.fixture(scope="module")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> Semantic:
    work = tmp_path_factory.mktemp("semantic")
    project = copy_project(work / "project")
    db_path = work / "demo.duckdb"
    patch = pytest.MonkeyPatch()
    patch.delenv("DBT_TARGET_PATH", raising=False)  # the build's semantic manifest must be in <project>/target
    patch.setenv("DBT_LOG_PATH", str(work / "logs"))
    patch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(work / "state"))
    try:
        run_demo(work / "demo", db_path, RUN_DATES, seed_value=7, n_profiles=300, project_dir=project)
    finally:
        patch.undo()
    assert (project / "target" / "semantic_manifest.json").is_file()
    profiles = work / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "segment_analytics:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: '{db_path}'\n      schema: main\n      threads: 1\n", encoding="utf-8")
    return Semantic(project, profiles, _duckdb_sql(db_path))


def test_mf_validate_configs_passes_with_warehouse_checks(semantic: Semantic) -> None:
    checks.check_validate_configs(semantic)


def test_revenue_by_segment_name_by_week(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_revenue_by_segment_name_by_week(semantic, tmp_path)


def test_orders_by_month(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_orders_by_month(semantic, tmp_path)


def test_population_by_week_is_each_segments_last_day(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_population_by_week_is_each_segments_last_day_not_a_sum_of_days(semantic, tmp_path)


def test_average_per_profile_is_a_ratio_of_sums(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_average_per_profile_is_a_ratio_of_sums(semantic, tmp_path)


def test_weekly_unique_profiles_are_the_last_day_with_data(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_weekly_unique_profiles_are_the_last_day_with_data_per_segment(semantic, tmp_path)
