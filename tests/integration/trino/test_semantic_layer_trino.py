"""The semantic layer on the local Trino: the demo built on Trino through the product's pull and
build, then the same `mf validate-configs` and `mf query` checks as on DuckDB
(tests/integration/semantic/checks.py), each result compared with SQL over the Trino marts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from orchestrate.dbt_runner import run_dbt
from segment_analytics_sandbox.demo.config import demo_vars
from segment_analytics_sandbox.demo.run import run_demo
from tests.integration.semantic import checks
from tests.integration.semantic.checks import Semantic, copy_project
from tests.integration.trino.pipeline import Engine, lockstep_runner

pytestmark = pytest.mark.trino

RUN_DATES = [dt.date(2026, 3, 30) + dt.timedelta(days=i) for i in range(2)]
SCHEMA = "sa_semantic"
USER = "sa_semantic"


@pytest.fixture(scope="module")
def semantic(trino_server, tmp_path_factory: pytest.TempPathFactory) -> Semantic:  # noqa: ANN001 - TrinoServer
    work = tmp_path_factory.mktemp("semantic_trino")
    engines = [Engine("trino", "trino", env={**trino_server.profile_env(SCHEMA), "TRINO_USER": USER})]
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_TARGET_PATH", str(work / "target"))
    patch.setenv("DBT_LOG_PATH", str(work / "logs"))
    patch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(work / "state"))
    try:
        runner = lockstep_runner(engines, trino_server, work, seed_value=7, n_profiles=200, run_dates=RUN_DATES)
        run_demo(work, work / "demo.duckdb", RUN_DATES, seed_value=7, n_profiles=200, runner=runner)
    finally:
        patch.undo()
    project = copy_project(work / "project")
    profiles = work / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "segment_analytics:\n  target: trino\n  outputs:\n    trino:\n      type: trino\n      method: none\n"
        f"      host: '{trino_server.host}'\n      port: {trino_server.port}\n      user: {USER}\n"
        f"      catalog: {trino_server.catalog}\n      schema: {SCHEMA}\n      http_scheme: http\n"
        "      threads: 1\n      views_enabled: false\n", encoding="utf-8")
    patch.delenv("DBT_TARGET_PATH", raising=False)
    try:  # the semantic manifest for this target, in <project>/target where mf reads it
        run_dbt(["parse", "--log-path", str(work / "logs")], project_dir=project, profiles_dir=profiles,
                target="trino", vars=demo_vars())
    finally:
        patch.undo()
    assert (project / "target" / "semantic_manifest.json").is_file()

    def sql(text: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in trino_server.query(text, schema=SCHEMA)]

    return Semantic(project, profiles, sql)


def test_mf_validate_configs_passes_on_trino(semantic: Semantic) -> None:
    checks.check_validate_configs(semantic)


def test_revenue_by_segment_name_by_week_on_trino(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_revenue_by_segment_name_by_week(semantic, tmp_path)


def test_orders_by_month_on_trino(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_orders_by_month(semantic, tmp_path)


def test_population_by_week_on_trino(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_population_by_week_is_each_segments_last_day_not_a_sum_of_days(semantic, tmp_path)


def test_average_per_profile_is_a_ratio_of_sums_on_trino(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_average_per_profile_is_a_ratio_of_sums(semantic, tmp_path)


def test_weekly_unique_profiles_on_trino(semantic: Semantic, tmp_path: Path) -> None:
    checks.check_weekly_unique_profiles_are_the_last_day_with_data_per_segment(semantic, tmp_path)
