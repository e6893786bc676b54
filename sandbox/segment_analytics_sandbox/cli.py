"""The sandbox's commands of `segment-analytics`: `demo` and `fake-api`.

The product's CLI finds `register` through the entry point group `segment_analytics.commands`
(sandbox/pyproject.toml), so the product never imports the sandbox.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrate import pipeline
from orchestrate.errors import CommandFailed
from segment_analytics_sandbox.demo.run import run_demo
from segment_analytics_sandbox.demo.seed import demo_state
from segment_analytics_sandbox.fake_api.server import serve


def register(sub: Any, *, common: Callable[[argparse.ArgumentParser], None],
             api: Callable[..., None]) -> None:
    """Add `demo` and `fake-api` to the CLI's sub-command parsers."""
    del common, api  # neither command reads a dbt project's target or the real API
    p = sub.add_parser("demo", help="build a synthetic account into DuckDB end to end (nothing leaves the machine)")
    p.add_argument("--duckdb", help="DuckDB file (default: $SEGMENT_ANALYTICS_DUCKDB, else "
                                    "segment_analytics.duckdb in the project folder)")
    p.add_argument("--workdir", help="folder for the demo's profiles, logs and report "
                                     "(default: demo_output in the project folder)")
    p.add_argument("--days", type=int, default=None, help="number of simulated run days")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("fake-api", help="serve the fake CDP + Insights API on 127.0.0.1 (tests, demos)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--state", help="JSON file with an account to serve (default: the demo account)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=cmd_fake_api)


def cmd_demo(args: argparse.Namespace) -> int:
    """The end-to-end demo on DuckDB, ending with the HTML report."""
    result = run_demo(workdir=Path(args.workdir) if args.workdir else None,
                      duckdb_path=Path(args.duckdb) if args.duckdb else None,
                      days=args.days)
    print(result.summary())
    if result.context is None:  # the demo's own runner always gives its context
        raise CommandFailed("the demo ran without a run context: no report")
    report = pipeline.report(result.context, out=result.workdir / pipeline.REPORT_FILE,
                             title="Segment Analytics — demo account")
    print(f"HTML report: {report}")
    return 0


def cmd_fake_api(args: argparse.Namespace) -> int:
    """Serve a saved account, or the demo account when none is given."""
    if args.state:
        serve(host=args.host, port=args.port, state_file=args.state)
        return 0
    with tempfile.TemporaryDirectory(prefix="segment-analytics-fake-") as folder:
        path = Path(folder) / "demo_account.json"
        demo_state().save(path)
        serve(host=args.host, port=args.port, state_file=str(path))
    return 0
