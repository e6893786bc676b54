"""`segment-analytics`: the command line of the shim.

Every command runs against a dbt project and its profile as dbt would (`--project-dir`,
`--profiles-dir`, `--profile`, `--target`; without `--target`, the profile's own default target),
takes `--vars` (YAML or JSON, merged over the project's vars) and `--region` (the Treasure Data
site: CDP API and Trino host). The configuration is validated before anything runs. The API key
comes from TD_API_KEY only.

Every error of the project is a `SegmentAnalyticsError` (orchestrate/errors.py) whose message is
written for people: it is printed, redacted, without a traceback. Anything else is a bug, reported
as one redacted line (the traceback with SEGMENT_ANALYTICS_DEBUG=1 or --verbose).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, entry_points, version
from typing import Any

from orchestrate import commands
from orchestrate.errors import SegmentAnalyticsError, UsageError
from orchestrate.http import redact, register_secret
from orchestrate.project import API_KEY_ENV
from orchestrate.publish import MODEL_KEY_ENV
from orchestrate.setup import doctor, init_project

log = logging.getLogger("segment_analytics")

DEBUG_ENV = "SEGMENT_ANALYTICS_DEBUG"  # =1: an unexpected error prints its (redacted) traceback
_MAX_MESSAGE = 500

PLUGIN_GROUP = "segment_analytics.commands"  # entry points: register(sub, common=, api=)

REGIONS = ("us01", "jp01", "eu01", "ap02", "ap03")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project-dir", help="dbt project folder (default: $SEGMENT_ANALYTICS_PROJECT_DIR, "
                                              "the current folder, or this project)")
    parser.add_argument("--profiles-dir", help="folder holding profiles.yml (default: $DBT_PROFILES_DIR, the "
                                               "project folder, the current folder, ~/.dbt, or one generated "
                                               "from profiles.yml.example)")
    parser.add_argument("--profile", default=None,
                        help="dbt profile (default: $DBT_PROFILE, else the project's `profile:`)")
    parser.add_argument("--target", default=None,
                        help="dbt target (default: $DBT_TARGET, else the profile's own `target:`)")
    parser.add_argument("--region", choices=REGIONS, default=None, type=str.lower,
                        help="Treasure Data region: the CDP API host and, for a target whose host reads "
                             "TD_PRESTO_HOST, the Trino host (default: $TD_REGION, else the region of the "
                             "target's Treasure Data host, else us01)")
    parser.add_argument("--vars", dest="vars_text", help="YAML/JSON merged over dbt_project.yml vars, as dbt does")
    parser.add_argument("--run-date", help="date the run is recorded under, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def _api(parser: argparse.ArgumentParser, what: str = "CDP API") -> None:
    parser.add_argument("--api-url", help=f"{what} base URL (overrides the region's; for tests and proxies)")
    parser.add_argument("--max-rps", type=float, default=None, help="cap on API requests per second (default 2)")


def package_version() -> str:
    """The installed package's version (package metadata)."""
    try:
        return version("segment-analytics")
    except PackageNotFoundError:
        return "unknown (not installed: pip install the project)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segment-analytics", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"segment-analytics {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("pull", help="fetch parent segments, folders and segments into the landing tables")
    _common(p)
    _api(p)
    p.set_defaults(func=commands.cmd_pull)

    p = sub.add_parser("build", help="run `dbt build` with the same target and vars")
    _common(p)
    p.add_argument("--full-refresh", action="store_true", help="rebuild tables (history is never erased)")
    p.add_argument("--select", "-s", help="dbt node selection")
    p.set_defaults(func=commands.cmd_build)

    p = sub.add_parser("run", help="pull, then build")
    _common(p)
    _api(p)
    p.add_argument("--full-refresh", action="store_true", help="rebuild tables (history is never erased)")
    p.set_defaults(func=commands.cmd_run)

    p = sub.add_parser("report", help="write the self-contained HTML report from the marts")
    _common(p)
    p.add_argument("--out", help="output file (default: report/segment_analytics_report.html)")
    p.set_defaults(func=commands.cmd_report)

    p = sub.add_parser("publish", help="create or update the Treasure Insights datamodel, share it, build it")
    _common(p)
    _api(p, "TD API (Insights /reporting)")
    p.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing")
    p.set_defaults(func=commands.cmd_publish)

    p = sub.add_parser("alerts", help="list the alerts with their delivery state; `alerts send` delivers new ones")
    _common(p)
    p.add_argument("--json", action="store_true", help="print JSON (each alert with its deliveries)")
    p.set_defaults(func=commands.cmd_alerts)
    asub = p.add_subparsers(dest="alerts_command", required=False, metavar="ALERTS_COMMAND")
    p = asub.add_parser("send", help="deliver the new alerts to every configured destination, once each")
    _common(p)
    p.set_defaults(func=commands.cmd_alerts_send)

    rules = sub.add_parser("rules", help="segment rules: check the compiler, history, diff, revert")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="RULES_COMMAND")
    p = rsub.add_parser("check", help="compare member counts of compiled SQL and the API's SQL per segment")
    _common(p)
    p.set_defaults(func=commands.cmd_rules_check)
    p = rsub.add_parser("history", help="print the rule versions of a segment")
    _common(p)
    p.add_argument("segment", help="segment id or current name")
    p.set_defaults(func=commands.cmd_rules_history)
    p = rsub.add_parser("diff", help="print the diff between two rule versions of a segment")
    _common(p)
    p.add_argument("segment", help="segment id or current name")
    p.add_argument("--from", dest="from_version", type=int, default=None, help="older version (default: previous)")
    p.add_argument("--to", dest="to_version", type=int, default=None, help="newer version (default: latest)")
    p.set_defaults(func=commands.cmd_rules_diff)
    p = rsub.add_parser("revert", help="write an earlier rule back through the CDP API (dry run by default)")
    _common(p)
    _api(p)
    p.add_argument("segment", help="segment id or current name")
    p.add_argument("--to-version", type=int, required=True, help="version number to restore")
    p.add_argument("--yes", action="store_true", help="apply (without it: show the diff only)")
    p.add_argument("--expect-state", default=None, metavar="TOKEN",
                   help="apply only if the segment is still as the dry run that printed TOKEN read it")
    p.set_defaults(func=commands.cmd_rules_revert)

    p = sub.add_parser("docs", help="generate dbt docs (lineage from behaviour tables to the dashboard)")
    _common(p)
    p.add_argument("--serve", action="store_true", help="serve the docs on localhost after generating them")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=commands.cmd_docs)

    p = sub.add_parser("generate", help="write the dbt files made from the configuration (semantic layer metrics)")
    _common(p)
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 naming the files that are stale")
    p.set_defaults(func=commands.cmd_generate)
    _setup_commands(sub)
    _plugin_commands(sub)
    return parser


def _setup_commands(sub: Any) -> None:
    """`doctor` and `init` (orchestrate/setup/), each adding itself with `register`."""
    doctor.register(sub, common=_common, api=_api)
    init_project.register(sub, common=_common, api=_api)


SANDBOX_COMMANDS = ("demo", "fake-api")


def _plugin_commands(sub: Any) -> None:
    """Commands other installed packages add (entry point group `segment_analytics.commands`): the
    sandbox of a clone adds `demo` and `fake-api`. A plugin that cannot be imported never breaks the
    product's own commands; without the sandbox, `demo` and `fake-api` say where they come from."""
    broken: list[str] = []
    for entry in entry_points(group=PLUGIN_GROUP):
        try:
            register = entry.load()
        except ImportError as exc:
            broken.append(f"{entry.value} cannot be imported ({exc})")
            continue
        register(sub, common=_common, api=_api)
    for name in SANDBOX_COMMANDS:
        if name not in sub.choices:
            p = sub.add_parser(name, help="(needs the sandbox: pip install -e sandbox in a clone)")
            p.set_defaults(func=_needs_sandbox, plugin_problems=broken)


def _needs_sandbox(args: argparse.Namespace) -> int:
    found = "; ".join(args.plugin_problems)
    raise UsageError(f"`{args.command}` comes with the sandbox, which is not installed"
                     f"{f' ({found})' if found else ''}: in a clone of the repository run "
                     "`pip install -e sandbox` (or `make demo`)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "func", None) is not _needs_sandbox:  # the placeholders take any arguments
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    func: Callable[[argparse.Namespace], Any] = args.func
    try:
        result = func(args)
    except SegmentAnalyticsError as exc:  # a message written for people: no traceback
        where = "segment-analytics" if exc.usage else f"segment-analytics {args.command}"
        print(f"{where}: {redact(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: never a raw traceback (it may hold a secret)
        return _unexpected(args, exc)
    return int(result or 0)


def _unexpected(args: argparse.Namespace, exc: Exception) -> int:
    """An error no module wrote a message for: one redacted line, and how to see more.

    The traceback (with its chained exceptions) is printed only with SEGMENT_ANALYTICS_DEBUG=1 or
    --verbose, and redacted like every other message.
    """
    for name in (API_KEY_ENV, MODEL_KEY_ENV):  # also when the failure came before a key was read
        register_secret(os.environ.get(name, "").strip() or None)
    text = " ".join(redact(exc).split())
    line = f"{type(exc).__name__}: {text[:_MAX_MESSAGE]}{'…' if len(text) > _MAX_MESSAGE else ''}"
    command = " ".join(c for c in (args.command, getattr(args, "rules_command", None),
                                   getattr(args, "alerts_command", None)) if c)
    print(f"segment-analytics {command}: unexpected error: {line}", file=sys.stderr)
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0") or getattr(args, "verbose", False):
        print(redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    else:
        print(f"segment-analytics: re-run with {DEBUG_ENV}=1 (or --verbose) to see the traceback, "
              "secrets redacted", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

