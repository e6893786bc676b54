"""The shipped dbt project: the checkout's when there is one, else a private, writable copy of the
installed package data (one per content), and an explicitly named project folder is never skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrate import bundled_project, project


@pytest.fixture
def installed_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """As in a wheel install: no checkout around the code, the project as package data."""
    data = tmp_path / "site-packages" / "segment_analytics_dbt"
    (data / "models").mkdir(parents=True)
    (data / "dbt_project.yml").write_text("name: segment_analytics\n", encoding="utf-8")
    (data / "models" / "m.sql").write_text("select 1 as x\n", encoding="utf-8")
    monkeypatch.setattr(bundled_project, "_CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setattr(bundled_project, "installed_project_root", lambda: data)
    return data


def test_the_checkout_is_the_project_and_is_run_in_place() -> None:
    root = Path(project.__file__).resolve().parent.parent
    assert bundled_project.bundled_project_root() == root
    assert bundled_project.runnable_project_dir() == root


def test_an_installed_project_is_run_from_one_copy_per_content(installed_only: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = bundled_project.runnable_project_dir(state)
    assert first.is_relative_to(state) and (first / "models" / "m.sql").read_text() == "select 1 as x\n"
    (first / "target").mkdir()  # dbt's output stays in the copy, the package data is untouched
    assert bundled_project.runnable_project_dir(state) == first
    assert not (installed_only / "target").exists()
    (installed_only / "models" / "m.sql").write_text("select 2 as x\n", encoding="utf-8")  # an upgrade
    second = bundled_project.runnable_project_dir(state)
    assert second != first and (second / "models" / "m.sql").read_text() == "select 2 as x\n"
    assert [p.name for p in state.joinpath("project").iterdir() if p.name.startswith(".")] == []


def test_a_named_project_folder_without_dbt_project_yml_is_an_error(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMENT_ANALYTICS_PROJECT_DIR", raising=False)
    with pytest.raises(project.UsageError, match=r"--project-dir .* has no dbt_project.yml"):
        project.find_project_dir(tmp_path)
    monkeypatch.setenv("SEGMENT_ANALYTICS_PROJECT_DIR", str(tmp_path))
    with pytest.raises(project.UsageError, match=r"\$SEGMENT_ANALYTICS_PROJECT_DIR .* has no dbt_project.yml"):
        project.find_project_dir(None)
