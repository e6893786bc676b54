"""The steps of a run as functions of a `RunContext`: pull, build, run, alerts, report, publish.

The CLI's commands, the demo (`segment_analytics_sandbox.demo.run`) and the tests' multi-engine
pipeline all call these, so pulling then building is wired once. Each step raises a
`SegmentAnalyticsError` whose message is written for people (`PullError`, `DbtFailed`,
`ReportError`, `PublishError`, …); the CLI prints it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from orchestrate import dbt_runner
from orchestrate.alerts import DeliveryReport, destinations_from, open_store, send_new_alerts
from orchestrate.alerts.listing import list_alerts
from orchestrate.cdp.progress import Progress
from orchestrate.clients import cdp_client, insights_http
from orchestrate.context import RunContext
from orchestrate.dbt_selectors import DAILY, FULL, selector_args
from orchestrate.http import register_secret
from orchestrate.publish import MODEL_KEY_ENV, STATE_DIR_ENV, PublishResult
from orchestrate.publish import publish as publish_model
from orchestrate.pull import PullResult, run_pull
from orchestrate.report import build_report
from orchestrate.setup.freshness import Freshness, report_after_run
from orchestrate.warehouse import for_target
from orchestrate.warehouse.connect import connect
from orchestrate.warehouse.td import ensure_td_target_database

REPORT_FILE = "segment_analytics_report.html"

Say = Callable[[str], None]


def pull(ctx: RunContext, *, progress: Progress | None = None) -> PullResult:
    """Fetch the whole account from the CDP API (`ctx.api`), then land it in the landing schema of
    the target; a failed pull raises PullError and leaves the previous landing intact."""
    writer = for_target(ctx.target_profile, ctx.config.landing_schema, td_mode=ctx.td_mode)
    return run_pull(client=cdp_client(ctx.api), writer=writer, v5_flag=ctx.config.filters.v5_flag,
                    run_date=ctx.run_date, sql_source=ctx.config.segment_sql_source, dialect=ctx.dialect,
                    progress=progress)


def build(ctx: RunContext, *, full_refresh: bool = False, select: str | None = None, selector: str = FULL,
          dbt_args: Sequence[str] = ()) -> dbt_runner.DbtResult:
    """`dbt build` with the context's project, profile, target and vars (`dbt_args`: more flags,
    e.g. `--target-path`) of `select`, else of the project's selector `selector` (selectors.yml;
    default `full`; nothing is selected when the project does not define it). On Treasure Data, the
    target's database is created first when missing (dbt cannot: TD databases are made through the
    TD API)."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        args += ["--select", select]
    else:
        args += selector_args(ctx.project_dir, selector)
    ensure_td_target_database(ctx.target_profile)
    return dbt_runner.run_dbt([*args, *dbt_args], **ctx.dbt_options)


def run(ctx: RunContext, *, full_refresh: bool = False, say: Say = print) -> list[Freshness]:
    """Pull, then build, then report each source that is not fresh (`dbt source freshness`), then,
    when destinations are configured, deliver the new alerts (AlertDeliveryFailed when one failed)."""
    say(pull(ctx).summary())
    build(ctx, full_refresh=full_refresh, selector=FULL if full_refresh else DAILY)
    stale = report_after_run(ctx, out=say)
    if destinations_from(ctx.config):
        send_alerts(ctx, say=say).raise_for_failures()
    return stale


def send_alerts(ctx: RunContext, *, say: Say = print) -> DeliveryReport:
    """Deliver the run date's new alerts to every configured destination, once each (the ledger
    `<prefix>_alert_deliveries`); the report lists what failed (`raise_for_failures`)."""
    with open_store(ctx.target_profile, prefix=ctx.config.project_prefix, td_mode=ctx.td_mode) as store:
        return send_new_alerts(store, destinations_from(ctx.config), run_date=ctx.run_date, say=say)


def alerts(ctx: RunContext, *, run_date: date | None = None) -> list[dict[str, object]]:
    """The alerts of `run_date` (None: every run date) with their delivery state per destination."""
    with open_store(ctx.target_profile, prefix=ctx.config.project_prefix, td_mode=ctx.td_mode,
                    read_only=True) as store:
        return list_alerts(store, destinations_from(ctx.config), run_date=run_date)


def report(ctx: RunContext, *, out: Path | None = None, title: str = "Segment Analytics") -> Path:
    """The self-contained HTML report from the context's marts; its path (default
    `report/segment_analytics_report.html` in the project folder)."""
    path = out or ctx.project_dir / "report" / REPORT_FILE
    with connect(ctx.target_profile) as conn:
        return build_report(conn, prefix=ctx.config.project_prefix, metrics=ctx.config.metrics, out_path=path,
                            title=title)


def publish(ctx: RunContext, *, dry_run: bool = False, say: Say = print) -> PublishResult:
    """The Treasure Insights datamodel over the context's marts (`orchestrate.publish`), through the
    TD API of `ctx.api`; the model's own key comes from SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY."""
    model_key = os.environ.get(MODEL_KEY_ENV, "").strip() or None
    register_secret(model_key)
    http = insights_http(ctx.api, dry_run=dry_run)
    state_dir = os.environ.get(STATE_DIR_ENV) or str(Path(ctx.project_dir) / ".segment_analytics")
    with connect(ctx.target_profile) as conn:
        return publish_model(http, ctx.config.insights, conn, prefix=ctx.config.project_prefix,
                             database=ctx.schema or "main", state_path=Path(state_dir) / "insights_models.json",
                             model_api_key=model_key, dry_run=dry_run, say=say)
