"""The metric pipeline's steps in the DAG, and the coverage watermark as an explicit step: what
earlier builds computed (read from the project's own state, a declared source) and where each
(segment, metric) resumes, through a first build, a redefined metric, and --full-refresh; and the
daily table refusing a watermark another dbt invocation left."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace, fixture_config
from tests.fixtures.landing_fixture import RUN_DATE, build_landing_fixture

PKG = "segment_analytics"
WATERMARKS = f"model.{PKG}.int_metric_coverage__watermarks"
COLUMNS = ("segment_id, metric_name, is_planned, previous_covered_through_date, definition_changed, "
           "resume_from_date")


def _watermarks(workspace: DbtWorkspace) -> dict[tuple[str, str], tuple[object, ...]]:
    rows = workspace.query(f"select {COLUMNS} from sa_int_metric_coverage__watermarks")
    return {(r[0], r[1]): r[2:] for r in rows}


def test_lineage_shows_each_step_and_where_the_watermark_comes_from(dbt_workspace: DbtWorkspace) -> None:
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["parse"], config=fixture_config(membership_basis="point_in_time"))
    manifest = json.loads((dbt_workspace.root / "target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"]

    def deps(name: str) -> set[str]:
        return set(nodes[f"model.{PKG}.{name}"]["depends_on"]["nodes"])

    state = f"source.{PKG}.segment_analytics_state"
    assert {f"{state}.metrics_daily_coverage", f"{state}.metrics_daily",
            f"model.{PKG}.int_segments__selected"} <= deps("int_metric_coverage__watermarks")
    assert WATERMARKS in deps("int_metric_membership__stays")
    assert {WATERMARKS, f"model.{PKG}.int_metric_membership__stays"} <= deps("int_metric_events__member_days")
    assert f"model.{PKG}.int_metric_events__member_days" in deps("int_metric_events__segment_days")
    assert {WATERMARKS, f"model.{PKG}.int_metric_events__segment_days"} <= deps("fct_segment_metrics_daily")
    assert WATERMARKS in deps("fct_segment_metrics_daily_coverage")
    for step in ("int_metric_membership__stays", "int_metric_events__member_days", "int_metric_events__segment_days"):
        assert nodes[f"model.{PKG}.{step}"]["config"]["materialized"] == "ephemeral", step
    assert nodes[WATERMARKS]["config"]["materialized"] == "table"
    # the state source names the tables the models build
    sources = manifest["sources"]
    assert sources[f"{state}.metrics_daily_coverage"]["identifier"] == "sa_metrics_daily_coverage"
    assert sources[f"{state}.metrics_daily"]["identifier"] == "sa_metrics_daily"


def test_watermark_through_first_build_redefined_metric_and_full_refresh(dbt_workspace: DbtWorkspace) -> None:
    config = fixture_config(membership_basis="point_in_time")
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    selected = {r[0] for r in dbt_workspace.query("select segment_id from sa_int_segments__selected where is_selected")}
    metrics = {m["metric"] for m in config["metrics"]}
    first = _watermarks(dbt_workspace)
    assert set(first) == {(s, m) for s in selected for m in metrics}
    # a first build: nothing computed before, every pair gets the whole window
    assert set(first.values()) == {(True, None, False, None)}

    last_day = RUN_DATE - timedelta(days=1)  # the coverage of a build on RUN_DATE
    redefined = fixture_config(membership_basis="point_in_time")
    revenue = next(m for m in redefined["metrics"] if m["metric"] == "revenue")
    revenue["agg_col_name"] = "items"
    dbt_workspace.dbt(["build"], config=redefined, run_date=RUN_DATE.isoformat())
    second = _watermarks(dbt_workspace)
    assert set(second) == set(first)
    for (segment, metric), row in second.items():
        if metric == "revenue":  # computed under another definition: changed, recomputed over the window
            assert row == (True, last_day, True, None), segment
        else:  # covered with the current definition: resumes at its last covered day
            assert row == (True, last_day, False, last_day), (segment, metric)

    dbt_workspace.dbt(["build", "--full-refresh"], config=redefined, run_date=RUN_DATE.isoformat())
    # --full-refresh: every pair recomputed over the window; the coverage already has the new definition
    assert set(_watermarks(dbt_workspace).values()) == {(True, last_day, False, None)}


def test_daily_table_refuses_a_watermark_another_invocation_left(dbt_workspace: DbtWorkspace) -> None:
    config = fixture_config(membership_basis="point_in_time")
    build_landing_fixture(dbt_workspace.db_path)
    dbt_workspace.dbt(["build"], config=config, run_date=RUN_DATE.isoformat())
    before = sorted(dbt_workspace.query("select * from sa_metrics_daily"), key=repr)

    with pytest.raises(DbtFailed, match="int_metric_coverage__watermarks"):
        dbt_workspace.dbt(["build", "--select", "fct_segment_metrics_daily"], config=config,
                          run_date=RUN_DATE.isoformat())
    assert sorted(dbt_workspace.query("select * from sa_metrics_daily"), key=repr) == before

    dbt_workspace.dbt(["build", "--select", "+fct_segment_metrics_daily"], config=config, run_date=RUN_DATE.isoformat())
    assert sorted(dbt_workspace.query("select * from sa_metrics_daily"), key=repr) == before
