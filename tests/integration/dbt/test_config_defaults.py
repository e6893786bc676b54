"""dbt (macros/config/sa_cfg.sql) and the CLI (orchestrate/config.py) fill in the same defaults, key
by key, for a partial `segment_analytics:` block; a host project that installs this one as a
package is read by the CLI exactly as dbt reads it; and a host without metrics is stopped by plain
`dbt build` with the error naming `segment_analytics.metrics`, never built with the demo's config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate import dbt_vars
from orchestrate.config import DEFAULTS, NESTED_SIBLING, NO_METRICS, ConfigError, load_config, validate_config
from orchestrate.dbt_runner import DbtFailed, run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR, DbtWorkspace

METRIC = {"metric": "orders", "agg": "count", "source": "shop.orders", "join_key": "td_canonical_id",
          "unixtime_col": "time"}

PARTIAL_CONFIGS: list[dict[str, Any]] = [
    {"metrics": [METRIC]},
    {"metrics": [METRIC], "project_prefix": "acme"},
    {"metrics": [{**METRIC, "agg": "sum", "agg_col_name": "amount", "filter": "amount > 0"}],
     "filters": {"ps_to_include": "shop"}, "exact_counts": False},
    {"metrics": [METRIC], "filters": {"v5_flag": "1,0"}, "time_window": {"lookback": "-30d"}},
    {"metrics": [METRIC], "time_window": {"type": "range", "start_date": "2026-01-01"}},
    {"metrics": [METRIC], "time_window": {"type": "none", "end_date": None}, "landing_schema": "cdp"},
    {"metrics": [METRIC], "insights": {"tables": ["ps_stats"]}},
    {"metrics": [METRIC], "insights": {"model_name": "m", "change_schema_cols": {"text": ["segment_name"]},
                                       "shared_users": ["a@example.com"]}},
    {"metrics": [METRIC], "overlap": {"top_pairs_per_segment": 5}},
    {"metrics": [METRIC], "freshness": {"warn_after_hours": 6}, "membership_basis": "current",
     "segment_sql_source": "api", "profile_id_column": "cdp_customer_id"},
]


def _marked(capfd: pytest.CaptureFixture[str], marker: str) -> list[str]:
    return [line.split(" ", 1)[1] for line in capfd.readouterr().out.splitlines() if line.startswith(marker + " ")]


def test_sa_cfg_fills_the_same_defaults_as_the_cli_key_by_key(
        dbt_workspace: DbtWorkspace, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    dbt_workspace.dbt(["run-operation", "sa_print_config", "--args", json.dumps({"configs": PARTIAL_CONFIGS})])
    found = {int(i): json.loads(p) for i, p in (line.split(" ", 1) for line in _marked(capfd, "SA_CONFIG"))}
    assert sorted(found) == list(range(len(PARTIAL_CONFIGS)))
    for index, raw in enumerate(PARTIAL_CONFIGS):
        python = validate_config(raw).as_vars()
        assert set(found[index]) == set(python) == set(DEFAULTS), raw
        for key in DEFAULTS:
            assert found[index][key] == python[key], (key, raw)


def test_sa_config_defaults_is_the_clis_defaults(dbt_workspace: DbtWorkspace,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    dbt_workspace.dbt(["run-operation", "sa_print_config_seen"], config={"metrics": [METRIC]})
    (seen,) = [json.loads(line) for line in _marked(capfd, "SA_CONFIG_SEEN")]
    assert seen["defaults"] == DEFAULTS


# ------------------------------------------------------------------ a host project

def _host(tmp_path: Path, vars_: dict[str, Any]) -> Path:
    """A host dbt project of another name and profile that installs this one with `local:`."""
    host = tmp_path / "host"
    host.mkdir()
    project = {"name": "acme_analytics", "version": "1.0.0", "config-version": 2, "profile": "acme",
               "vars": vars_}
    (host / "dbt_project.yml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (host / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}),
                                       encoding="utf-8")
    (host / "profiles.yml").write_text(yaml.safe_dump({"acme": {"target": "prod", "outputs": {"prod": {
        "type": "duckdb", "path": str(tmp_path / "host.duckdb"), "schema": "main", "threads": 1}}}}),
        encoding="utf-8")
    # the host's own behaviour source, for `declared_behavior_sources: [shop]`
    (host / "models").mkdir()
    (host / "models" / "_shop__sources.yml").write_text(yaml.safe_dump({"version": 2, "sources": [
        {"name": "shop", "schema": "shop", "tables": [{"name": "orders"}]}]}), encoding="utf-8")
    run_dbt(["deps"], project_dir=host, profiles_dir=host)
    return host


def _seen(host: Path, capfd: pytest.CaptureFixture[str], cli_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    capfd.readouterr()
    run_dbt(["run-operation", "segment_analytics.sa_print_config_seen"], project_dir=host, profiles_dir=host,
            vars=cli_vars)
    (seen,) = [json.loads(line) for line in _marked(capfd, "SA_CONFIG_SEEN")]
    return seen


HOSTS = [
    pytest.param({"segment_analytics": {"project_prefix": "acme", "metrics": [METRIC]}}, None, id="flat-partial"),
    pytest.param({"segment_analytics": {"segment_analytics": {"project_prefix": "inner", "metrics": [METRIC]}}},
                 None, id="nested"),
    pytest.param({"segment_analytics": {"project_prefix": "acme", "metrics": [METRIC]}},
                 {"segment_analytics": {"metrics": [{**METRIC, "metric": "from_cli"}]}}, id="cli-replaces"),
    pytest.param({"declared_behavior_sources": ["shop"], "segment_analytics": {"metrics": [METRIC]}}, None,
                 id="declared-sources"),
    pytest.param({"declared_behavior_sources": ["shop"]}, None, id="no-block"),
]


@pytest.mark.parametrize(("host_vars", "cli_vars"), HOSTS)
def test_the_cli_reads_a_host_projects_vars_as_dbt_does(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], host_vars: dict[str, Any],
        cli_vars: dict[str, Any] | None) -> None:
    host = _host(tmp_path, host_vars)
    try:
        python = load_config(host, cli_vars=cli_vars)
    except ConfigError as caught:
        # the package's own block holds defaults and no demo metrics: both stop, with one message
        assert [(p.field, p.message) for p in caught.problems] == [("metrics", NO_METRICS)]
        with pytest.raises(DbtFailed) as failed:
            _seen(host, capfd, cli_vars)
        assert f"segment_analytics.metrics: {NO_METRICS}" in str(failed.value)
        return
    seen = _seen(host, capfd, cli_vars)
    assert seen["raw"] == dbt_vars.package_var(host, "segment_analytics", cli_vars)
    assert seen["declared"] == dbt_vars.package_var(host, "declared_behavior_sources", cli_vars)
    assert seen["cfg"] == python.as_vars()
    assert seen["cfg"]["metrics"] and seen["cfg"]["metrics"][0]["source"] == "shop.orders"


def test_a_host_without_metrics_is_stopped_by_plain_dbt_build_naming_the_key(
        tmp_path: Path) -> None:
    host = _host(tmp_path, {"segment_analytics": {"project_prefix": "acme"}})
    with pytest.raises(DbtFailed) as caught:
        run_dbt(["build"], project_dir=host, profiles_dir=host)
    assert f"segment_analytics.metrics: {NO_METRICS}" in str(caught.value)
    assert not (tmp_path / "host.duckdb").exists() or _tables(tmp_path / "host.duckdb") == []


def test_keys_beside_a_nested_block_are_an_error_from_the_cli(tmp_path: Path) -> None:
    host = tmp_path / "nested"
    host.mkdir()
    (host / "dbt_project.yml").write_text(yaml.safe_dump({"name": "acme", "vars": {"segment_analytics": {
        "segment_analytics": {"metrics": [METRIC]}, "membership_basis": "current"}}}), encoding="utf-8")
    (host / "dbt_packages").mkdir()
    (host / "dbt_packages" / "segment_analytics").symlink_to(PROJECT_DIR)
    with pytest.raises(ConfigError) as caught:
        load_config(host)
    assert [(p.field, p.message) for p in caught.value.problems] == [("membership_basis", NESTED_SIBLING)]


def _tables(path: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return [name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()]
    finally:
        con.close()
