"""dbt reads `ab_tests` as the CLI does: sa_cfg()'s normalised tests equal Config.as_vars()'s."""

from __future__ import annotations

import json

import pytest

from orchestrate.config import validate_config
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config

TESTS = [
    {"name": "checkout", "control": "s1", "variants": ["Variant B"], "start_date": "2026-03-01"},
    {"name": "t2", "control": 101, "variants": [102, "103"], "start_date": "2026-03-01", "end_date": "2026-04-01",
     "metrics": ["orders", "revenue", "orders"], "expected_split": [2, 1, 1.5]},
]


def test_dbt_normalises_ab_tests_like_the_cli(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    config = fixture_config(ab_tests=TESTS)
    capfd.readouterr()
    dbt_workspace.dbt(["run-operation", "sa_print_config", "--args", json.dumps({"configs": [config]})])
    line = next(x for x in capfd.readouterr().out.splitlines() if x.startswith("SA_CONFIG 0 "))
    assert json.loads(line.split(" ", 2)[2])["ab_tests"] == validate_config(config).as_vars()["ab_tests"]
