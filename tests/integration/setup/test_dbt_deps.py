"""`dbt deps` runs when the project's packages (packages.yml / dependencies.yml) are not installed or
changed since package-lock.yml was written, before any dbt command the shim runs; never otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrate import dbt_runner
from tests.fixtures.dbt_project import PROJECT_DIR


def _tiny_package(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(yaml.safe_dump({"name": name, "version": "1.0", "config-version": 2}),
                                            encoding="utf-8")
    return folder


METRICS = [{"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "shop.orders",
            "join_key": "td_canonical_id", "unixtime_col": "time"}]


def _host(tmp_path: Path, packages: list[dict], file: str = "packages.yml") -> Path:
    host = tmp_path / "host"
    host.mkdir()
    (host / "dbt_project.yml").write_text(yaml.safe_dump(
        {"name": "acme_analytics", "version": "1.0", "config-version": 2, "profile": "acme",
         "vars": {"segment_analytics": {"metrics": METRICS}}}), encoding="utf-8")
    (host / "profiles.yml").write_text(yaml.safe_dump({"acme": {"target": "prod", "outputs": {
        "prod": {"type": "duckdb", "path": str(tmp_path / "acme.duckdb")}}}}), encoding="utf-8")
    (host / file).write_text(yaml.safe_dump({"packages": packages}), encoding="utf-8")
    return host


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))


def test_missing_packages_are_installed_once_and_a_changed_packages_file_reinstalls(tmp_path: Path, logs,
                                                                                      monkeypatch) -> None:
    first = _tiny_package(tmp_path / "pkgs" / "first", "first_pkg")
    host = _host(tmp_path, [{"local": str(first)}])
    assert dbt_runner.packages_problem(host) == "dbt_packages/ is missing"
    deps_runs: list[list[str]] = []
    real = dbt_runner.run_dbt

    def counting(args: list[str], **kwargs):  # noqa: ANN202
        if args[0] == "deps":
            deps_runs.append(args)
        return real(args, **kwargs)

    monkeypatch.setattr(dbt_runner, "run_dbt", counting)
    assert dbt_runner.ensure_packages(host, profiles_dir=host, target="prod") is True
    assert (host / "dbt_packages" / "first_pkg" / "dbt_project.yml").is_file()
    assert dbt_runner.packages_problem(host) is None
    assert dbt_runner.ensure_packages(host, profiles_dir=host) is False
    assert len(deps_runs) == 1

    second = _tiny_package(tmp_path / "pkgs" / "second", "second_pkg")
    (host / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(first)}, {"local": str(second)}]}),
                                       encoding="utf-8")
    assert dbt_runner.packages_problem(host) == "the packages changed since package-lock.yml was written"
    assert dbt_runner.ensure_packages(host, profiles_dir=host) is True
    assert (host / "dbt_packages" / "second_pkg").is_dir() and len(deps_runs) == 2

    (host / "dbt_packages" / "second_pkg").unlink()  # a local package is a symlink
    assert dbt_runner.packages_problem(host) == "package second_pkg is not installed in dbt_packages/"


def test_a_dbt_command_on_a_project_installing_this_package_runs_deps_first(tmp_path: Path, logs) -> None:
    """The way a user installs it: `local:` pointing at this project, then any dbt command."""
    host = _host(tmp_path, [{"local": str(PROJECT_DIR)}], file="dependencies.yml")
    dbt_runner.run_dbt(["parse", "--target-path", str(tmp_path / "target")], project_dir=host, profiles_dir=host,
                       profile="acme", target="prod")
    assert (host / "dbt_packages" / "segment_analytics" / "dbt_project.yml").is_file()
    manifest = (tmp_path / "target" / "manifest.json").read_text(encoding="utf-8")
    assert "model.segment_analytics.stg_cdp__segments" in manifest


def test_a_project_without_packages_never_runs_deps(tmp_path: Path) -> None:
    host = _host(tmp_path, [])
    assert dbt_runner.packages_problem(host) is None
    assert dbt_runner.packages_problem(PROJECT_DIR) is None
