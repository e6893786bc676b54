"""`segment-analytics init`: a starting configuration from the account itself.

It reads each parent segment's configuration from the CDP API (`GET /audiences`: attributes and
behaviours, with each behaviour's database, table, join keys and column types), looks at every
behaviour table in the warehouse (row count; sums of the numeric columns picked with
`--sum-columns`, printed so they can be checked against the console), and writes two files into
`--out-dir` (never over an existing file without `--force`):

- `segment_analytics_vars.yml`: a commented `vars:` block (`declared_behavior_sources` and
  `segment_analytics:` with a row-count metric per behaviour table and a sum per picked column),
  validated by the same rules as every run before it is written;
- `_segment_analytics__behavior_sources.yml`: a dbt sources file declaring each behaviour table
  (columns, and freshness from its unix-seconds time column) for the host project's `models/`.

A behaviour table that cannot be used as written (not in the warehouse, no time column, a join key
it lacks, a name that is no SQL identifier) is left out of the metrics with a comment saying why.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrate.clients import ApiOptions, cdp_client
from orchestrate.config import validate_config
from orchestrate.context import target_from_args
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import ApiError
from orchestrate.regions import cdp_base_url
from orchestrate.setup.catalog import BehaviorTable, CatalogError, ParentSegmentConfig, read_catalog
from orchestrate.setup.probe import TableRef, count_and_sums, first_line, is_numeric, table_columns
from orchestrate.warehouse.connect import connect

VARS_FILE = "segment_analytics_vars.yml"
SOURCES_FILE = "_segment_analytics__behavior_sources.yml"
DEFAULT_TIME_COLUMN = "time"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InitError(SegmentAnalyticsError, RuntimeError):
    """init could not write a configuration; the message says why and what to do."""


@dataclass
class TablePlan:
    """One behaviour table: what the warehouse says about it, and the metrics it gets."""

    table: BehaviorTable
    usable: bool = False
    reason: str = ""
    warehouse_columns: dict[str, str] = field(default_factory=dict)
    rows: int | None = None
    sums: dict[str, float | None] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"{self.table.database}.{self.table.table}"


# --------------------------------------------------------------------------- inputs


def parse_sum_columns(text: str | None) -> list[tuple[str, str]]:
    """`orders.amount,demo_db.orders.items` -> [(table or db.table, column)]."""
    picked: list[tuple[str, str]] = []
    for raw in (text or "").split(","):
        item = raw.strip()
        if not item:
            continue
        table, dot, column = item.rpartition(".")
        if not dot or not table or not column:
            raise InitError(f"--sum-columns {item!r}: use <table>.<column> or <database>.<table>.<column>")
        picked.append((table, column))
    return picked


def _match_sums(picked: list[tuple[str, str]], plans: list[TablePlan]) -> dict[tuple[str, str], list[str]]:
    """Each picked column on the one behaviour table it names; unknown ones are an error listing choices."""
    out: dict[tuple[str, str], list[str]] = {}
    problems: list[str] = []
    for table, column in picked:
        hits = [p for p in plans if table.lower() in (p.table.table.lower(), p.source.lower())]
        if len(hits) != 1:
            choices = ", ".join(p.source for p in plans) or "none"
            problems.append(f"{table}.{column}: {'no' if not hits else 'more than one'} behaviour table "
                            f"{table!r} (tables: {choices})")
            continue
        plan = hits[0]
        numeric = [c for c, kind in plan.warehouse_columns.items() if is_numeric(kind)]
        if column.lower() not in numeric:
            problems.append(f"{table}.{column}: not a numeric column of {plan.source} "
                            f"(numeric: {', '.join(numeric) or 'none'})")
            continue
        out.setdefault(plan.table.key, []).append(column.lower())
    if problems:
        raise InitError("--sum-columns: " + "; ".join(problems))
    return out


# --------------------------------------------------------------------------- planning


def metric_base(name: str) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "behavior"
    return base if re.match(r"[a-z_]", base) else f"b_{base}"


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}_{n}", n + 1
    used.add(candidate)
    return candidate


def inspect_tables(conn: Any, tables: list[BehaviorTable], *, profile_id_column: str, time_column: str,
                   dialect: str) -> list[TablePlan]:
    """Each behaviour table in the warehouse: does it exist, has it the join key and time column."""
    plans = []
    for table in tables:
        plan = TablePlan(table)
        plans.append(plan)
        if not (_IDENT.fullmatch(table.database) and _IDENT.fullmatch(table.table)):
            plan.reason = "its database or table name is not a SQL identifier"
            continue
        if table.foreign_key != profile_id_column:
            plan.reason = (f"it joins the master column {table.foreign_key}, not profile_id_column "
                           f"{profile_id_column}")
            continue
        try:
            plan.warehouse_columns = table_columns(conn, TableRef(None, table.database, table.table), dialect=dialect)
        except Exception as exc:  # noqa: BLE001 - the reason is written next to the table
            plan.reason = f"the warehouse could not be asked about it: {first_line(exc)}"
            continue
        cols = plan.warehouse_columns
        if not cols:
            plan.reason = "it is not in the warehouse (target database / catalog)"
        elif table.parent_key.lower() not in cols:
            plan.reason = f"it has no column {table.parent_key} (the behaviour's join key)"
        elif time_column.lower() not in cols or not is_numeric(cols[time_column.lower()]):
            plan.reason = f"it has no integer unix-seconds column {time_column} (pass --time-column)"
        else:
            plan.usable = True
    return plans


def plan_metrics(plans: list[TablePlan], sums: dict[tuple[str, str], list[str]], time_column: str) -> None:
    used: set[str] = set()
    for plan in plans:
        if not plan.usable:
            continue
        base = metric_base(plan.table.behavior_names[0] if plan.table.behavior_names else plan.table.table)
        common = {"source": plan.source, "join_key": plan.table.parent_key.lower(), "unixtime_col": time_column}
        plan.metrics.append({"metric": _unique(base, used), "agg": "count", "agg_col_name": "1", **common})
        for column in sums.get(plan.table.key, []):
            plan.metrics.append({"metric": _unique(f"{base}_{metric_base(column)}", used), "agg": "sum",
                                 "agg_col_name": column, **common})


# --------------------------------------------------------------------------- rendering


def _q(value: Any) -> str:
    """A YAML scalar (JSON-style quoting for strings: always valid YAML)."""
    import json

    return json.dumps(value) if isinstance(value, str) else yaml.safe_dump(value).strip().removesuffix("...").strip()


def render_vars(plans: list[TablePlan], segments: list[ParentSegmentConfig], *, profile_id_column: str,
                source_url: str, now: datetime) -> str:
    """The commented vars block; `yaml.safe_load` of it gives the configuration (tested)."""
    databases = sorted({p.table.database for p in plans if p.metrics})
    lines = [
        f"# Written by `segment-analytics init` on {now:%Y-%m-%d %H:%M} UTC from {source_url}.",
        "# Paste these keys under `vars:` in your dbt_project.yml (keys you leave out keep their defaults).",
        "# Parent segments read: " + (", ".join(f"{s.name} ({s.ps_id})" for s in segments) or "none"),
        "",
        "# dbt sources (declared in " + SOURCES_FILE + ") that metrics[].source names.",
        f"declared_behavior_sources: [{', '.join(_q(d) for d in databases)}]",
        "",
        "segment_analytics:",
        "  # Output tables are <project_prefix>_ps_stats, <project_prefix>_final_metrics_table, ...",
        f"  project_prefix: {_q('segment_analytics')}",
        "  # The customers column the behaviour tables join (their behaviours' master foreignKey).",
        f"  profile_id_column: {_q(profile_id_column)}",
        "  filters:",
        "    # Lower-case regexes over parent segment / folder / segment names; blank = all.",
        f"    ps_to_include: {_q('')}",
        f"    folders_to_include: {_q('')}",
        f"    segments_to_include: {_q('')}",
        "  time_window:",
        "    # Metrics over the last 30 days of each run (none | interval | range).",
        f"    type: {_q('interval')}",
        f"    lookback: {_q('-30d')}",
        "  # One row-count metric per behaviour table, one sum per column picked with --sum-columns.",
        "  metrics:",
    ]
    for plan in plans:
        owners = ", ".join(dict.fromkeys(plan.table.parent_segments))
        names = ", ".join(dict.fromkeys(plan.table.behavior_names))
        if not plan.usable:
            lines.append(f"    # {plan.source} (behaviour {names} of {owners}) left out: {plan.reason}")
            continue
        numeric = [c for c, kind in plan.warehouse_columns.items() if is_numeric(kind)]
        lines.append(f"    # {plan.source}: behaviour {names} of {owners}; {plan.rows} rows; "
                     f"numeric columns: {', '.join(numeric) or 'none'}")
        for metric in plan.metrics:
            total = plan.sums.get(metric["agg_col_name"]) if metric["agg"] == "sum" else None
            if metric["agg"] == "sum":
                lines.append(f"    #   sum({metric['agg_col_name']}) over the whole table = {total}")
            lines.append(f"    - metric: {_q(metric['metric'])}")
            for key in ("agg", "agg_col_name", "source", "join_key", "unixtime_col"):
                lines.append(f"      {key}: {_q(metric[key])}")
    if not any(p.metrics for p in plans):
        lines.append("    []")
    return "\n".join(lines) + "\n"


def render_sources(plans: list[TablePlan], *, time_column: str, now: datetime) -> str:
    """A dbt sources file: one source per behaviour database, its tables and columns, freshness."""
    by_db: dict[str, list[TablePlan]] = {}
    for plan in plans:
        if plan.metrics:
            by_db.setdefault(plan.table.database, []).append(plan)
    lines = [
        f"# Written by `segment-analytics init` on {now:%Y-%m-%d %H:%M} UTC: the behaviour tables the",
        "# metrics read. Put it in your project's models/ folder. Freshness: the newest event of the time",
        "# column, with the thresholds of `segment_analytics.freshness` (default warn 24 h, error 48 h).",
        "version: 2",
        "",
        "sources:" + ("" if by_db else " []"),
    ]
    freshness = (
        "        warn_after:",
        "          count: \"{{ ((var('segment_analytics', {}) or {}).get('freshness') or {})"
        ".get('warn_after_hours', 24) }}\"",
        "          period: hour",
        "        error_after:",
        "          count: \"{{ ((var('segment_analytics', {}) or {}).get('freshness') or {})"
        ".get('error_after_hours', 48) }}\"",
        "          period: hour",
    )
    for database, items in sorted(by_db.items()):
        lines += [f"  - name: {_q(database)}", f"    schema: {_q(database)}",
                  f"    description: {_q('Behaviour tables of database ' + database + ' (segment-analytics init).')}",
                  "    config:",
                  "      loaded_at_query: " + _q("{{ segment_analytics.sa_behavior_loaded_at(this, '"
                                                 + time_column + "') }}"),
                  "      freshness:", *freshness,
                  "    tables:"]
        for plan in items:
            names = ", ".join(dict.fromkeys(plan.table.behavior_names))
            lines += [f"      - name: {_q(plan.table.table)}",
                      f"        description: {_q('Behaviour ' + names + ' (' + str(plan.rows) + ' rows at init).')}",
                      "        columns:"]
            for column, kind in plan.warehouse_columns.items():
                role = {plan.table.parent_key.lower(): "join key (profile id)",
                        time_column.lower(): "event time, integer unix seconds (UTC)"}.get(column, kind)
                lines += [f"          - name: {_q(column)}", f"            description: {_q(role)}"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the command


def _target(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The dbt target's profile output and its dialect. The configuration need not be valid yet
    (init is what writes it), so only the project's profile and target are resolved."""
    output = target_from_args(args).output
    return output, ("duckdb" if output.get("type") == "duckdb" else "trino")


def _inspect(connect_to: Any, profile: dict[str, Any], tables: list[BehaviorTable], picked: list[tuple[str, str]],
             profile_id_column: str, time_column: str, dialect: str) -> list[TablePlan]:
    """Look at every behaviour table, plan the metrics, count rows and sum the picked columns."""
    with connect_to(profile) as conn:
        plans = inspect_tables(conn, tables, profile_id_column=profile_id_column, time_column=time_column,
                               dialect=dialect)
        sums = _match_sums(picked, [p for p in plans if p.usable])
        plan_metrics(plans, sums, time_column)
        for plan in plans:
            if plan.usable:
                plan.rows, plan.sums = count_and_sums(conn, TableRef(None, plan.table.database, plan.table.table),
                                                      sums.get(plan.table.key, []))
    return plans


def _print_findings(segments: list[ParentSegmentConfig], plans: list[TablePlan], out: Callable[[str], None]) -> None:
    for segment in segments:
        attrs = ", ".join(f"{n} ({t})" for n, t in segment.attributes) or "none"
        out(f"parent segment {segment.name} ({segment.ps_id}): attributes {attrs}")
    for plan in plans:
        if not plan.usable:
            out(f"  {plan.source}: left out: {plan.reason}")
            continue
        numeric = [c for c, kind in plan.warehouse_columns.items() if is_numeric(kind)]
        sums_text = "".join(f"; sum({c}) = {v}" for c, v in plan.sums.items())
        out(f"  {plan.source}: {plan.rows} rows; numeric columns: {', '.join(numeric) or 'none'}{sums_text}")


def run_init(args: argparse.Namespace, *, out: Callable[[str], None] = print,
             now: datetime | None = None) -> tuple[Path, Path]:
    now = now or datetime.now(UTC)
    out_dir = Path(args.out_dir)
    targets = (out_dir / VARS_FILE, out_dir / SOURCES_FILE)
    existing = [str(p) for p in targets if p.exists()]
    if existing and not args.force:
        raise InitError(f"{', '.join(existing)} already exist(s); pass --force to overwrite, or another --out-dir")
    picked = parse_sum_columns(args.sum_columns)
    profile, dialect = _target(args)
    url = cdp_base_url(args.region, args.api_url)
    client = cdp_client(ApiOptions(region=args.region, api_url=args.api_url, max_rps=getattr(args, "max_rps", None)))
    try:
        items = client.list_audiences_v4()
    except ApiError as exc:
        if getattr(exc, "status", None) == 403:
            raise InitError("GET /audiences answered 403: this key may not read parent segment configurations; "
                            "use a key whose user may view them (Audience Studio: parent segment view)") from exc
        raise InitError(f"could not read the parent segment configurations: {exc}") from exc
    wanted = set(args.parent_segment) if args.parent_segment else None
    try:
        segments, tables, notes = read_catalog(items, wanted)
    except CatalogError as exc:
        raise InitError(str(exc)) from exc
    for note in notes:
        out(f"note: {note}")
    keys = Counter(t.foreign_key for t in tables)
    profile_id_column = args.profile_id_column or (keys.most_common(1)[0][0] if keys else "td_canonical_id")
    try:
        plans = _inspect(connect, profile, tables, picked, profile_id_column, args.time_column, dialect)
    except InitError:
        raise
    except Exception as exc:  # noqa: BLE001 - the warehouse's own words, redacted
        raise InitError(f"cannot read the warehouse of target {getattr(args, 'target', None) or 'default'}: "
                        f"{first_line(exc)}; check profiles.yml, or run `segment-analytics doctor`") from exc
    _print_findings(segments, plans, out)
    vars_text = render_vars(plans, segments, profile_id_column=profile_id_column, source_url=url, now=now)
    config = (yaml.safe_load(vars_text) or {}).get("segment_analytics") or {}
    if not config.get("metrics"):
        raise InitError("no behaviour table can be used as a metric source (see the reasons above); nothing "
                        "written. Load the tables into the target's warehouse, or pass --time-column")
    checked = validate_config(config)  # what every run checks: never write a configuration that fails it
    out_dir.mkdir(parents=True, exist_ok=True)
    targets[0].write_text(vars_text, encoding="utf-8")
    targets[1].write_text(render_sources(plans, time_column=args.time_column, now=now), encoding="utf-8")
    out(f"wrote {targets[0]} ({len(checked.metrics)} metric(s)) and {targets[1]}")
    out(f"next: paste the vars into dbt_project.yml, copy {SOURCES_FILE} into models/, "
        "then `segment-analytics doctor` and `segment-analytics run`")
    return targets


def cmd_init(args: argparse.Namespace) -> int:
    run_init(args)  # an InitError is a SegmentAnalyticsError: the CLI prints its message
    return 0


def register(subparsers: Any, *, common: Callable[[argparse.ArgumentParser], None],
             api: Callable[..., None]) -> argparse.ArgumentParser:
    """Add `init` to the CLI (common / api: the CLI's argument helpers)."""
    parser = subparsers.add_parser("init", help="write a starting `segment_analytics:` vars block and a "
                                                "behaviour sources YAML from the account's parent segments")
    common(parser)
    api(parser)
    parser.add_argument("--out-dir", required=True, help="folder for the two files it writes")
    parser.add_argument("--force", action="store_true", help="overwrite files already in --out-dir")
    parser.add_argument("--parent-segment", action="append", default=[], metavar="ID",
                        help="read only this parent segment (repeatable; default: all the key sees)")
    parser.add_argument("--sum-columns", default=None, metavar="TABLE.COL,...",
                        help="numeric columns to sum (a metric each), e.g. orders.amount,orders.items")
    parser.add_argument("--time-column", default=DEFAULT_TIME_COLUMN,
                        help="the behaviour tables' integer unix-seconds column (default: time)")
    parser.add_argument("--profile-id-column", default=None,
                        help="customers column the behaviour tables join (default: their most common foreignKey)")
    parser.set_defaults(func=cmd_init)
    return parser
