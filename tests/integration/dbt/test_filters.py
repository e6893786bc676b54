"""Segment selection filters with quotes, unicode and regex syntax in names (DuckDB fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, build_landing_fixture


@pytest.mark.parametrize(("filters", "selected"), [
    # ps names: "Retail JP" and O'Brien "Shop" ✓; s1 sits in Marketing/Campaigns 2026 (ancestor match)
    ({"v5_flag": "both", "ps_to_include": "retail|o'brien", "folders_to_include": "^marketing$",
      "segments_to_include": ""}, {"s1", "s2"}),
    ({"v5_flag": "v4", "ps_to_include": "\"shop\" ✓", "folders_to_include": "café ☕ 'quoted'",
      "segments_to_include": "lovers ☕ \"all\"$"}, {"s4"}),
])
def test_filters_select_by_lowercased_regex(dbt_workspace: DbtWorkspace, filters: dict[str, Any],
                                            selected: set[str]) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["run", "--select", "+int_segment_members"], run_date=RUN_DATE.isoformat(),
                      config=fixture_config(filters=filters))
    rows = dbt_workspace.query("select segment_id, is_selected from sa_int_segments__selected")
    assert {s for s, chosen in rows if chosen} == selected
    assert len(rows) == 4
    members = dbt_workspace.query("select distinct segment_id from sa_int_segment_members")
    assert {s for (s,) in members} == selected - {"s3"}
