"""This project installed as a dbt package (`packages.yml`, `local:`) into another project, built on
the local Trino in Treasure Data mode, with and without a `dispatch:` block in the host project.

dbt resolves `adapter.dispatch(..., 'dbt')` from the root project and dbt's own packages only, so an
installed package's `trino__snapshot_merge_sql` and the like are ignored unless the host adds a
`dispatch:` block. This project's Treasure Data overrides do not rely on dispatch: its snapshots and
models find its own macros by name first (macros/td/), and dbt calls the relation-listing and
catalog macros by name, where an installed package's macro wins over dbt's. So both host projects
must build with the same statements: no MERGE, UPDATE, CREATE VIEW, DELETE without WHERE or hidden
system table, time windows through td_time_range, snapshots closed by DELETE ... WHERE.

The host is an analytics engineer's own project: its own name, a profile named `acme`, a target
named `prod` whose catalog is `td` (TD mode comes from the connection; no td_mode setting), a
partial `segment_analytics:` block with its own prefix. Every table the package builds carries that
prefix; snapshot times are the run dates (the package's own snapshot_get_time is used).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate.config import validate_config
from orchestrate.pull import run_pull
from orchestrate.warehouse import for_target
from segment_analytics_sandbox.demo.generate import generate
from segment_analytics_sandbox.demo.load import load_trino
from segment_analytics_sandbox.demo.run import Runner, local_client, run_demo
from segment_analytics_sandbox.demo.tables import tables_on
from tests.integration.trino.dbt_cli import run_dbt
from tests.integration.trino.query_log import statements_of, td_violations

pytestmark = [pytest.mark.trino, pytest.mark.timeout(1800)]

REPO_ROOT = Path(__file__).resolve().parents[3]
RUN_DATES = [dt.date(2026, 3, 30), dt.date(2026, 3, 31)]
CATALOG = "td"  # the local Trino's catalog named like Treasure Data's
PREFIX = "acme"
CONFIG = {
    "project_prefix": PREFIX,
    "metrics": [{"metric": "orders", "agg": "count", "agg_col_name": "1", "source": "demo_behaviors.orders",
                 "join_key": "td_canonical_id", "unixtime_col": "time"}],
}
DISPATCH_BLOCK = [{"macro_namespace": "dbt", "search_order": ["acme_analytics", "segment_analytics", "dbt"]}]
VARIANTS = {"without_dispatch": None, "with_dispatch": DISPATCH_BLOCK}


def _host_project(folder: Path, server: Any, user: str, dispatch: list | None) -> Path:
    folder.mkdir(parents=True)
    project: dict[str, Any] = {"name": "acme_analytics", "version": "1.0", "config-version": 2, "profile": "acme",
                               "vars": {"segment_analytics": CONFIG}}
    if dispatch:
        project["dispatch"] = dispatch
    (folder / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    (folder / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(REPO_ROOT)}]}), encoding="utf-8")
    (folder / "profiles.yml").write_text(yaml.safe_dump({"acme": {"target": "prod", "outputs": {"prod": _output(
        server, user)}}}), encoding="utf-8")
    return folder


def _output(server: Any, user: str) -> dict[str, Any]:
    return {"type": "trino", "method": "none", "host": server.host, "port": server.port, "user": user,
            "database": CATALOG, "schema": user, "http_scheme": "http", "threads": 2,
            "prepared_statements_enabled": False}


def _build_host(server: Any, folder: Path, user: str) -> None:
    """Two run days of the demo account: behaviour tables, pull from the fake API, `dbt build`."""
    env = {"DBT_LOG_PATH": str(folder / "logs"), "DBT_TARGET_PATH": str(folder / "target")}
    run_dbt(["deps"], project_dir=folder, env=env)
    data = generate(seed=11, n_profiles=150, run_dates=RUN_DATES)
    loaded: list[dt.date] = []
    config = validate_config(CONFIG)

    def pull(day: dt.date, api_url: str) -> object:
        conn = server.connect(catalog=CATALOG)
        try:
            load_trino(conn, tables_on(data, day, loaded[-1] if loaded else None), catalog=CATALOG)
        finally:
            conn.close()
        loaded.append(day)
        writer = for_target(_output(server, user))
        return run_pull(client=local_client(api_url), writer=writer, v5_flag=config.filters.v5_flag, run_date=day,
                        sql_source="compiler", dialect="trino")

    def build(day: dt.date) -> object:
        return run_dbt(["build"], project_dir=folder, env=env, vars_={"run_date": day.isoformat()})

    run_demo(folder / "work", folder / "work" / "demo.duckdb", RUN_DATES, seed_value=11, n_profiles=150,
             runner=Runner(pull, build))


@pytest.fixture(scope="module")
def hosts(trino_server, tmp_path_factory) -> dict[str, str]:
    """Both host projects built; returns variant -> Trino user (= schema)."""
    users = {}
    for variant, dispatch in VARIANTS.items():
        user = f"acme_{variant}"
        folder = _host_project(tmp_path_factory.mktemp(variant) / "acme", trino_server, user, dispatch)
        _build_host(trino_server, folder, user)
        users[variant] = user
    return users


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_installed_package_sends_only_what_treasure_data_accepts(trino_server, hosts, variant):
    statements = statements_of(trino_server, hosts[variant])
    assert len(statements) > 100
    assert td_violations(statements) == []
    bodies = [st.body for st in statements]
    assert any("td_time_range(" in body for body in bodies), "TD mode must be on: detected from catalog `td`"
    snapshot_deletes = [b for b in bodies if b.startswith("delete from") and f"{PREFIX}_snp_segment_" in b]
    assert snapshot_deletes and all(" where " in b.replace("\n", " ") for b in snapshot_deletes)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_installed_package_uses_its_own_snapshot_time_and_prefix(trino_server, hosts, variant):
    schema = hosts[variant]
    tables = {r[0] for r in trino_server.query(
        f"select table_name from {CATALOG}.information_schema.tables where table_schema = '{schema}'")}
    built = {t for t in tables if not t.startswith("cdp_landing__")}
    assert {f"{PREFIX}_snp_segment_rules", f"{PREFIX}_snp_segment_membership", f"{PREFIX}_ps_stats",
            f"{PREFIX}_stg_cdp__segments", f"{PREFIX}_hist_rule_versions", f"{PREFIX}_final_metrics_table"} <= built
    assert sorted(t for t in built if not t.startswith(f"{PREFIX}_")) == []
    for snapshot in ("snp_segment_rules", "snp_segment_membership"):
        times = {r[0].replace(tzinfo=None) for r in trino_server.query(
            f"select distinct dbt_valid_from from {CATALOG}.{schema}.{PREFIX}_{snapshot}")}
        assert times <= {dt.datetime.combine(d, dt.time()) for d in RUN_DATES}, (snapshot, times)
    rows = trino_server.query(f"select count(*) from {CATALOG}.{schema}.{PREFIX}_population_tracker")
    assert rows[0][0] > 0


def test_both_hosts_build_identical_marts(trino_server, hosts):
    def rows(schema: str) -> list[str]:
        return sorted(json.dumps(r, default=str) for r in trino_server.query(
            f"select segment_id, run_date, segment_population, member_count "
            f"from {CATALOG}.{schema}.{PREFIX}_population_tracker"))

    assert rows(hosts["without_dispatch"]) == rows(hosts["with_dispatch"])
