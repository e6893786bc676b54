"""The project's dbt-native quality checks on DuckDB, on one build of the landing fixture:

- its `unit_tests:` (given rows, exact expected rows) all pass, and there are at least ten;
- every model, snapshot, seed and source is described, and so is every column it has (the catalog of
  `dbt docs generate`) and every public macro (the manifest);
- the stable marts enforce contracts: every column declared with its data type.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from orchestrate.config import validate_config
from orchestrate.generated.wide_columns import FIXED_COLUMNS, metric_columns
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import build_landing_fixture

PACKAGE = "segment_analytics"
CONTRACT_MARTS = ("dim_segments", "fct_segment_metrics_daily", "fct_segment_population_daily",
                  "fct_segment_population_runs", "fct_segment_rule_changes")
# dbt's own macro names this project overrides, and the folders whose every entry point is public.
PUBLIC_MACRO_FOLDERS = ("macros/cross_engine/", "macros/td/")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtWorkspace:
    root: Path = tmp_path_factory.mktemp("dbt_quality")
    workspace = DbtWorkspace(root=root, db_path=root / "fixture.duckdb")
    workspace.write_profile()
    build_landing_fixture(workspace.db_path)
    # unit tests need their parents' tables (for the column types): build everything else first
    workspace.dbt(["build", "--exclude-resource-type", "unit_test"])
    workspace.dbt(["docs", "generate"])
    return workspace


def _artifact(workspace: DbtWorkspace, name: str) -> dict[str, Any]:
    return json.loads((workspace.root / "target" / name).read_text(encoding="utf-8"))


def test_unit_tests_pass_and_there_are_at_least_ten(built: DbtWorkspace) -> None:
    built.dbt(["test", "--select", "test_type:unit"])  # raises DbtFailed naming any failing test
    results = _artifact(built, "run_results.json")["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 10, [r["unique_id"] for r in unit]
    assert {r["status"] for r in unit} == {"pass"}
    manifest = _artifact(built, "manifest.json")
    assert len(manifest["unit_tests"]) == len(unit)  # every unit test ran


def _undocumented_columns(manifest: dict[str, Any], catalog: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    nodes = {**manifest["nodes"], **manifest["sources"]}
    built_columns = {**catalog["nodes"], **catalog["sources"]}
    for uid, node in nodes.items():
        if node["resource_type"] not in ("model", "snapshot", "seed", "source"):
            continue
        if node["package_name"] != PACKAGE:
            continue
        if node["name"] == "fct_segment_metrics_wide":
            continue  # its metric columns follow the configuration: checked below
        problems = [] if node.get("description") else ["(the node itself)"]
        declared = {name.lower(): c.get("description") for name, c in node["columns"].items()}
        problems += [name for name, text in declared.items() if not text]
        actual = [name.lower() for name in built_columns.get(uid, {}).get("columns", {})]
        problems += [name for name in actual if name not in declared]
        if node["resource_type"] == "seed":
            header = next(csv.reader((PROJECT_DIR / node["original_file_path"]).open(encoding="utf-8")))
            problems += [name for name in header if name.lower() not in declared]
        if not actual and node["resource_type"] != "seed" and node["config"].get("materialized") != "ephemeral":
            problems.append("(not in the catalog: not built?)")
        if problems:
            found[uid] = problems
    return found


def test_every_node_and_column_is_documented(built: DbtWorkspace) -> None:
    manifest, catalog = _artifact(built, "manifest.json"), _artifact(built, "catalog.json")
    assert _undocumented_columns(manifest, catalog) == {}


def test_the_wide_marts_columns_are_described_from_the_metric_configuration(built: DbtWorkspace) -> None:
    catalog = _artifact(built, "catalog.json")
    actual = [c.lower() for c in catalog["nodes"]["model.segment_analytics.fct_segment_metrics_wide"]["columns"]]
    config = validate_config(fixture_config())
    described = [c["name"] for c in FIXED_COLUMNS] + [
        c["name"] for m in config.metrics for c in metric_columns(m) if c["description"]]
    assert sorted(actual) == sorted(described)
    assert len(actual) == len(FIXED_COLUMNS) + 3 * len(config.metrics)


def _public_macros(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    called = {m for node in manifest["nodes"].values() for m in node.get("depends_on", {}).get("macros", [])}
    public = {}
    for uid, macro in manifest["macros"].items():
        name, path = macro["name"], macro["original_file_path"]
        if macro["package_name"] != PACKAGE:
            continue
        if name.startswith(("default__", "duckdb__", "trino__", "_")):
            continue  # an engine's implementation of a dispatched macro, or private by name
        if (uid in called or name.startswith(("test_", "materialization_", "snapshot_"))
                or path.startswith(PUBLIC_MACRO_FOLDERS)):
            public[uid] = macro
    return public


def test_every_public_macro_has_a_yaml_description(built: DbtWorkspace) -> None:
    public = _public_macros(_artifact(built, "manifest.json"))
    assert len(public) > 50  # the selection itself works (models call dozens of them)
    missing = sorted(m["name"] for m in public.values() if not m["description"])
    assert missing == []
    patched = {m["patch_path"].split("://")[-1].rsplit("/", 1)[0] for m in public.values()}
    folders = {m["original_file_path"].rsplit("/", 1)[0] for m in public.values()}
    assert patched == folders  # each folder's macros are described in that folder's YAML


def test_the_stable_marts_enforce_contracts_with_every_data_type(built: DbtWorkspace) -> None:
    nodes = _artifact(built, "manifest.json")["nodes"]
    catalog = _artifact(built, "catalog.json")["nodes"]
    for name in CONTRACT_MARTS:
        node = nodes[f"model.{PACKAGE}.{name}"]
        assert node["config"]["contract"]["enforced"] is True, name
        declared = [(c["name"], c["data_type"]) for c in node["columns"].values()]
        assert all(data_type for _, data_type in declared), name
        # the table has exactly the declared columns, in the declared order
        built_columns = sorted(catalog[node["unique_id"]]["columns"].values(), key=lambda c: c["index"])
        assert [c["name"] for c in built_columns] == [n for n, _ in declared], name


def test_every_persisted_model_is_named_under_the_project_prefix(built: DbtWorkspace) -> None:
    """A host project holds its own tables beside ours: every model that is written to the warehouse
    (not ephemeral) is aliased `<project_prefix>_...` (sa_relation_alias, sa_mart_alias)."""
    prefix = fixture_config()["project_prefix"]
    nodes = _artifact(built, "manifest.json")["nodes"]
    models = [n for n in nodes.values() if n["resource_type"] == "model" and n["package_name"] == PACKAGE]
    persisted = [n for n in models if n["config"]["materialized"] != "ephemeral"]
    assert len(persisted) > 20
    unprefixed = sorted(n["name"] for n in persisted if not n["alias"].startswith(f"{prefix}_"))
    assert unprefixed == []
