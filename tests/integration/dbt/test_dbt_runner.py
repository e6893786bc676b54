"""orchestrate.dbt_runner: profile rendering, the generated profiles folder, failures that name
what failed, and the API key never shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestrate import dbt_runner
from orchestrate.http import register_secret
from tests.fixtures.dbt_project import PROJECT_DIR

SECRET = "12345/abcdefSECRETvalue"


def test_load_profile_target_renders_env_vars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", tmp_path / "profiles.yml")
    monkeypatch.setenv("SEGMENT_ANALYTICS_DUCKDB", "/data/x.duckdb")
    monkeypatch.setenv("TRINO_PORT", "18081")
    monkeypatch.delenv("TRINO_HOST", raising=False)
    duck = dbt_runner.load_profile_target(tmp_path, "duckdb")
    assert (duck["type"], duck["path"]) == ("duckdb", "/data/x.duckdb")
    assert dbt_runner.load_profile_target(tmp_path, None)["type"] == "duckdb"  # the profile's default target
    trino = dbt_runner.load_profile_target(tmp_path, "trino")
    assert trino["port"] == 18081 and trino["host"] == "127.0.0.1"


def test_td_profile_needs_the_key_and_never_prints_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", tmp_path / "profiles.yml")
    monkeypatch.delenv("TD_API_KEY", raising=False)
    with pytest.raises(dbt_runner.ProfileError) as caught:
        dbt_runner.load_profile_target(tmp_path, "td")
    assert "TD_API_KEY" in str(caught.value)
    monkeypatch.setenv("TD_API_KEY", SECRET)
    td = dbt_runner.load_profile_target(tmp_path, "td")
    assert td["user"] == SECRET and td["port"] == 443
    with pytest.raises(dbt_runner.ProfileError) as missing:
        dbt_runner.load_profile_target(tmp_path, "nope")
    assert "duckdb" in str(missing.value) and SECRET not in str(missing.value)


def test_ensure_profiles_dir_writes_the_example_when_there_is_none(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", project / "profiles.yml.example")
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(tmp_path / "state"))
    folder = dbt_runner.ensure_profiles_dir(project)
    assert folder == tmp_path / "state" / "profiles"
    assert (folder / "profiles.yml").read_text() == (project / "profiles.yml.example").read_text()
    with pytest.raises(dbt_runner.ProfileError):
        dbt_runner.ensure_profiles_dir(project, tmp_path / "empty")
    (project / "profiles.yml").write_text("segment_analytics: {}\n")
    assert dbt_runner.ensure_profiles_dir(project) == project


def test_dbt_failure_names_the_problem_and_redacts_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TD_API_KEY", SECRET)
    register_secret(SECRET)
    with pytest.raises(dbt_runner.DbtFailed) as caught:
        dbt_runner.run_dbt(["parse", "--log-path", str(tmp_path / "logs")], project_dir=tmp_path / "missing",
                           profiles_dir=tmp_path, target="duckdb", vars={"note": SECRET})
    message = str(caught.value)
    assert "dbt parse" in message and "failed" in message
    assert SECRET not in message
    assert "SECRET" not in str(dbt_runner.DbtFailed(f"boom {SECRET}"))
