"""The CLI runs against the user's project and profile, as dbt would: the project's `profile:` (or
--profile / $DBT_PROFILE), the profile's own default target (or --target / $DBT_TARGET), the
profiles folder; and --region sets the CDP API and the Treasure Data Trino host together, refusing
a TD host of another region."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from orchestrate import cli, dbt_runner
from orchestrate.clients import cdp_client
from orchestrate.context import context_from_args
from orchestrate.project import UsageError
from orchestrate.target import resolve_target
from tests.fixtures.dbt_project import PROJECT_DIR

KEY = "5151/target-FAKE-key-8a7b6c"
EXAMPLE = yaml.safe_load((PROJECT_DIR / "profiles.yml.example").read_text(encoding="utf-8"))
METRIC_VARS = ("{segment_analytics: {metrics: [{metric: orders, agg: count, agg_col_name: '1', "
               "source: shop.orders, join_key: td_canonical_id, unixtime_col: time}]}}")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DBT_PROFILE", "DBT_TARGET", "DBT_PROFILES_DIR", "TD_REGION", "TD_PRESTO_HOST", "TD_DATABASE",
                 "SEGMENT_ANALYTICS_PROJECT_DIR", "DBT_ENV_SECRET_TD_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TD_API_KEY", KEY)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(tmp_path / "state"))


def _host(tmp_path: Path, *, profile: str = "acme", target: str = "prod", outputs: dict | None = None) -> Path:
    """A host dbt project named acme whose profile is `profile`, default target `target`."""
    folder = tmp_path / "host"
    folder.mkdir()
    (folder / "dbt_project.yml").write_text(yaml.safe_dump(
        {"name": "acme_analytics", "version": "1.0", "config-version": 2, "profile": profile}), encoding="utf-8")
    td = dict(EXAMPLE["segment_analytics"]["outputs"]["td"])
    outputs = outputs or {
        "prod": {"type": "duckdb", "path": str(tmp_path / "prod.duckdb"), "schema": "analytics"},
        "dev": {"type": "duckdb", "path": str(tmp_path / "dev.duckdb"), "schema": "main"},
        "td_eu": td,
        "td_literal": {**td, "host": "api-presto.treasuredata.co.jp"},
        "proxy": {**td, "host": "trino-proxy.internal", "http_scheme": "http", "port": 8080},
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump({profile: {"target": target, "outputs": outputs}}),
                                         encoding="utf-8")
    return folder


def test_the_projects_profile_and_its_default_target_are_used(tmp_path: Path) -> None:
    host = _host(tmp_path)
    resolved = resolve_target(host)
    assert (resolved.profile, resolved.target, resolved.profiles_dir) == ("acme", "prod", host)
    assert resolved.output["path"] == str(tmp_path / "prod.duckdb") and resolved.output["schema"] == "analytics"
    assert resolve_target(host, target="dev").output["path"] == str(tmp_path / "dev.duckdb")


def test_profile_and_target_from_dbts_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = _host(tmp_path)
    monkeypatch.setenv("DBT_TARGET", "dev")
    assert resolve_target(host).target == "dev"
    assert resolve_target(host, target="prod").target == "prod"  # --target wins over $DBT_TARGET
    with (host / "profiles.yml").open("a", encoding="utf-8") as fh:
        fh.write(yaml.safe_dump({"other": {"target": "x", "outputs": {"x": {"type": "duckdb", "path": "o.db"}}}}))
    monkeypatch.setenv("DBT_PROFILE", "other")
    monkeypatch.delenv("DBT_TARGET")
    assert (resolve_target(host).profile, resolve_target(host).target) == ("other", "x")
    assert resolve_target(host, profile="acme").profile == "acme"  # --profile wins over $DBT_PROFILE


def test_a_profile_target_written_with_jinja_is_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = _host(tmp_path, target="{{ env_var('ACME_TARGET', 'prod') }}")
    assert resolve_target(host).target == "prod"
    monkeypatch.setenv("ACME_TARGET", "dev")
    assert resolve_target(host).target == "dev"


def test_a_missing_profile_or_target_names_what_exists(tmp_path: Path) -> None:
    host = _host(tmp_path, profile="acme")
    with pytest.raises(dbt_runner.ProfileError) as caught:
        resolve_target(host, profile="segment_analytics")
    assert "no profile 'segment_analytics'" in str(caught.value) and "acme" in str(caught.value)
    with pytest.raises(dbt_runner.ProfileError) as missing:
        resolve_target(host, target="staging")
    assert "no target 'staging'" in str(missing.value) and "dev, prod" in str(missing.value)


def test_a_host_project_without_profiles_is_told_where_to_look_not_given_the_example(tmp_path: Path,
                                                                                     monkeypatch) -> None:
    host = _host(tmp_path)
    (host / "profiles.yml").unlink()
    shutil.copyfile(PROJECT_DIR / "profiles.yml.example", host / "profiles.yml.example")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(dbt_runner.ProfileError) as caught:
        resolve_target(host)
    assert "--profiles-dir" in str(caught.value) and "'acme'" in str(caught.value)
    assert not (tmp_path / "state" / "profiles").exists()


def test_the_cli_resolves_without_target_and_passes_profile_and_target_to_dbt(tmp_path: Path,
                                                                               monkeypatch) -> None:
    host = _host(tmp_path)
    calls: list[dict] = []
    monkeypatch.setattr(dbt_runner, "run_dbt", lambda args, **kw: calls.append({"args": args, **kw}))
    assert cli.main(["build", "--project-dir", str(host), "--profiles-dir", str(host), "--vars", METRIC_VARS]) == 0
    (call,) = calls
    assert call["args"][0] == "build"
    assert (call["profile"], call["target"], call["project_dir"], call["profiles_dir"]) == ("acme", "prod", host, host)


def test_every_command_takes_project_profile_target_and_region() -> None:
    parser = cli.build_parser()
    lines = [["pull"], ["build"], ["run"], ["report"], ["publish"], ["docs"], ["rules", "check"],
             ["rules", "history", "s1"], ["rules", "diff", "s1"], ["rules", "revert", "s1", "--to-version", "1"],
             ["doctor"], ["init", "--out-dir", "x"]]
    for line in lines:
        args = parser.parse_args([*line, "--project-dir", "p", "--profiles-dir", "d", "--profile", "acme",
                                  "--target", "prod", "--region", "EU01"])
        assert (args.project_dir, args.profiles_dir, args.profile, args.target, args.region) == (
            "p", "d", "acme", "prod", "eu01"), line
        assert parser.parse_args(line).target is None, line  # no built-in default: the profile's own


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"segment-analytics {version('segment-analytics')}"


# --------------------------------------------------------------------------- region -> Trino host


def test_region_sets_the_td_host_for_the_shim_and_for_dbt(tmp_path: Path) -> None:
    host = _host(tmp_path)
    resolved = resolve_target(host, target="td_eu", region_name="eu01")
    assert resolved.output["host"] == "api-presto.eu01.treasuredata.com"
    assert resolved.env == {"TD_PRESTO_HOST": "api-presto.eu01.treasuredata.com", "TD_REGION": "eu01"}
    assert resolved.region == "eu01"
    assert resolve_target(host, target="td_eu").output["host"] == "api-presto.treasuredata.com"  # us01 default


def test_td_region_environment_variable_is_the_default_region(tmp_path: Path, monkeypatch) -> None:
    host = _host(tmp_path)
    monkeypatch.setenv("TD_REGION", "ap02")
    resolved = resolve_target(host, target="td_eu")
    assert (resolved.region, resolved.output["host"]) == ("ap02", "api-presto.ap02.treasuredata.com")
    monkeypatch.setenv("TD_REGION", "mars01")
    with pytest.raises(UsageError, match="TD_REGION: unknown region 'mars01'"):
        resolve_target(host, target="td_eu")


def test_the_region_follows_the_targets_td_host_when_not_given(tmp_path: Path, monkeypatch) -> None:
    host = _host(tmp_path)
    monkeypatch.setenv("TD_PRESTO_HOST", "api-presto.eu01.treasuredata.com")
    resolved = resolve_target(host, target="td_eu")
    assert resolved.region == "eu01" and resolved.env == {}
    assert resolve_target(host, target="td_literal").region == "jp01"
    assert resolve_target(host).region is None  # duckdb: the CDP API's default region (us01)


def test_an_explicit_td_host_of_another_region_is_refused(tmp_path: Path, monkeypatch) -> None:
    host = _host(tmp_path)
    monkeypatch.setenv("TD_PRESTO_HOST", "api-presto.treasuredata.com")
    with pytest.raises(UsageError) as caught:
        resolve_target(host, target="td_eu", region_name="eu01")
    message = str(caught.value)
    assert "--region eu01" in message and "TD_PRESTO_HOST=api-presto.treasuredata.com" in message
    assert "us01" in message and KEY not in message
    monkeypatch.setenv("TD_PRESTO_HOST", "api-presto.eu01.treasuredata.com")  # agreeing: fine
    assert resolve_target(host, target="td_eu", region_name="eu01").env == {"TD_REGION": "eu01"}


def test_a_literal_td_host_of_another_region_is_refused(tmp_path: Path) -> None:
    host = _host(tmp_path)
    with pytest.raises(UsageError) as caught:
        resolve_target(host, target="td_literal", region_name="eu01")
    assert "target 'td_literal' has host api-presto.treasuredata.co.jp" in str(caught.value)
    assert "jp01" in str(caught.value)
    assert resolve_target(host, target="td_literal", region_name="jp01").region == "jp01"


def test_a_host_that_is_not_treasure_datas_is_kept_with_any_region(tmp_path: Path) -> None:
    host = _host(tmp_path)
    resolved = resolve_target(host, target="proxy", region_name="eu01")
    assert resolved.output["host"] == "trino-proxy.internal" and resolved.region == "eu01"


def test_the_run_context_carries_the_region_to_the_cdp_client_and_the_host_to_dbt(tmp_path: Path) -> None:
    host = _host(tmp_path)
    args = argparse.Namespace(project_dir=str(host), profiles_dir=None, target="td_eu", region="eu01",
                              vars_text=METRIC_VARS, run_date="2026-05-01", profile=None)
    ctx = context_from_args(args)
    assert ctx.target_profile["host"] == "api-presto.eu01.treasuredata.com"
    assert ctx.dbt_options["env"]["TD_PRESTO_HOST"] == "api-presto.eu01.treasuredata.com"
    assert ctx.dbt_options["profile"] == "acme" and ctx.dbt_options["target"] == "td_eu"
    assert ctx.api.region == "eu01"
    client = cdp_client(replace(ctx.api, api_key=KEY))
    assert client.http.base_url == "https://api-cdp.eu01.treasuredata.com"


@pytest.mark.parametrize(("target", "setting", "expected"), [
    ("plain", None, False), ("plain", "true", True), ("td_eu", None, True), ("td_eu", "false", False),
    ("proxy", None, True),  # not a TD host, but catalog `td`
])
def test_the_landing_writer_follows_the_td_mode_dbt_uses(tmp_path: Path, target: str, setting: str | None,
                                                         expected: bool) -> None:
    """`td_mode` true/false (here the top-level var) decides the landing writer as it decides dbt's SQL;
    unset, the connection decides (a Treasure Data host or catalog `td`: TD mode)."""
    from orchestrate.warehouse import for_target
    from orchestrate.warehouse.td import TdLandingWriter

    td = dict(EXAMPLE["segment_analytics"]["outputs"]["td"])
    plain = {"type": "trino", "method": "none", "host": "127.0.0.1", "port": 8080, "user": "analyst",
             "database": "iceberg", "schema": "analytics", "http_scheme": "http"}
    host = _host(tmp_path, outputs={"plain": plain, "td_eu": td,
                                    "proxy": {**td, "host": "trino-proxy.internal", "http_scheme": "http"}})
    vars_text = METRIC_VARS[:-1] + (f", td_mode: {setting}}}" if setting else "}")
    args = cli.build_parser().parse_args(["pull", "--project-dir", str(host), "--profiles-dir", str(host),
                                          "--target", target, "--region", "eu01", "--vars", vars_text])
    ctx = context_from_args(args)
    assert ctx.td_mode is expected
    writer = for_target(ctx.target_profile, td_mode=ctx.td_mode)
    assert isinstance(writer, TdLandingWriter) is expected
