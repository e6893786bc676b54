"""Source freshness on DuckDB: `dbt source freshness` over the landing tables (the newest successful
pull) and the demo behaviour sources (their unix-seconds `time` column), with the configurable
thresholds, as `report_after_run` (what `run` prints after the build) reports it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from orchestrate.context import context_from_args
from orchestrate.setup.freshness import report_after_run
from tests.integration.setup.account import SetupWorld, parse

HOUR = 3600


def _demo_behaviours(world: SetupWorld, *, orders_ago: int, pageviews_ago: int, email_ago: int) -> None:
    now = int(time.time())
    world.execute(
        "create schema if not exists demo_behaviors",
        "create or replace table demo_behaviors.orders as "
        f"select 'p1' as td_canonical_id, {now - orders_ago}::bigint as time, 1.0 as amount, 1 as items",
        "create or replace table demo_behaviors.pageviews as "
        f"select 'p1' as td_canonical_id, {now - pageviews_ago}::bigint as time, 'x' as td_url",
        "create or replace table demo_behaviors.email_events as "
        f"select 'p1' as td_canonical_id, {now - email_ago}::bigint as time, 'send' as event_type",
    )


def _report(world: SetupWorld) -> tuple[dict[str, str], list[str]]:
    args = parse("doctor", world.common_args())
    args.vars_text = args.vars_text.replace('"declared_behavior_sources": []',
                                            '"declared_behavior_sources": ["demo_behaviors"]')
    printed: list[str] = []
    readings = report_after_run(context_from_args(args), out=printed.append)
    return {r.name: r.status for r in readings}, printed


def test_fresh_pull_and_a_late_behaviour_table(setup_world: SetupWorld) -> None:
    setup_world.pull()
    _demo_behaviours(setup_world, orders_ago=2 * HOUR, pageviews_ago=30 * HOUR, email_ago=600)
    statuses, printed = _report(setup_world)
    assert statuses == {
        "cdp_landing.cdp_landing__parent_segments": "ok",
        "cdp_landing.cdp_landing__pull_runs": "ok",
        "demo_behaviors.orders": "ok",
        "demo_behaviors.pageviews": "warn",
        "demo_behaviors.email_events": "ok",
    }
    assert printed == ["freshness WARN: demo_behaviors.pageviews: newest row 30.0 h old"]


def test_thresholds_are_configurable(setup_world: SetupWorld) -> None:
    setup_world.config["freshness"] = {"warn_after_hours": 1, "error_after_hours": 100}
    setup_world.pull()
    _demo_behaviours(setup_world, orders_ago=2 * HOUR, pageviews_ago=30 * HOUR, email_ago=600)
    statuses, _ = _report(setup_world)
    assert statuses["demo_behaviors.orders"] == "warn"
    assert statuses["demo_behaviors.pageviews"] == "warn"
    assert statuses["demo_behaviors.email_events"] == "ok"
    assert statuses["cdp_landing.cdp_landing__pull_runs"] == "ok"


def test_a_failed_pull_does_not_make_the_landing_fresh(setup_world: SetupWorld) -> None:
    setup_world.pull()
    _demo_behaviours(setup_world, orders_ago=600, pageviews_ago=600, email_ago=600)
    old = (datetime.now(UTC) - timedelta(hours=50)).replace(tzinfo=None)
    setup_world.execute(
        f"update cdp_landing__pull_runs set finished_at = timestamp '{old:%Y-%m-%d %H:%M:%S}'",
        "insert into cdp_landing__pull_runs (pull_id, run_date, started_at, finished_at, status) "
        "values ('pull-failed', current_date, now()::timestamp, now()::timestamp, 'failed')")
    statuses, printed = _report(setup_world)
    assert statuses == {"cdp_landing.cdp_landing__pull_runs": "error"}
    assert printed == ["freshness ERROR: cdp_landing.cdp_landing__pull_runs: stale or unreadable "
                       "(dbt source freshness: error)"]


def test_dbt_and_the_cli_name_the_same_bad_threshold(setup_world: SetupWorld) -> None:
    import pytest

    from orchestrate.config import ConfigError, validate_config
    from orchestrate.dbt_runner import DbtFailed

    setup_world.pull()  # landed with a valid configuration; then the thresholds go wrong
    setup_world.config["freshness"] = {"warn_after_hours": 10, "error_after_hours": 5}
    with pytest.raises(ConfigError) as cli_error:
        validate_config(setup_world.config)
    assert [p.field for p in cli_error.value.problems] == ["freshness.error_after_hours"]
    with pytest.raises(DbtFailed, match=r"freshness\.error_after_hours.*is less than warn_after_hours"):
        setup_world.workspace.dbt(["source", "freshness"], config=setup_world.config,
                                  extra_vars={"declared_behavior_sources": []})
