"""State-aware builds: a metric's definition changed in vars marks exactly the models that compute
or lay out the metrics `state:modified` (they carry a hash of the metric configuration in their
config); a change elsewhere in the configuration marks none of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fixtures.dbt_project import DbtWorkspace, fixture_config

METRIC_MODELS = {f"model.segment_analytics.{name}" for name in (
    "int_metric_coverage__watermarks",
    "int_metric_events__member_days",
    "int_metric_events__segment_days",
    "fct_segment_metrics_daily",
    "fct_segment_metrics_daily_coverage",
    "fct_segment_metrics_wide",
)}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtWorkspace, Path]:
    root = tmp_path_factory.mktemp("state")
    ws = DbtWorkspace(root=root, db_path=root / "state.duckdb")
    ws.write_profile()
    ws.dbt(["parse"])
    state = root / "state"
    state.mkdir()
    shutil.copy(root / "target" / "manifest.json", state / "manifest.json")
    return ws, state


def _modified_models(ws: DbtWorkspace, state: Path, config: dict) -> set[str]:
    result = ws.dbt(["ls", "--select", "state:modified", "--state", str(state), "--resource-type", "model",
                     "--output", "json", "--output-keys", "unique_id", "--quiet"], config=config).result
    return {json.loads(line)["unique_id"] for line in result}


def _with_metric(config: dict, name: str, **changes: str) -> dict:
    for metric in config["metrics"]:
        if metric["metric"] == name:
            metric.update(changes)
    return config


def test_unchanged_configuration_modifies_nothing(workspace: tuple[DbtWorkspace, Path]) -> None:
    assert _modified_models(*workspace, fixture_config()) == set()


def test_a_changed_metric_definition_marks_exactly_the_metric_models(workspace: tuple[DbtWorkspace, Path]) -> None:
    ws, state = workspace
    assert _modified_models(ws, state, _with_metric(fixture_config(), "revenue", agg_col_name="items")) == METRIC_MODELS
    assert _modified_models(ws, state, _with_metric(fixture_config(), "email_opens",
                                                    filter="event_type = 'opened'")) == METRIC_MODELS


def test_an_added_metric_marks_the_metric_models(workspace: tuple[DbtWorkspace, Path]) -> None:
    ws, state = workspace
    config = fixture_config()
    config["metrics"].append({"metric": "items", "agg": "sum", "agg_col_name": "items",
                              "source": "demo_behaviors.orders", "join_key": "td_canonical_id",
                              "unixtime_col": "time"})
    assert _modified_models(ws, state, config) == METRIC_MODELS


def test_an_unrelated_configuration_change_marks_none_of_them(workspace: tuple[DbtWorkspace, Path]) -> None:
    ws, state = workspace
    assert _modified_models(ws, state, fixture_config(exact_counts=False)) == set()
    filters = {"v5_flag": "both", "ps_to_include": "", "folders_to_include": "", "segments_to_include": "vip"}
    assert _modified_models(ws, state, fixture_config(filters=filters)) == set()
