"""What each CLI sub-command does. Thin: each one resolves its context and calls one module."""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orchestrate.config import load_config, parse_cli_vars
from orchestrate.dbt_vars import package_var
from orchestrate.project import api_key_from_env, find_project_dir, parse_run_date
from orchestrate.setup.freshness import report_after_run
from orchestrate.warehouse.td_mode import setting_of, td_mode

log = logging.getLogger("segment_analytics")


class CommandFailed(RuntimeError):
    """A command could not finish; the message says why and what to do."""


def _failures() -> tuple[type[BaseException], ...]:
    """Errors whose message is already written for people: printed without a traceback."""
    from orchestrate.dbt_runner import DbtFailed, ProfileError
    from orchestrate.history import HistoryError
    from orchestrate.http import ApiError
    from orchestrate.publish import PublishError
    from orchestrate.pull import PullError
    from orchestrate.rules import RuleCompileError
    from orchestrate.warehouse import TargetError

    return (CommandFailed, DbtFailed, ProfileError, HistoryError, ApiError, PublishError, PullError,
            RuleCompileError, TargetError)


FAILURES = _failures()


@dataclass
class RunContext:
    """Everything a command needs, resolved once from the arguments."""

    project_dir: Path
    profiles_dir: Path
    target: str
    target_profile: dict[str, Any]
    config: dict[str, Any]
    run_date: date
    cli_vars: dict[str, Any] = field(default_factory=dict)
    profile: str = "segment_analytics"
    region: str | None = None  # --region, $TD_REGION, or the region of the target's Treasure Data host
    env: dict[str, str] = field(default_factory=dict)  # set while dbt runs (TD_PRESTO_HOST from the region)
    # Treasure Data mode as dbt decides it (orchestrate/warehouse/td_mode.py); None: from the connection
    td_mode: bool | None = None

    @property
    def dbt_vars(self) -> dict[str, Any]:
        """--vars for dbt: the user's own, plus the run date."""
        return {**self.cli_vars, "run_date": self.run_date.isoformat()}

    @property
    def dbt_options(self) -> dict[str, Any]:
        """Keyword arguments of `dbt_runner.run_dbt` for this project, profile, target and vars."""
        return {"project_dir": self.project_dir, "profiles_dir": self.profiles_dir, "profile": self.profile,
                "target": self.target, "vars": self.dbt_vars, "env": dict(self.env)}

    @property
    def dialect(self) -> str:
        return "duckdb" if self.target_profile.get("type") == "duckdb" else "trino"


def resolve_target_of(args: argparse.Namespace, project_dir: Path | None = None) -> Any:
    """The project's profile, target and region from the arguments (`orchestrate.target`), without
    reading the `segment_analytics:` configuration (for `init`, which writes it)."""
    from orchestrate.target import resolve_target

    project_dir = project_dir or find_project_dir(getattr(args, "project_dir", None))
    return resolve_target(project_dir, profiles_dir=getattr(args, "profiles_dir", None),
                          profile=getattr(args, "profile", None), target=getattr(args, "target", None),
                          region_name=getattr(args, "region", None))


def resolve_context(args: argparse.Namespace) -> RunContext:
    """Validate the configuration before anything else runs."""
    project_dir = find_project_dir(getattr(args, "project_dir", None))
    cli_vars = parse_cli_vars(getattr(args, "vars_text", None))
    config = load_config(project_dir, cli_vars=cli_vars)
    run_date = parse_run_date(getattr(args, "run_date", None) or _cli_run_date(cli_vars))
    resolved = resolve_target_of(args, project_dir)
    setting = setting_of({"td_mode": package_var(project_dir, "td_mode", cli_vars)}, config)
    return RunContext(project_dir, resolved.profiles_dir, resolved.target, resolved.output, config, run_date,
                      {k: v for k, v in cli_vars.items() if k != "run_date"}, profile=resolved.profile,
                      region=resolved.region, env=resolved.env, td_mode=td_mode(resolved.output, setting))


def _cli_run_date(cli_vars: dict[str, Any]) -> str | None:
    value = cli_vars.get("run_date")
    return None if value is None else str(value)


# --------------------------------------------------------------------------- pull / build / run


def cmd_pull(args: argparse.Namespace) -> int:
    ctx = resolve_context(args)
    result = pull(ctx, region=args.region, api_url=args.api_url, max_rps=args.max_rps)
    print(result.summary())
    return 0


def pull(ctx: RunContext, *, region: str | None, api_url: str | None, max_rps: float | None,
         api_key: str | None = None) -> Any:
    """Fetch the whole account, then land it (the previous landing stays intact on failure)."""
    from orchestrate.cdp.client import CdpClient
    from orchestrate.pull import PullError, run_pull
    from orchestrate.warehouse import for_target

    client = CdpClient.for_region(region=region or ctx.region, api_url=api_url,
                                  api_key=api_key or api_key_from_env(), max_rps=max_rps)
    writer = for_target(ctx.target_profile, ctx.config.get("landing_schema"), td_mode=ctx.td_mode)
    try:
        return run_pull(client=client, writer=writer, config=ctx.config, run_date=ctx.run_date,
                        sql_source=ctx.config["segment_sql_source"], dialect=ctx.dialect)
    except PullError as exc:
        raise CommandFailed(str(exc)) from exc


def cmd_build(args: argparse.Namespace) -> int:
    ctx = resolve_context(args)
    build(ctx, full_refresh=args.full_refresh, select=args.select)
    return 0


def build(ctx: RunContext, *, full_refresh: bool = False, select: str | None = None) -> None:
    from orchestrate import dbt_runner

    dbt_args = ["build"]
    if full_refresh:
        dbt_args.append("--full-refresh")
    if select:
        dbt_args += ["--select", select]
    ensure_td_database(ctx)
    try:
        dbt_runner.run_dbt(dbt_args, **ctx.dbt_options)
    except dbt_runner.DbtFailed as exc:
        raise CommandFailed(str(exc)) from exc


def ensure_td_database(ctx: RunContext) -> None:
    """On Treasure Data, create the target's database when it is missing (dbt cannot: TD databases
    are made through the TD API, not `create schema`)."""
    from orchestrate.warehouse.td import ensure_td_target_database

    ensure_td_target_database(ctx.target_profile)


def cmd_run(args: argparse.Namespace) -> int:
    ctx = resolve_context(args)
    result = pull(ctx, region=args.region, api_url=args.api_url, max_rps=args.max_rps)
    print(result.summary())
    build(ctx, full_refresh=args.full_refresh)
    report_after_run(ctx)
    return 0


# --------------------------------------------------------------------------- demo / report / publish


def cmd_demo(args: argparse.Namespace) -> int:
    """The end-to-end demo on DuckDB, ending with the HTML report."""
    from orchestrate.demo.config import demo_config
    from orchestrate.demo.run import run_demo
    from orchestrate.warehouse.connect import connect

    result = run_demo(workdir=Path(args.workdir) if args.workdir else None,
                      duckdb_path=Path(args.duckdb) if args.duckdb else None,
                      days=args.days)
    print(result.summary())
    config = demo_config()
    with connect({"type": "duckdb", "path": str(result.duckdb_path), "schema": "main"}) as conn:
        report = _report(conn, prefix=config["project_prefix"], metrics=config["metrics"],
                         out_path=result.workdir / "segment_analytics_report.html",
                         title="Segment Analytics — demo account")
    print(f"HTML report: {report}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from orchestrate.warehouse.connect import connect

    ctx = resolve_context(args)
    out = Path(args.out) if args.out else ctx.project_dir / "report" / "segment_analytics_report.html"
    with connect(ctx.target_profile) as conn:
        path = _report(conn, prefix=ctx.config["project_prefix"], metrics=ctx.config["metrics"], out_path=out,
                       title="Segment Analytics")
    print(f"report written: {path}")
    return 0


def _report(conn: Any, **kwargs: Any) -> Path:
    from orchestrate.report import ReportError, build_report

    try:
        return build_report(conn, **kwargs)
    except ReportError as exc:
        raise CommandFailed(str(exc)) from exc


def cmd_publish(args: argparse.Namespace) -> int:
    from orchestrate.publish import publish_from_context

    ctx = resolve_context(args)
    publish_from_context(ctx, region=args.region or ctx.region, api_url=args.api_url, max_rps=args.max_rps,
                         dry_run=args.dry_run)
    return 0


# --------------------------------------------------------------------------- rules


def cmd_rules_check(args: argparse.Namespace) -> int:
    from orchestrate.rules.check import check_from_context

    ctx = resolve_context(args)
    differences = check_from_context(ctx)
    return 1 if differences else 0


def cmd_rules_history(args: argparse.Namespace) -> int:
    from orchestrate.history import print_history

    ctx = resolve_context(args)
    print_history(ctx, args.segment)
    return 0


def cmd_rules_diff(args: argparse.Namespace) -> int:
    from orchestrate.history import print_diff

    ctx = resolve_context(args)
    print_diff(ctx, args.segment, from_version=args.from_version, to_version=args.to_version)
    return 0


def cmd_rules_revert(args: argparse.Namespace) -> int:
    from orchestrate.history import revert_from_context

    ctx = resolve_context(args)
    revert_from_context(ctx, args.segment, to_version=args.to_version, yes=args.yes,
                        region=args.region or ctx.region,
                        api_url=args.api_url, max_rps=args.max_rps, expect_state=args.expect_state)
    return 0


# --------------------------------------------------------------------------- fake API, docs


def cmd_fake_api(args: argparse.Namespace) -> int:
    """Serve a saved account, or the demo account when none is given."""
    import tempfile

    from orchestrate.fake_api.server import serve

    if args.state:
        serve(host=args.host, port=args.port, state_file=args.state)
        return 0
    from orchestrate.demo.seed import demo_state

    with tempfile.TemporaryDirectory(prefix="segment-analytics-fake-") as folder:
        path = Path(folder) / "demo_account.json"
        demo_state().save(path)
        serve(host=args.host, port=args.port, state_file=str(path))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from orchestrate import dbt_runner

    ctx = resolve_context(args)
    dbt_runner.run_dbt(["docs", "generate"], **ctx.dbt_options)
    print(f"docs generated in {ctx.project_dir / 'target'}")
    if args.serve:
        dbt_runner.run_dbt(["docs", "serve", "--port", str(args.port)], **ctx.dbt_options)
    return 0
