"""`segment-analytics publish` end to end: CLI -> dbt target's DuckDB -> fake Insights API."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrate.cli import main
from segment_analytics_sandbox.fake_api.insights_routes import insights_state
from tests.fixtures.fake_api import TEST_API_KEY
from tests.fixtures.publish import publish_argv, publish_cli_env, start_insights_server

MODEL_KEY = "5151/climodelkeyreadsmartsonly42"


@pytest.fixture()
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    profiles = publish_cli_env(tmp_path, monkeypatch, MODEL_KEY)
    server = start_insights_server()
    try:
        yield server, profiles, tmp_path
    finally:
        server.stop()


def _argv(server, profiles, *extra: str) -> list[str]:
    return publish_argv(server.url, profiles, *extra)


def test_publish_command_creates_then_updates(setup, capsys):
    server, profiles, tmp_path = setup
    assert main(_argv(server, profiles)) == 0
    assert main(_argv(server, profiles)) == 0
    out = capsys.readouterr().out
    models = insights_state(server.state).models
    assert len(models) == 1
    (model,) = models.values()
    assert model.last_built is not None
    assert f"model 'segment_analytics' created (oid {model.oid})" in out
    assert f"model 'segment_analytics' updated (oid {model.oid})" in out
    assert "segment_analytics_final_metrics_table: 720 rows" in out
    assert (tmp_path / "state" / "insights_models.json").is_file()
    assert TEST_API_KEY.split("/")[1] not in out and MODEL_KEY.split("/")[1] not in out
    assert model.apikey == MODEL_KEY


def test_publish_command_reports_a_failed_build(setup, capsys):
    server, profiles, _ = setup
    insights_state(server.state).build_outcome = "failed"
    assert main(_argv(server, profiles)) == 1
    err = capsys.readouterr().err
    assert "segment-analytics publish: build" in err and "Access denied for the model's key" in err


def test_publish_dry_run_sends_nothing(setup, capsys):
    server, profiles, _ = setup
    assert main(_argv(server, profiles, "--dry-run")) == 0
    assert server.request_log == []
    out = capsys.readouterr().out
    assert '"type": "elasticube"' in out and '"apikey": "***"' in out and MODEL_KEY.split("/")[1] not in out


def test_publish_without_the_model_key_stops_before_any_request(setup, capsys, monkeypatch):
    server, profiles, tmp_path = setup
    monkeypatch.delenv("SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY")
    assert main(_argv(server, profiles)) == 1
    assert "SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY is not set" in capsys.readouterr().err
    assert server.request_log == [] and not (tmp_path / "state").exists()
    # A dry run still works, and says what is missing.
    assert main(_argv(server, profiles, "--dry-run")) == 0
    assert "SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY is not set: a real publish would stop here" in capsys.readouterr().out


def test_publish_refuses_td_api_key_as_the_model_key(setup, capsys, monkeypatch):
    server, profiles, _ = setup
    monkeypatch.setenv("SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY", TEST_API_KEY)
    assert main(_argv(server, profiles)) == 1
    err = capsys.readouterr().err
    assert "is the key publish runs with (TD_API_KEY)" in err and TEST_API_KEY.split("/")[1] not in err
    assert server.request_log == []
