"""The A/B marts on the local Trino (Iceberg) against the same independent oracle as on DuckDB
(tests/integration/experiments/ab_world.py), 1e-9 relative: the statistics run unchanged on
Trino's own distribution functions (normal_cdf, beta_cdf)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from orchestrate.dbt_runner import run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR
from tests.fixtures.trino import TrinoServer
from tests.integration.experiments import ab_world
from tests.integration.experiments.ab_world import RUN_1, RUN_2, RUN_3, TESTS
from tests.integration.experiments.test_ab_readout import STAT_COLUMNS, ab_config, assert_matches

SCHEMA = "sa_ab_readout"


@pytest.mark.trino
def test_ab_readout_on_trino_matches_the_oracle(trino_server: TrinoServer, tmp_path: Path) -> None:
    world = ab_world.make_world()
    trino_server.write_profiles(tmp_path / "profiles", SCHEMA)
    for run_date in (RUN_1, RUN_2, RUN_3):
        connection = trino_server.connect()
        try:
            ab_world.load_world_into_trino(connection, SCHEMA, world, run_date)
        finally:
            connection.close()
        # only the tests of the selected models (the rest need marts this selection does not build)
        run_dbt(["build", "--select", "+fct_ab_test_results", "+fct_ab_test_daily", "--indirect-selection", "cautious",
                 "--exclude", "resource_type:unit_test",
                 "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                project_dir=PROJECT_DIR, profiles_dir=tmp_path / "profiles", target="trino",
                vars={"segment_analytics": ab_config(), "run_date": run_date.isoformat()})

    columns = ["test_name", "segment_id", "metric_name", "computed_through", *STAT_COLUMNS]
    rows = [dict(zip(columns, r, strict=True)) for r in trino_server.query(
        f"select {', '.join(columns)} from sa_ab_test_results", schema=SCHEMA)]
    checked = 0
    for test in TESTS:
        end = date.fromisoformat(test["end_date"]) if test.get("end_date") else RUN_3
        through = end - timedelta(days=1)
        for metric in ("orders", "revenue", "avg_order", "max_items", "pageviews"):
            if metric not in test.get("metrics", [metric]):
                continue
            got = {r["segment_id"]: r for r in rows if r["test_name"] == test["name"] and r["metric_name"] == metric}
            want = ab_world.expected_readout(world, test, metric, through)
            assert set(got) == set(want)
            for segment, expected in want.items():
                assert_matches(got[segment], expected, ("trino", test["name"], metric, segment))
                checked += 1
    assert checked == 16
    daily = trino_server.query("select count(*) from sa_ab_test_daily where test_name = 'checkout' "
                               "and metric_name = 'orders'", schema=SCHEMA)
    assert daily == [[2 * 15]]
