"""What each CLI sub-command does. Thin: each one resolves its run context from the arguments
(`orchestrate.context.context_from_args`) and calls one step (`orchestrate.pipeline`, the rule
history, the rule check). Only the CLI (`orchestrate.cli`) imports this module."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestrate import dbt_runner, pipeline
from orchestrate.context import context_from_args
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
