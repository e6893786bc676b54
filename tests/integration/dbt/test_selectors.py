"""selectors.yml: each selector selects exactly its nodes (`dbt ls --selector ...`), checked
against the manifest: `full` every model, snapshot and test of the package, `daily` the same without
the static time spine, `history` the snapshots and what derives from them, `report_inputs` the marts
the report and the Insights datamodel read (the exposures' parents)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.dbt_project import DbtWorkspace

PACKAGE = "segment_analytics"
BUILT = ("model", "snapshot", "test")
TIME_SPINE = "model.segment_analytics.sem_time_spine_day"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DbtWorkspace:
    root = tmp_path_factory.mktemp("selectors")
    ws = DbtWorkspace(root=root, db_path=root / "selectors.duckdb")
    ws.write_profile()
    ws.dbt(["parse"])
    return ws


@pytest.fixture(scope="module")
def manifest(workspace: DbtWorkspace) -> dict[str, Any]:
    return json.loads((workspace.root / "target" / "manifest.json").read_text())


def _ls(workspace: DbtWorkspace, selector: str, resource_types: tuple[str, ...] = BUILT) -> set[str]:
    args = ["ls", "--selector", selector, "--output", "json", "--output-keys", "unique_id", "--quiet"]
    for resource_type in resource_types:
        args += ["--resource-type", resource_type]
    result = workspace.dbt(args).result
    return {json.loads(line)["unique_id"] for line in result}


def _package_nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {uid: node for uid, node in manifest["nodes"].items()
            if node["package_name"] == PACKAGE and node["resource_type"] in BUILT}


def _tests_on(manifest: dict[str, Any], nodes: set[str]) -> set[str]:
    """Tests with a parent among `nodes` (dbt's default, eager, indirect selection)."""
    return {uid for uid, node in _package_nodes(manifest).items()
            if node["resource_type"] == "test" and set(node["depends_on"]["nodes"]) & nodes}


def test_full_is_every_model_snapshot_and_test_of_the_package(workspace: DbtWorkspace, manifest: dict) -> None:
    expected = set(_package_nodes(manifest))
    assert TIME_SPINE in expected and "snapshot.segment_analytics.snp_segment_rules" in expected
    assert _ls(workspace, "full") == expected
    assert _ls(workspace, "full", ("seed", "unit_test")) == set()


def test_daily_is_full_without_the_time_spine(workspace: DbtWorkspace, manifest: dict) -> None:
    spine_tests = _tests_on(manifest, {TIME_SPINE})
    assert len(spine_tests) == 2  # sa_not_null_columns, unique
    assert _ls(workspace, "daily") == set(_package_nodes(manifest)) - {TIME_SPINE} - spine_tests


def test_history_is_the_snapshots_and_what_derives_from_them(workspace: DbtWorkspace, manifest: dict) -> None:
    expected = {
        "snapshot.segment_analytics.snp_segment_rules",
        "snapshot.segment_analytics.snp_segment_membership",
        "model.segment_analytics.hist_rule_versions",
        "model.segment_analytics.hist_membership_intervals",
        "model.segment_analytics.hist_api_populations",
        "model.segment_analytics.hist_query_change",
        "model.segment_analytics.fct_segment_rule_changes",
        "model.segment_analytics.fct_segment_population_daily",
    }
    assert _ls(workspace, "history", ("model", "snapshot")) == expected
    assert _ls(workspace, "history") == expected | _tests_on(manifest, expected)


def test_report_inputs_are_the_marts_the_report_and_publish_read(workspace: DbtWorkspace, manifest: dict) -> None:
    core = {f"model.segment_analytics.{name}" for name in (
        "dim_segments", "fct_segment_population_runs", "fct_segment_population_daily",
        "fct_segment_metrics_daily", "fct_segment_metrics_wide", "fct_segment_rule_changes")}
    exposed = {node for exposure in manifest["exposures"].values() for node in exposure["depends_on"]["nodes"]}
    assert core <= exposed  # the marts the report and publish read are declared as the exposures' parents
    assert _ls(workspace, "report_inputs", ("model", "snapshot")) == exposed
    assert _ls(workspace, "report_inputs", ("exposure",)) == set(manifest["exposures"])
