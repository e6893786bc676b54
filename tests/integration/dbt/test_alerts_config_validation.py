"""dbt's validation of `segment_analytics.alerts` (macros/config/sa_alerts.sql) gives the very same
[field, message] list as the CLI's (orchestrate/config/alerts.py) for every mistake, and dbt fills
the same defaults in (sa_cfg)."""

from __future__ import annotations

import json

import pytest

from orchestrate.config import validate_config
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.integration.dbt.test_config_validation import dbt_problems
from tests.unit.config.test_alerts_config import MISTAKES

GOOD = {
    "authorized_editors": ["Alice", 7],
    "population": {"zscore": {"seasonality": "day_of_week"}, "direction": "drop"},
    "metrics": {"default": {"pct_change": 50, "zscore": None}, "overrides": {"orders": {"min_abs_change": 5},
                                                                            "revenue": {"zscore": {"sensitivity": 2}}}},
    "mutes": [{"segment": "VIP", "until": "2026-06-01"}],
    "destinations": [{"type": "slack", "url_env": "SLACK_URL"}],
}


def test_dbt_names_every_alerts_mistake_as_the_cli_does(dbt_workspace: DbtWorkspace,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    configs = [fixture_config(alerts=GOOD)] + [fixture_config(alerts=alerts) for alerts, _ in MISTAKES]
    found = dbt_problems(dbt_workspace, capfd, configs)
    assert found[0] == []
    for (alerts, expected), dbt in zip(MISTAKES, found[1:], strict=True):
        assert dbt == [list(pair) for pair in expected], alerts


def test_dbt_fills_the_same_alert_defaults(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    configs = [fixture_config(), fixture_config(alerts=GOOD)]
    dbt_workspace.dbt(["run-operation", "sa_print_config", "--args", json.dumps({"configs": configs})])
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("SA_CONFIG ")]
    seen = {int(i): json.loads(payload)["alerts"] for i, payload in (line.split(" ", 2)[1:] for line in lines)}
    for index, config in enumerate(configs):
        python = validate_config(config).as_vars()["alerts"]
        # the rules as dbt's models read them (destinations get their names from the CLI's validation)
        for key in ("population", "metrics", "rule_change", "segment_deleted", "stale_data", "pull_failed",
                    "dbt_test_severity"):
            assert seen[index][key] == python[key], key
    assert seen[1]["metrics"]["overrides"]["orders"]["zscore"] is None
    assert seen[1]["metrics"]["overrides"]["revenue"]["zscore"] == {
        "sensitivity": 2, "training_days": 14, "detection_days": 2, "seasonality": "none"}
