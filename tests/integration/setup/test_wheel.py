"""`pip install <wheel>` gives the CLI and the dbt project it runs, and works outside the checkout.

The wheel is built from a copy of the source tree (the files git tracks or would track), without
build isolation, so the test needs no network (setuptools comes with the test extra). It is installed
into a fresh virtual environment that sees the test environment's dependencies through a plain path
entry, not its editable install of this checkout: `orchestrate` there must be the wheel's. Commands
run from an empty folder with their own HOME and state folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DBT_PROJECT_ITEMS = ("models", "macros", "snapshots", "tests/dbt")
METRIC = {"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "shop.orders",
          "join_key": "td_canonical_id", "unixtime_col": "time"}
VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@dataclass(frozen=True)
class Installed:
    """A wheel built from the source tree and installed into a fresh virtual environment."""

    source: Path
    wheel: Path
    venv: Path
    run_dir: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def cli(self) -> Path:
        return self.venv / "bin" / "segment-analytics"

    @property
    def state_dir(self) -> Path:
        return Path(self.env["SEGMENT_ANALYTICS_STATE_DIR"])

    def run(self, *argv: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in argv], cwd=self.run_dir, env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def python_json(self, code: str) -> object:
        proc = self.run(self.python, "-c", code)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(proc: subprocess.CompletedProcess[str], what: str) -> None:
    assert proc.returncode == 0, f"{what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


def _source_files() -> list[str]:
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                          capture_output=True, check=False)
    assert proc.returncode == 0, f"git ls-files failed: {proc.stderr.decode(errors='replace')}"
    return [name for name in proc.stdout.decode().split("\0") if name and (REPO_ROOT / name).is_file()]


def _run(argv: list[str | Path], what: str, cwd: Path | None = None) -> str:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    _check(proc, what)
    return proc.stdout


def copy_source(dest: Path) -> Path:
    for name in _source_files():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, dest / name)
    return dest


def build_wheel(source: Path | str, dist: Path) -> Path:
    """`pip wheel` of a source tree or an sdist, offline (the test environment's setuptools)."""
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          "--wheel-dir", dist, source], "pip wheel")
    (wheel,) = dist.glob("segment_analytics-*.whl")
    return wheel


def fresh_venv(venv: Path) -> Path:
    """A new virtual environment that sees the test environment's dependencies as a plain path entry:
    the .pth files there (this checkout's editable install among them) are not processed, so nothing
    of the checkout is importable from it. Returns its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", venv], "python -m venv")
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], "venv site").strip())
    (site / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def pip_install(python: Path, *args: str | Path) -> None:
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
          "--no-build-isolation", *args], "pip install")


def user_env(root: Path) -> dict[str, str]:
    """A shell of someone else's: own HOME and state folder, none of this project's variables."""
    home = root / "home"
    home.mkdir(exist_ok=True)
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({"HOME": str(home), "SEGMENT_ANALYTICS_STATE_DIR": str(root / "state"),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", "PYTHONNOUSERSITE": "1"})
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    source = copy_source(root / "source")
    wheel = build_wheel(source, root / "dist")
    venv = root / "venv"
    pip_install(fresh_venv(venv), wheel)
    run_dir = root / "elsewhere"
    run_dir.mkdir()
    yield Installed(source, wheel, venv, run_dir, user_env(root))


def test_the_wheel_ships_the_shim_and_the_dbt_project_and_no_tests(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {str(p.relative_to(installed.source)) for p in (installed.source / "orchestrate").rglob("*.py")}
    assert "orchestrate/cli.py" in modules
    assert sorted(modules - names) == [], "modules missing from the wheel: list their package in pyproject.toml"
    for asset in ("template.html", "app.js", "style.css"):
        assert f"orchestrate/report/{asset}" in names
    expected = {"dbt_project.yml", "profiles.yml.example", "selectors.yml"}
    expected |= {name for name in ("packages.yml", "dependencies.yml") if (installed.source / name).is_file()}
    for item in DBT_PROJECT_ITEMS:
        expected |= {str(p.relative_to(installed.source)) for p in (installed.source / item).rglob("*")
                     if p.is_file() and p.suffix in (".sql", ".yml")}
    shipped = {n.removeprefix("segment_analytics_dbt/") for n in names if n.startswith("segment_analytics_dbt/")}
    assert len(expected) > 40
    assert sorted(expected - shipped) == [], "dbt project files missing from the wheel"
    assert sorted(shipped - expected) == [], "files in the dbt project of the wheel that are not dbt project files"
    top_level = {n.split("/", 1)[0] for n in names}
    assert top_level == {"orchestrate", "segment_analytics_dbt", f"segment_analytics-{VERSION}.dist-info"}
    assert not [n for n in names if "conftest" in n or n.startswith("tests/") or "/fixtures/" in n]
    sandbox = [n for n in names if "sandbox" in n or "/demo/" in n or "fake_api" in n or "synthetic" in n]
    assert sandbox == [], "the product wheel holds sandbox code (demo, fake API)"


def test_the_installed_cli_runs_from_the_wheel_not_the_checkout(installed: Installed) -> None:
    where = installed.python_json("import json, orchestrate; print(json.dumps(orchestrate.__file__))")
    assert Path(str(where)).is_relative_to(installed.venv)
    proc = installed.run(installed.cli, "--version")
    _check(proc, "segment-analytics --version")
    assert VERSION in proc.stdout


def test_the_installed_project_is_found_outside_the_checkout_and_dbt_parses_it(installed: Installed) -> None:
    found = installed.python_json(
        "import json\nfrom orchestrate.project import PACKAGE_ROOT, find_project_dir\n"
        "print(json.dumps([str(PACKAGE_ROOT), str(find_project_dir())]))")
    package_root, project = (Path(p) for p in found)  # type: ignore[union-attr]
    assert package_root.is_relative_to(installed.venv) and (package_root / "dbt_project.yml").is_file()
    # dbt writes target/ and logs/ into the project: a copy under the state folder, never site-packages
    assert project.is_relative_to(installed.state_dir) and (project / "models").is_dir()
    assert not project.is_relative_to(REPO_ROOT)
    profiles = installed.run_dir / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copyfile(project / "profiles.yml.example", profiles / "profiles.yml")
    vars_ = json.dumps({"segment_analytics": {"metrics": [METRIC]}})
    code = ("import sys\nfrom dbt.cli.main import dbtRunner\n"
            f"r = dbtRunner().invoke(['parse', '--project-dir', {str(project)!r}, '--profiles-dir', {str(profiles)!r},"
            f" '--target', 'duckdb', '--vars', {vars_!r}])\nsys.exit(0 if r.success else 1)")
    proc = installed.run(installed.python, "-c", code)
    _check(proc, "dbt parse on the installed project")
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    snapshots = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "snapshot"}
    assert {"dim_segments", "fct_segment_metrics_daily", "fct_segment_population_runs"} <= models
    assert {"snp_segment_rules", "snp_segment_membership"} <= snapshots
    assert not (package_root / "target").exists() and not (package_root / "logs").exists()


def test_the_wheel_alone_has_no_demo_and_says_where_it_is(installed: Installed) -> None:
    proc = installed.run(installed.cli, "demo", "--days", "1")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "sandbox" in proc.stderr and "pip install -e sandbox" in proc.stderr
    assert "Traceback" not in proc.stderr
    found = installed.python_json("import importlib.util, json\n"
                                  "print(json.dumps(importlib.util.find_spec('segment_analytics_sandbox') is None))")
    assert found is True


@pytest.fixture(scope="module")
def with_sandbox(installed: Installed) -> Installed:
    """The same install plus the sandbox package of the source tree (what a clone adds)."""
    pip_install(installed.python, installed.source / "sandbox")
    return installed


def test_the_demo_runs_from_the_installed_wheel_and_the_sandbox(with_sandbox: Installed) -> None:
    installed = with_sandbox
    proc = installed.run(installed.cli, "demo", "--days", "1", timeout=900)
    _check(proc, "segment-analytics demo --days 1")
    report_line = [line for line in proc.stdout.splitlines() if line.startswith("HTML report: ")]
    assert report_line, proc.stdout[-2000:]
    report = Path(report_line[-1].removeprefix("HTML report: ").strip())
    assert report.is_file() and report.stat().st_size > 10_000
    assert report.is_relative_to(installed.state_dir)
    (database,) = installed.state_dir.rglob("segment_analytics.duckdb")
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute("select count(*) from main.segment_analytics_final_metrics_table").fetchone()
    finally:
        con.close()
    assert rows is not None and rows[0] > 0


def test_the_sdist_builds_the_same_wheel(installed: Installed, tmp_path: Path) -> None:
    """What an index or some git installs build from: the sdist must carry the dbt project too."""
    sdist_dir = tmp_path / "sdist"
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(sdist_dir)!r}))"
    name = _run([sys.executable, "-c", code], "build_sdist", cwd=installed.source).strip().splitlines()[-1]
    wheel = build_wheel(sdist_dir / name, tmp_path / "dist")
    assert set(zipfile.ZipFile(wheel).namelist()) == set(zipfile.ZipFile(installed.wheel).namelist())


def test_an_editable_install_runs_the_checkout_itself(tmp_path: Path) -> None:
    """`pip install -e .` (the Makefile's setup): the shim and the dbt project are the checkout's."""
    source = copy_source(tmp_path / "checkout")
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, "-e", source)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import json, orchestrate\nfrom orchestrate.project import PACKAGE_ROOT, find_project_dir\n"
            "print(json.dumps([orchestrate.__file__, str(PACKAGE_ROOT), str(find_project_dir())]))")
    proc = subprocess.run([str(python), "-c", code], cwd=elsewhere, env=user_env(tmp_path), capture_output=True,
                          text=True, timeout=120, check=False)
    _check(proc, "python in the editable install")
    module, package_root, project = (Path(p) for p in json.loads(proc.stdout.strip().splitlines()[-1]))
    assert module == source / "orchestrate" / "__init__.py"
    assert package_root == source and project == source
