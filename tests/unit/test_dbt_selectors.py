"""The CLI's use of the project's selectors: `build` selects `full`, `run` `daily` (`full` with
--full-refresh), `--select` wins, and a project without the selector is built without one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestrate import pipeline
from orchestrate.context import RunContext
from orchestrate.dbt_selectors import DAILY, FULL, HISTORY, REPORT_INPUTS, defined_selectors, selector_args

ROOT = Path(__file__).resolve().parents[2]


def test_the_project_defines_the_four_selectors() -> None:
    assert defined_selectors(ROOT) == {DAILY, FULL, HISTORY, REPORT_INPUTS}


def test_selector_args_only_for_a_defined_selector(tmp_path: Path) -> None:
    assert selector_args(ROOT, DAILY) == ["--selector", "daily"]
    assert selector_args(tmp_path, DAILY) == []  # no selectors.yml: a host project
    (tmp_path / "selectors.yml").write_text("selectors:\n  - name: mine\n    definition: {method: fqn, value: x}\n")
    assert selector_args(tmp_path, "mine") == ["--selector", "mine"]
    assert selector_args(tmp_path, FULL) == []


@pytest.fixture
def dbt_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(pipeline, "ensure_td_target_database", lambda profile: None)
    monkeypatch.setattr("orchestrate.dbt_runner.run_dbt", lambda args, **kw: calls.append(list(args)))
    return calls


def _ctx(project_dir: Path) -> RunContext:
    return RunContext(project_dir=project_dir, profiles_dir=project_dir, target="duckdb",
                      target_profile={"type": "duckdb"}, config={},  # type: ignore[arg-type] - build reads none
                      run_date=date(2026, 5, 1))


def test_build_selects_full_unless_told_otherwise(dbt_calls: list[list[str]], tmp_path: Path) -> None:
    pipeline.build(_ctx(ROOT))
    pipeline.build(_ctx(ROOT), selector=DAILY)
    pipeline.build(_ctx(ROOT), full_refresh=True, select="+fct_segment_metrics_daily")
    pipeline.build(_ctx(tmp_path))
    assert dbt_calls == [
        ["build", "--selector", "full"],
        ["build", "--selector", "daily"],
        ["build", "--full-refresh", "--select", "+fct_segment_metrics_daily"],
        ["build"],
    ]


def test_run_builds_daily_and_full_with_full_refresh(dbt_calls: list[list[str]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    monkeypatch.setattr(pipeline, "pull", lambda ctx: type("R", (), {"summary": lambda self: "pulled"})())
    monkeypatch.setattr(pipeline, "build", lambda ctx, full_refresh=False, selector=FULL: built.append(selector))
    monkeypatch.setattr(pipeline, "report_after_run", lambda ctx, out: [])
    monkeypatch.setattr(pipeline, "destinations_from", lambda config: [], raising=False)
    pipeline.run(_ctx(ROOT), say=lambda text: None)
    pipeline.run(_ctx(ROOT), full_refresh=True, say=lambda text: None)
    assert built == [DAILY, FULL]
