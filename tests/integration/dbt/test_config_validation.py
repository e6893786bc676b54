"""dbt's config validation (macros/config/sa_validate_config.sql) and the CLI's
(orchestrate/config.py) name the same fields for the same bad configurations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orchestrate.config import ConfigError, validate_config
from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, build_landing_fixture


def _metric(**changes: Any) -> list[dict[str, Any]]:
    metrics = fixture_config()["metrics"]
    metrics[0].update(changes)
    return metrics


BAD_CONFIGS: list[dict[str, Any]] = [
    fixture_config(colour="blue"),
    fixture_config(metrics=_metric(agg="median")),
    fixture_config(metrics=_metric(metric="revenue")),
    fixture_config(metrics=_metric(metric="Bad-Name")),
    fixture_config(metrics=_metric(source="a.b.c")),
    fixture_config(metrics=_metric(filter="1 = 1; drop table x")),
    fixture_config(metrics=_metric(agg="count_distinct", agg_col_name="1")),
    fixture_config(metrics=_metric(unknown_key=1)),
    fixture_config(time_window={"type": "interval", "lookback": "30d"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-02-30"}),
    fixture_config(time_window={"type": "range", "start_date": "2026-03-01", "end_date": "2026-02-01"}),
    fixture_config(time_window={"type": "sometimes"}),
    fixture_config(filters={"v5_flag": "v6"}),
    fixture_config(filters={"segments_to_include": "High"}),
    fixture_config(filters={"colour": "x"}),
    fixture_config(segment_sql_source="magic"),
    fixture_config(membership_basis="sometimes"),
    fixture_config(exact_counts="yes"),
    fixture_config(project_prefix="Bad Prefix"),
    fixture_config(profile_id_column="id; drop"),
]


def _python_fields(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    return [p.field for p in caught.value.problems]


def test_dbt_and_python_name_the_same_fields(dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    validate_config(fixture_config())  # the good config is good for both
    dbt_workspace.dbt(["run-operation", "sa_print_config_problems", "--args",
                       json.dumps({"configs": [fixture_config(), *BAD_CONFIGS]})])
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("SA_CONFIG_PROBLEMS ")]
    found = {int(index): json.loads(payload)
             for index, payload in (line.split(" ", 2)[1:] for line in lines)}
    assert len(found) == len(BAD_CONFIGS) + 1
    assert found[0] == []
    for number, config in enumerate(BAD_CONFIGS, start=1):
        dbt_fields = [field for field, _message in found[number]]
        assert dbt_fields == _python_fields(config), config
        assert all(message for _field, message in found[number])


def test_bad_config_stops_dbt_before_any_model(dbt_workspace: DbtWorkspace) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    bad = fixture_config(metrics=_metric(agg="median"),
                         filters={"ps_to_include": "(unclosed"})
    assert _python_fields(bad) == ["filters.ps_to_include", "metrics[0].agg"]
    with pytest.raises(DbtFailed) as caught:
        dbt_workspace.dbt(["run"], config=bad, run_date=RUN_DATE.isoformat())
    message = str(caught.value)
    assert "segment_analytics.filters.ps_to_include: invalid regex '(unclosed'" in message
    assert dbt_workspace.query(
        "select count(*) from information_schema.tables where table_name = 'int_segments__selected'") == [(0,)]
