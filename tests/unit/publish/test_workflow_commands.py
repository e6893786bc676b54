"""The Treasure Workflow project calls only CLI commands and options that exist, and keeps the key secret."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate.cli import build_parser

WORKFLOW = Path(__file__).resolve().parents[3] / "workflow"
LAUNCH = WORKFLOW / "segment_analytics.dig"
BUILT_IN = {"session_date": "2026-11-28", "session_time": "2026-11-28T07:00:00+00:00", "session_id": "1"}


class _DigLoader(yaml.SafeLoader):
    """YAML plus digdag's `!include : file` key."""


_DigLoader.add_constructor("!include", lambda loader, node: "!include")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DigLoader)
    return data


def _params() -> dict[str, Any]:
    launch = _load(LAUNCH)
    exported = dict(launch["_export"])
    include = exported.pop("!include")
    params = {**_load(WORKFLOW / include), **{k: v for k, v in exported.items() if not isinstance(v, dict)}}
    return params


def _render(text: str, params: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("secret:"):
            return "<secret>"
        known = {**BUILT_IN, **params}
        assert name in known, f"${{{name}}} is not defined in the workflow or its params"
        return _render(str(known[name]), params)

    return re.sub(r"\$\{([^}]+)\}", value, text)


def _py_tasks(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "py>" in node:
            found.append((path, node))
        for key, child in node.items():
            found += _py_tasks(child, f"{path}/{key}")
    return found


def _task_module() -> Any:
    spec = importlib.util.spec_from_file_location("wf_task", WORKFLOW / "tasks" / "segment_analytics_task.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_launch_runs_pull_build_publish_report_in_order():
    launch = _load(LAUNCH)
    steps = [key for key in launch if key.startswith("+")]
    assert steps == ["+pull", "+build", "+publish", "+report"]
    commands = [task["command"][0] for _, task in _py_tasks(launch)]
    assert commands == ["pull", "build", "publish", "report"]


def test_every_command_exists_in_the_cli_with_those_options():
    params = _params()
    parser = build_parser()
    module = _task_module()
    tasks = _py_tasks(_load(LAUNCH))
    assert len(tasks) == 4
    for where, task in tasks:
        target = task["py>"]
        assert target == "tasks.segment_analytics_task.run", where
        assert "command" in inspect.signature(module.run).parameters
        argv = [_render(part, params) for part in task["command"]]
        # The task appends --project-dir; the whole line must parse, or argparse exits.
        try:
            parsed = parser.parse_args([*argv, "--project-dir", "project"])
        except SystemExit as exc:
            pytest.fail(f"{where}: `segment-analytics {' '.join(argv)}` is not a valid command line ({exc})")
        assert parsed.command == argv[0]
        assert parsed.target == "td" and parsed.run_date == "2026-11-28"
        if "--region" in argv:
            assert parsed.region == params["region"]


def test_the_key_comes_from_a_secret_and_the_schedule_is_commented():
    text = LAUNCH.read_text(encoding="utf-8")
    env = _load(LAUNCH)["_export"]["_env"]
    assert env["TD_API_KEY"] == "${secret:td.apikey}"
    params_text = (WORKFLOW / "config" / "params.yml").read_text(encoding="utf-8")
    assert "apikey" not in params_text.lower().replace("td.apikey", "")
    assert "schedule" not in _load(LAUNCH)
    assert re.search(r"^# schedule:\n#   daily>: 07:00:00$", text, re.M)
    assert _load(LAUNCH)["timezone"] == "UTC"
    assert _load(LAUNCH)["_export"]["docker"]["image"].startswith("treasuredata/customscript-python:3.12")


def test_task_refuses_a_malformed_command():
    module = _task_module()
    with pytest.raises(TypeError, match="must be a list of strings"):
        module.run("pull --target td")
