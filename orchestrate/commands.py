"""What each CLI sub-command does. Thin: each one resolves its run context from the arguments
(`orchestrate.context.context_from_args`) and calls one step (`orchestrate.pipeline`, the rule
history, the rule check). Only the CLI (`orchestrate.cli`) imports this module."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestrate import dbt_runner, pipeline
from orchestrate.alerts.listing import as_json, as_text
from orchestrate.context import context_from_args
from orchestrate.generated import GENERATORS, stale_files, write_files
from orchestrate.history import print_diff, print_history, revert_from_context
from orchestrate.rules.check import check_from_context

# --------------------------------------------------------------------------- pull / build / run


def cmd_pull(args: argparse.Namespace) -> int:
    print(pipeline.pull(context_from_args(args)).summary())
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    pipeline.build(context_from_args(args), full_refresh=args.full_refresh, select=args.select)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    pipeline.run(context_from_args(args), full_refresh=args.full_refresh)
    return 0


# --------------------------------------------------------------------------- report / publish


def cmd_report(args: argparse.Namespace) -> int:
    path = pipeline.report(context_from_args(args), out=Path(args.out) if args.out else None)
    print(f"report written: {path}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    pipeline.publish(context_from_args(args), dry_run=args.dry_run)
    return 0


# --------------------------------------------------------------------------- alerts


def cmd_alerts(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    items = pipeline.alerts(ctx, run_date=ctx.run_date if args.run_date else None)
    print(as_json(items) if args.json else as_text(items, args.run_date))
    return 0


def cmd_alerts_send(args: argparse.Namespace) -> int:
    pipeline.send_alerts(context_from_args(args)).raise_for_failures()
    return 0


# --------------------------------------------------------------------------- rules


def cmd_rules_check(args: argparse.Namespace) -> int:
    differences = check_from_context(context_from_args(args))
    return 1 if differences else 0


def cmd_rules_history(args: argparse.Namespace) -> int:
    print_history(context_from_args(args), args.segment)
    return 0


def cmd_rules_diff(args: argparse.Namespace) -> int:
    print_diff(context_from_args(args), args.segment, from_version=args.from_version, to_version=args.to_version)
    return 0


def cmd_rules_revert(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    revert_from_context(ctx, args.segment, to_version=args.to_version, yes=args.yes, expect_state=args.expect_state)
    return 0


# --------------------------------------------------------------------------- docs


def cmd_docs(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    dbt_runner.run_dbt(["docs", "generate"], **ctx.dbt_options)
    print(f"docs generated in {ctx.project_dir / 'target'}")
    if args.serve:
        dbt_runner.run_dbt(["docs", "serve", "--port", str(args.port)], **ctx.dbt_options)
    return 0


# --------------------------------------------------------------------------- generate


def cmd_generate(args: argparse.Namespace) -> int:
    ctx = context_from_args(args)
    if args.check:
        stale = stale_files(ctx.project_dir, ctx.config, GENERATORS)
        for generated in stale:
            print(f"stale: {generated.path} (run `segment-analytics generate`)")
        if not stale:
            print(f"{len(GENERATORS)} generated file(s) up to date")
        return 1 if stale else 0
    written = write_files(ctx.project_dir, ctx.config, GENERATORS)
    for generated in written:
        print(f"written: {generated.path}")
    print(f"{len(written)} of {len(GENERATORS)} generated file(s) written, the others up to date")
    return 0
