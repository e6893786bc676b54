"""The API key never reaches dbt's output (DBT_ENV_SECRET_* scrubbing) or a landing row."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from dbt_common.events.functions import env_scrubber

from orchestrate import dbt_runner
from orchestrate.http import register_secret
from orchestrate.warehouse.base import row_values

KEY = "777/unit-FAKE-secret-9d8c7b6a5f"


def test_dbt_sees_the_key_only_under_secret_names_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TD_API_KEY", KEY)
    monkeypatch.delenv("DBT_ENV_SECRET_TD_API_KEY", raising=False)
    assert env_scrubber(f"user: {KEY}") == f"user: {KEY}"  # nothing scrubs it outside the shim's dbt call
    with dbt_runner.dbt_secret_env():
        assert os.environ["DBT_ENV_SECRET_TD_API_KEY"] == KEY
        assert env_scrubber(f"user: {KEY}") == "user: *****"
        assert KEY.split("/", 1)[1] not in env_scrubber(f"half: {KEY.split('/', 1)[1]}")
    assert "DBT_ENV_SECRET_TD_API_KEY" not in os.environ
    assert not [k for k in os.environ if k.startswith("DBT_ENV_SECRET_SEGMENT_ANALYTICS")]


def test_a_users_own_secret_variable_is_kept_and_the_shim_key_still_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TD_API_KEY", KEY)
    monkeypatch.setenv("DBT_ENV_SECRET_TD_API_KEY", "999/another-key-entirely")
    with dbt_runner.dbt_secret_env():
        assert os.environ["DBT_ENV_SECRET_TD_API_KEY"] == "999/another-key-entirely"
        assert env_scrubber(KEY) == "*****"
    assert os.environ["DBT_ENV_SECRET_TD_API_KEY"] == "999/another-key-entirely"


def test_the_td_profile_reads_the_key_from_td_api_key_for_the_shim(tmp_path, monkeypatch) -> None:
    (tmp_path / "profiles.yml").write_text(
        (Path(__file__).resolve().parents[3] / "profiles.yml.example").read_text(encoding="utf-8"),
        encoding="utf-8")
    monkeypatch.delenv("DBT_ENV_SECRET_TD_API_KEY", raising=False)
    monkeypatch.delenv("TD_API_KEY", raising=False)
    with pytest.raises(dbt_runner.ProfileError, match="set TD_API_KEY"):
        dbt_runner.load_profile_target(tmp_path, "td")
    monkeypatch.setenv("TD_API_KEY", KEY)
    assert dbt_runner.load_profile_target(tmp_path, "td")["user"] == KEY


def test_no_landing_row_holds_a_registered_secret() -> None:
    register_secret(KEY)
    values = row_values("cdp_landing__pull_runs", {
        "pull_id": "p", "run_date": date(2026, 1, 1), "started_at": datetime(2026, 1, 1), "status": "success",
        "problems": f'[{{"reason": "echoed {KEY} and {KEY.split("/", 1)[1]}"}}]', "requests": 3})
    assert not any(KEY.split("/", 1)[1] in str(v) for v in values)
    assert values[-1] == '[{"reason": "echoed *** and ***"}]' and values[-2] == 3
