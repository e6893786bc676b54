"""A segment the pull sees but cannot land (here: its name comes back empty) is unknown for that
run, not deleted: no deletion in the rule history, no member recorded as having left."""

from __future__ import annotations

import pytest

from orchestrate.fake_api.server import FakeApiServer
from orchestrate.fake_api.state import FakeState
from tests.fixtures.dbt_project import DbtWorkspace
from tests.integration.history.world import (
    DAY1,
    DAY2,
    DAY3,
    PS_SHOP,
    DuckDbWarehouse,
    World,
    adults_rule,
    country_rule,
)

ADULTS, JAPAN = "6201", "6202"

pytestmark = pytest.mark.timeout(600)


def test_unlandable_segment_keeps_its_history(tmp_path) -> None:
    workspace = DbtWorkspace(root=tmp_path, db_path=tmp_path / "unusable.duckdb")
    workspace.write_profile()
    state = FakeState()
    server = FakeApiServer(state).start()
    try:
        world = World(DuckDbWarehouse(workspace), state, server)
        state.add_parent_segment("Shop", v5=True, ps_id=PS_SHOP)
        state.add_segment(PS_SHOP, "Adults", adults_rule(30), updated_by="Alice", segment_id=ADULTS)
        state.add_segment(PS_SHOP, "Japan", country_rule("JP"), updated_by="Bob", segment_id=JAPAN)
        world.shop = {"p1": (25, "JP"), "p2": (35, "JP"), "p3": (45, "US")}
        world.run_day(DAY1)

        state.segment(JAPAN).name = ""  # unusable record: the pull lists it as a problem
        world.run_day(DAY2)
        problems = world.query("select problems from cdp_landing__pull_runs where run_date = date '2026-05-02'")
        landed = world.query(f"select count(*) from cdp_landing__segments where segment_id = '{JAPAN}'")

        state.segment(JAPAN).name = "Japan"
        world.run_day(DAY3)
    finally:
        server.stop()

    assert landed == [(0,)]
    assert f'"id": "{JAPAN}", "kind": "segment"' in problems[0][0]
    assert world.query("select count(*) from sa_rule_changes") == [(0,)]
    assert world.query(
        "select segment_id, version, cast(valid_from as date), valid_to from hist_rule_versions order by 1"
    ) == [(ADULTS, 1, DAY1, None), (JAPAN, 1, DAY1, None)]
    # Japan's members p1 and p2: one open stay each, never closed
    assert world.query(
        "select profile_id, cast(dbt_valid_from as date), dbt_valid_to from snp_segment_membership "
        f"where segment_id = '{JAPAN}' order by 1"
    ) == [("p1", DAY1, None), ("p2", DAY1, None)]
    assert world.query(
        f'select "date", population, entered, exited from sa_population_daily where segment_id = \'{JAPAN}\' '
        'order by 1'
    ) == [(DAY1, 2, 2, 0), (DAY3, 2, 0, 0)]
