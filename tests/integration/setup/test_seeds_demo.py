"""The demo account as seeds: in a host project with no Python of ours at all, `dbt seed && dbt build`
on DuckDB builds every mart from the package's seeds/demo/.

The host project (tests/fixtures/host_project, copied) sets only the demo's metrics and enables the
package's seeds (off by default); dbt itself is run as a user would, from the command line (`dbt deps`, then
exactly `dbt seed` and `dbt build`). The marts are then checked against the seeds themselves: one
dim row per landed segment, and each segment's member count equal to what its landed member SQL
selects when run directly on the seeded tables.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from segment_analytics_sandbox.demo.config import DEMO_SEGMENT_ANALYTICS
from tests.integration.setup.test_host_project import cli_env, copy_host

REPO_ROOT = Path(__file__).resolve().parents[3]
SEEDS = REPO_ROOT / "seeds" / "demo"
DBT = Path(sys.executable).parent / "dbt"
PREFIX = "acme"


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _dbt(host: Path, env: dict[str, str], *args: str) -> None:
    argv = [str(DBT), *args, "--project-dir", str(host), "--profiles-dir", str(host)]
    done = subprocess.run(argv, cwd=host, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeds_demo")
    host = copy_host(root)
    project = yaml.safe_load((host / "dbt_project.yml").read_text(encoding="utf-8"))
    project["vars"] = {"segment_analytics": {"project_prefix": PREFIX, **DEMO_SEGMENT_ANALYTICS}}
    project["seeds"] = {"segment_analytics": {"+enabled": True}}  # the package's demo seeds are off by default
    (host / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    db = root / "acme.duckdb"
    env = cli_env(root, ACME_DUCKDB_PATH=str(db))
    _dbt(host, env, "deps")
    _dbt(host, env, "seed")
    _dbt(host, env, "build")
    return db


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_seeds_are_small() -> None:
    total = sum(p.stat().st_size for p in SEEDS.iterdir())
    assert 0 < total < 400_000


def test_every_landed_segment_is_in_the_account_summary(seeded: Path) -> None:
    landed = {row["segment_id"] for row in _seed_rows("cdp_landing__segments")}
    got = {r[0] for r in _query(seeded, f"select segment_id from analytics.{PREFIX}_ps_stats")}
    assert got == landed and len(landed) > 10


def test_member_counts_match_the_landed_member_sql_run_on_the_seeds(seeded: Path) -> None:
    segments = {row["segment_id"]: row for row in _seed_rows("cdp_landing__segments")}
    sql_rows = [r for r in _seed_rows("cdp_landing__segment_sql") if r["dialect"] == "duckdb" and r["segment_sql"]]
    sql_by_rule = {(r["ps_id"], r["rule_hash"]): r["segment_sql"] for r in sql_rows}
    expected: dict[str, int] = {}
    for segment_id, row in segments.items():
        member_sql = sql_by_rule.get((row["ps_id"], row["rule_hash"]))
        if member_sql:
            count_sql = f"select count(distinct td_canonical_id) from ({member_sql}) as m"
            expected[segment_id] = _query(seeded, count_sql)[0][0]
    got = dict(_query(seeded, f"select segment_id, member_count from analytics.{PREFIX}_population_tracker "
                              "where member_count is not null"))
    assert got == expected
    assert sum(expected.values()) > 0


def test_the_demo_metrics_are_computed(seeded: Path) -> None:
    names = {r[0] for r in _query(seeded, f"select distinct metric_name from analytics.{PREFIX}_metrics_daily")}
    configured = {m["metric"] for m in DEMO_SEGMENT_ANALYTICS["metrics"]}
    assert names <= configured and "orders" in names
    total_orders = _query(seeded, f"select sum(metric_value) from analytics.{PREFIX}_metrics_daily "
                                  "where metric_name = 'orders'")[0][0]
    assert total_orders > 0
