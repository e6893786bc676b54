"""The core pipeline on a real local Trino (Iceberg): the landing fixture loaded into Trino, membership
forced into several statements (first batch creates, the rest insert), run twice (the second run takes
the incremental paths), and the same exact values as computed in Python."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from orchestrate.dbt_runner import run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, load_into_trino
from tests.fixtures.trino import TrinoServer
from tests.integration.dbt import expected

SCHEMA = "sa_core_fixture"


@pytest.mark.trino
def test_core_pipeline_on_trino_with_batched_membership(trino_server: TrinoServer, tmp_path: Path) -> None:
    connection = trino_server.connect()
    try:
        load_into_trino(connection, SCHEMA)
    finally:
        connection.close()
    trino_server.write_profiles(tmp_path / "profiles", SCHEMA)
    for _run in range(2):  # the second run takes the incremental paths (delete, append, rename)
        run_dbt(["run", "--select", "+fct_segment_metrics_daily", "+fct_segment_population_runs",
                 "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                project_dir=PROJECT_DIR, profiles_dir=tmp_path / "profiles", target="trino",
                vars={"segment_analytics": fixture_config(membership_basis="current"),
                      "run_date": RUN_DATE.isoformat(), "sa_max_statement_length": 2450})

    compiled = (tmp_path / "target" / "compiled" / "segment_analytics" / "models" / "intermediate"
                / "int_segment_members.sql").read_text(encoding="utf-8")
    header = compiled.split("/* sa_batches: ", 1)[1].split(" */", 1)[0]
    assert len(header.split(",")) == 3  # three statements, cut by the header's lengths

    members: dict[str, set[str]] = {}
    for segment_id, profile_id in trino_server.query("select segment_id, profile_id from sa_int_segment_members",
                                                     schema=SCHEMA):
        members.setdefault(segment_id, set()).add(profile_id)
    assert members == expected.members()

    rows = trino_server.query("select segment_id, event_date, metric_name, metric_value, unique_profiles, "
                              "avg_per_profile from sa_metrics_daily", schema=SCHEMA)
    want = expected.metrics_daily(fixture_config(), RUN_DATE, lookback_days=7)
    got = {(r[0], r[1], r[2]): r for r in rows}
    assert set(got) == set(want) and len(rows) == len(want)
    for key, values in want.items():
        assert math.isclose(got[key][3], values["metric_value"], rel_tol=1e-9), key
        assert got[key][4] == values["unique_profiles"], key

    tracker = trino_server.query("select segment_id, member_count from sa_population_tracker order by segment_id",
                                 schema=SCHEMA)
    assert tracker == [["s1", 3], ["s2", 3], ["s3", None], ["s4", 2]]
