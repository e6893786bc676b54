"""Treasure Data mode is one rule for the shim and for dbt: orchestrate/warehouse/td_mode.py and
macros/td/td_mode.sql give the same answer on one table of cases, the dbt side through real
`dbt run-operation` invocations on real profile outputs (what dbt-trino puts in `target`).

No case depends on the target's name: TD targets are named `prod`, a plain Trino one is named `td`.
Nothing here connects to a warehouse (the macro reads only `target` and vars).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate.warehouse.td_mode import setting_of, td_mode
from tests.integration.trino.dbt_cli import run_dbt

REPO_ROOT = Path(__file__).resolve().parents[3]
MARKER = "SA_TD_MODE="

PROBE = """\
{% macro sa_td_mode_probe() %}
  {% do print('""" + MARKER + """' ~ ('true' if segment_analytics.sa_td_mode() else 'false')) %}
{% endmacro %}
"""


def _trino(host: str, database: str) -> dict[str, Any]:
    return {"type": "trino", "method": "none", "host": host, "port": 443, "user": "someone",
            "database": database, "schema": "sa", "http_scheme": "https", "threads": 1}


# (target name, profile output, vars, expected)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("prod", _trino("api-presto.treasuredata.com", "td"), {}, True),
    ("prod", _trino("api-presto.eu01.treasuredata.com", "td"), {}, True),
    ("prod", _trino("api-presto.treasuredata.co.jp", "td"), {}, True),
    ("prod", _trino("API-Presto.AP02.TreasureData.com.", "other"), {}, True),  # the host alone decides
    ("prod", _trino("127.0.0.1", "td"), {}, True),  # the catalog alone decides
    ("prod", _trino("127.0.0.1", "TD"), {}, True),
    ("td", _trino("127.0.0.1", "iceberg"), {}, False),  # the name `td` means nothing
    ("td", _trino("trino.example.com", "hive"), {}, False),
    ("prod", _trino("treasuredata.com.evil.example", "iceberg"), {}, False),  # look-alikes are not TD
    ("prod", _trino("evil-treasuredata.com", "iceberg"), {}, False),
    ("prod", _trino("mytreasuredata.co.jp", "iceberg"), {}, False),
    ("td", {"type": "duckdb", "path": "unused.duckdb", "schema": "main", "threads": 1}, {}, False),
    # the setting wins over the connection, both ways; the top-level var is the same setting
    ("prod", _trino("127.0.0.1", "iceberg"), {"segment_analytics": {"td_mode": True}}, True),
    ("prod", _trino("api-presto.treasuredata.com", "td"), {"segment_analytics": {"td_mode": False}}, False),
    ("prod", _trino("127.0.0.1", "iceberg"), {"td_mode": True}, True),
    ("prod", _trino("api-presto.treasuredata.com", "td"), {"td_mode": "false"}, False),
    ("prod", _trino("api-presto.treasuredata.com", "td"), {"segment_analytics": {"td_mode": "auto"}}, True),
    ("prod", _trino("127.0.0.1", "td"), {"segment_analytics": {"td_mode": "auto"}, "td_mode": False}, False),
    ("prod", _trino("127.0.0.1", "iceberg"), {"segment_analytics": {"td_mode": True}, "td_mode": False}, True),
]


@pytest.fixture(scope="module")
def probe_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project named like this one holding the repository's macros/td/td_mode.sql, one output per case."""
    folder = tmp_path_factory.mktemp("td_mode_rule")
    (folder / "macros").mkdir()
    shutil.copy(REPO_ROOT / "macros" / "td" / "td_mode.sql", folder / "macros" / "td_mode.sql")
    (folder / "macros" / "probe.sql").write_text(PROBE, encoding="utf-8")
    (folder / "dbt_project.yml").write_text(
        'name: segment_analytics\nversion: "1.0"\nconfig-version: 2\nprofile: rule_probe\nmacro-paths: ["macros"]\n',
        encoding="utf-8")
    outputs = {}
    for index, (name, output, _vars, _expected) in enumerate(CASES):
        outputs[f"{name}_{index}"] = output
    (folder / "profiles.yml").write_text(
        yaml.safe_dump({"rule_probe": {"target": next(iter(outputs)), "outputs": outputs}}), encoding="utf-8")
    return folder


def _dbt_answer(folder: Path, target: str, vars_: dict[str, Any]) -> bool:
    proc = run_dbt(["run-operation", "sa_td_mode_probe", "--target", target,
                    "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")],
                   project_dir=folder, env={}, vars_=vars_ or None)
    answers = [line.split(MARKER, 1)[1].strip() for line in proc.stdout.splitlines() if MARKER in line]
    assert len(answers) == 1, proc.stdout[-3000:]
    return answers[0] == "true"


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{n}-{o.get('host', o['type'])}-{o.get('database', '')}-{json.dumps(v, sort_keys=True)}"
                              for n, o, v, _ in CASES])
def test_python_and_dbt_decide_td_mode_alike(probe_project: Path, index: int) -> None:
    name, output, vars_, expected = CASES[index]
    python = td_mode(output, setting_of(vars_, (vars_.get("segment_analytics") or {}).get("td_mode")))
    dbt = _dbt_answer(probe_project, f"{name}_{index}", vars_)
    assert (python, dbt) == (expected, expected)
