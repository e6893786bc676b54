"""Every key of `segment_analytics:` has its default; the host project's vars are read as dbt reads them.

dbt hands a package node the whole `segment_analytics` mapping of the project that sets it
(orchestrate/dbt_vars.py), so a host that sets one key must still get every other default, and no
metrics is an error naming `segment_analytics.metrics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate import dbt_vars
from orchestrate.config import DEFAULTS, NESTED_SIBLING, NO_METRICS, ConfigError, Metric, load_config, validate_config

PROJECT_DIR = Path(__file__).resolve().parents[3]
METRIC = {"metric": "orders", "agg": "count", "source": "shop.orders", "join_key": "td_canonical_id",
          "unixtime_col": "time"}


def _host(tmp_path: Path, vars_: dict[str, Any] | None, *, package: Path | None = None) -> Path:
    """A host dbt project (another name) whose dbt_packages/ holds this project, as `dbt deps` leaves it."""
    host = tmp_path / "host"
    host.mkdir()
    project: dict[str, Any] = {"name": "acme_analytics", "version": "1.0", "config-version": 2, "profile": "acme"}
    if vars_ is not None:
        project["vars"] = vars_
    (host / "dbt_project.yml").write_text(yaml.safe_dump(project), encoding="utf-8")
    installed = host / "dbt_packages" / "segment_analytics"
    installed.parent.mkdir()
    installed.symlink_to(package or PROJECT_DIR)
    return host


def _problems(call) -> list[tuple[str, str]]:  # noqa: ANN001 - a zero-argument callable
    with pytest.raises(ConfigError) as caught:
        call()
    return [(p.field, p.message) for p in caught.value.problems]


def test_a_partial_block_gets_every_other_default_key_by_key() -> None:
    cfg = validate_config({"metrics": [METRIC], "project_prefix": "acme",
                           "filters": {"ps_to_include": "shop"},
                           "time_window": {"lookback": "-30d"},
                           "insights": {"shared_users": ["a@example.com"], "change_schema_cols": {"text": ["x"]}},
                           "freshness": {"error_after_hours": 72}})
    expected = validate_config({"metrics": [METRIC]}).as_vars()
    expected["project_prefix"] = "acme"
    expected["filters"]["ps_to_include"] = "shop"
    expected["time_window"]["lookback"] = "-30d"
    expected["insights"]["shared_users"] = ["a@example.com"]
    expected["insights"]["change_schema_cols"]["text"] = ["x"]
    expected["freshness"]["error_after_hours"] = 72
    assert cfg.as_vars() == expected
    # and those defaults are DEFAULTS, key by key
    for key, default in DEFAULTS.items():
        if key != "metrics":
            assert validate_config({"metrics": [METRIC]}).as_vars()[key] == default, key
    assert validate_config({"metrics": [METRIC]}).metrics[0] == Metric(**METRIC, agg_col_name="1", filter=None)


def test_the_default_join_relation_needs_both_of_its_tables() -> None:
    kept = validate_config({"metrics": [METRIC], "insights": {"tables": ["ps_stats"]}})
    assert kept.insights.join_relations == ()
    both = validate_config({"metrics": [METRIC], "insights": {"tables": ["population_tracker", "final_metrics_table"]}})
    assert both.as_vars()["insights"]["join_relations"] == DEFAULTS["insights"]["join_relations"]


@pytest.mark.parametrize("raw", [None, {}, {"metrics": None}, {"metrics": []}, {"project_prefix": "acme"}])
def test_no_metrics_is_an_error_naming_the_key_and_how_to_add_one(raw: Any) -> None:
    assert _problems(lambda: validate_config(raw)) == [("metrics", NO_METRICS)]
    assert "vars: segment_analytics: metrics:" in NO_METRICS and "segment-analytics init" in NO_METRICS


def test_the_projects_own_vars_hold_no_configuration_and_no_demo() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    # the defaults live once, in the schema: no third copy in dbt_project.yml
    assert project["vars"] == {"run_date": None, "declared_behavior_sources": []}
    # so this checkout alone (no host, no --vars) configures no metrics: an error, not the demo
    assert _problems(lambda: load_config(PROJECT_DIR)) == [("metrics", NO_METRICS)]


def test_a_host_that_sets_one_key_keeps_the_other_defaults(tmp_path: Path) -> None:
    host = _host(tmp_path, {"segment_analytics": {"metrics": [METRIC], "project_prefix": "acme"}})
    cfg = load_config(host)
    assert cfg.project_prefix == "acme" and [m.metric for m in cfg.metrics] == ["orders"]
    assert cfg.as_vars()["time_window"] == DEFAULTS["time_window"]
    assert cfg.as_vars()["insights"] == DEFAULTS["insights"]


def test_a_host_without_a_block_gets_the_packages_defaults_and_the_no_metrics_error(tmp_path: Path) -> None:
    host = _host(tmp_path, {"declared_behavior_sources": ["shop"]})
    assert _problems(lambda: load_config(host)) == [("metrics", NO_METRICS)]
    assert dbt_vars.package_var(host, "declared_behavior_sources") == ["shop"]
    assert dbt_vars.package_var(tmp_path / "host", "run_date") is None  # the package's own default


def test_the_nested_form_reads_the_inner_block_as_dbt_does(tmp_path: Path) -> None:
    inner = {"metrics": [METRIC], "project_prefix": "inner"}
    host = _host(tmp_path, {"segment_analytics": {"segment_analytics": inner, "run_date": "2026-01-02"}})
    assert load_config(host).project_prefix == "inner"
    assert dbt_vars.package_var(host, "run_date") == "2026-01-02"  # a package-scoped var beside it


def test_config_keys_beside_the_nested_block_are_named_not_lost(tmp_path: Path) -> None:
    host = _host(tmp_path, {"segment_analytics": {"segment_analytics": {"metrics": [METRIC]},
                                                  "project_prefix": "lost", "filters": {"v5_flag": "v4"}}})
    assert sorted(_problems(lambda: load_config(host))) == [("filters", NESTED_SIBLING),
                                                            ("project_prefix", NESTED_SIBLING)]


def test_cli_vars_replace_the_whole_block_as_dbt_does(tmp_path: Path) -> None:
    host = _host(tmp_path, {"segment_analytics": {"metrics": [METRIC], "project_prefix": "acme"}})
    cfg = load_config(host, "{segment_analytics: {metrics: [{metric: m, agg: count, source: a.b, "
                            "join_key: k, unixtime_col: t}]}}")
    assert cfg.project_prefix == DEFAULTS["project_prefix"] and cfg.metrics[0].metric == "m"


def test_the_package_is_found_where_dbt_installed_it(tmp_path: Path) -> None:
    copy = tmp_path / "installed_copy"
    copy.mkdir()
    (copy / "dbt_project.yml").write_text(yaml.safe_dump({"name": "segment_analytics", "vars": {
        "segment_analytics": {"metrics": [METRIC], "project_prefix": "from_the_copy"}}}), encoding="utf-8")
    host = _host(tmp_path, {"other": 1}, package=copy)
    assert dbt_vars.installed_package_dir(host, {"name": "acme_analytics"}) == host / "dbt_packages" / \
        "segment_analytics"
    assert load_config(host).project_prefix == "from_the_copy"
