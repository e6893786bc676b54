"""`segment-analytics doctor`: is everything in place for a run? One line per check, and for each
one that fails, what to fix. Exit code 1 when a check fails (warnings alone leave it 0).

Checks, in order: the configuration and dbt target; the files `generate` writes (stale or not); the
API key (never printed: only its id part); the region / API URL; one cheap CDP read
(`GET /entities/parent_segments`); the warehouse connection; the landing and target schemas; every
metric's behaviour table and the columns each metric names (join_key, unixtime_col, agg_col_name)
and its filter; freshness of the landing (the newest successful pull) and of each behaviour table's
time column.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from orchestrate.clients import ApiOptions, cdp_client
from orchestrate.config import ConfigError, Metric
from orchestrate.context import context_from_args
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.generated import GENERATORS, stale_files
from orchestrate.http import ApiError, HttpPolicy, redact, register_secret
from orchestrate.project import API_KEY_ENV
from orchestrate.regions import UnknownRegionError, cdp_base_url, region
from orchestrate.setup.freshness import Thresholds, behavior_freshness, landing_freshness
from orchestrate.setup.probe import TableRef, filter_problem, first_line, schema_exists, table_columns
from orchestrate.setup.relations import RelationError, metric_relations
from orchestrate.warehouse.connect import connect

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"

# A health check should answer quickly: two attempts, short timeouts.
DOCTOR_POLICY = HttpPolicy(connect_timeout=5.0, read_timeout=15.0, request_timeout=20.0, max_attempts=2,
                           backoff_base=0.2, backoff_max=1.0, total_timeout=30.0)


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def lines(self) -> list[str]:
        out = [f"{self.status:<5} {self.name}: {redact(self.detail)}"]
        if self.fix and self.status in (FAIL, WARN):
            out.append(f"      fix: {redact(self.fix)}")
        return out


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check, out: Callable[[str], None]) -> Check:
        self.checks.append(check)
        for line in check.lines():
            out(line)
        return check

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def by_name(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


# --------------------------------------------------------------------------- the checks


def check_context(args: argparse.Namespace) -> tuple[Check, Any]:
    try:
        ctx = context_from_args(args)
    except ConfigError as exc:
        problems = "; ".join(str(p) for p in exc.problems)
        return Check("config", FAIL, f"{len(exc.problems)} problem(s): {problems}",
                     "correct each named key of `segment_analytics:` (dbt_project.yml vars or --vars)"), None
    except SegmentAnalyticsError as exc:
        return Check("config", FAIL, str(exc), "see the message; `--project-dir`, `--profiles-dir`, `--target`"), None
    metrics = len(ctx.config.metrics)
    return Check("config", OK, f"project {ctx.project_dir}, target {ctx.target} "
                               f"({ctx.target_profile.get('type')}), {metrics} metric(s)"), ctx


def check_generated(ctx: Any) -> Check:
    """The files `segment-analytics generate` writes (semantic layer metrics): stale when the
    configuration renders a different text (a KPI added, removed or changed since)."""
    try:
        stale = stale_files(ctx.project_dir, ctx.config, GENERATORS)
    except ConfigError as exc:
        return Check("generated files", FAIL, "; ".join(str(p) for p in exc.problems), "rename the KPI named")
    if stale:
        names = ", ".join(str(f.path.relative_to(ctx.project_dir)) for f in stale)
        return Check("generated files", WARN, f"stale for this configuration: {names}",
                     "run `segment-analytics generate` with the same --project-dir and --vars")
    return Check("generated files", OK, f"{len(GENERATORS)} file(s) match the configuration")


def mask_key(key: str) -> str:
    """`1234/…` — the id part only; the secret part is never shown."""
    ident, sep, _secret = key.partition("/")
    if sep and ident.isdigit():
        return f"{ident}/… (secret part hidden)"
    return "(hidden)"


def check_api_key() -> tuple[Check, str | None]:
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        return Check("api key", FAIL, f"{API_KEY_ENV} is not set",
                     f"export {API_KEY_ENV}=<your master API key> (read from the environment only)"), None
    register_secret(key)
    ident, sep, secret = key.partition("/")
    if not (sep and ident.isdigit() and secret):
        return Check("api key", WARN, f"set, {mask_key(key)}, but not in TD's <id>/<secret> form",
                     "copy the whole key from the console's API keys page"), key
    return Check("api key", OK, f"set, {mask_key(key)}"), key


def check_region(args: argparse.Namespace, ctx: Any) -> tuple[Check, str | None]:
    api_url = getattr(args, "api_url", None)
    region_name = getattr(args, "region", None)
    try:
        url = cdp_base_url(region_name, api_url)
        site = None if api_url else region(region_name)
    except UnknownRegionError as exc:
        return Check("region", FAIL, str(exc), "pass --region us01|jp01|eu01|ap02|ap03"), None
    if api_url and not api_url.lower().startswith(("http://", "https://")):
        return Check("region", FAIL, f"--api-url {api_url!r} is not an http(s) URL",
                     "pass a URL such as https://api-cdp.eu01.treasuredata.com, or --region"), None
    detail = f"CDP API {url}" + (f" (region {site.name})" if site else " (--api-url)")
    host = str((ctx.target_profile if ctx else {}).get("host") or "")
    if site and "treasuredata" in host and host != site.trino_host:
        return Check("region", WARN, f"{detail}, but the target's Trino host is {host}",
                     f"region {site.name}'s Trino host is {site.trino_host}: use the same region for both"), url
    return Check("region", OK, detail), url


def check_api(args: argparse.Namespace, key: str | None, url: str | None) -> Check:
    if key is None or url is None:
        return Check("api", SKIP, "needs the API key and a valid region / API URL")
    try:
        client = cdp_client(ApiOptions(region=getattr(args, "region", None), api_url=getattr(args, "api_url", None),
                                       api_key=key, policy=DOCTOR_POLICY))
        found = client.list_parent_segments_v5()
    except ApiError as exc:
        status = getattr(exc, "status", None)
        if status == 401:
            return Check("api", FAIL, f"{url} refused the key (401 Unauthorized)",
                         f"{API_KEY_ENV} must be a valid master API key of this region's account")
        if status == 403:
            return Check("api", FAIL, f"{url} answered 403 Forbidden for GET /entities/parent_segments",
                         "use a key whose user may view the parent segments (Audience Studio permissions)")
        if status is None:
            return Check("api", FAIL, f"cannot read {url}: {redact(exc)}",
                         "check --region / --api-url, the network and any proxy")
        return Check("api", FAIL, f"{url} answered {status}: {redact(exc)}", "retry later; if it persists, "
                                                                              "ask Treasure Data support")
    except Exception as exc:  # noqa: BLE001 - an unreachable or odd URL fails this check only
        return Check("api", FAIL, f"cannot reach {url}: {type(exc).__name__}: {redact(exc)}",
                     "check --region / --api-url, the network and any proxy")
    return Check("api", OK, f"{url} answered: {len(found)} parent segment(s) (v5)")


def _metric_columns(metric: Metric) -> Iterator[tuple[str, str]]:
    for key in ("join_key", "unixtime_col", "agg_col_name"):
        value = getattr(metric, key)
        if value and value != "1":
            yield key, str(value)


def check_warehouse(ctx: Any, report: Report, out: Callable[[str], None]) -> None:
    """Connection, schemas, behaviour tables and columns, freshness (all through one connection)."""
    metrics = list(ctx.config.metrics)
    try:
        relations = metric_relations(ctx, [m.source for m in metrics])
        relation_error = None
    except RelationError as exc:
        relations, relation_error = {}, str(exc)
    profile = ctx.target_profile
    target_schema = str(profile.get("schema") or "main")
    landing = str(ctx.config.landing_schema or target_schema)
    try:
        with connect(profile) as conn:
            cur = conn.cursor()
            cur.execute("select 1")
            cur.fetchall()
            report.add(Check("warehouse", OK, f"connected to target {ctx.target} ({profile.get('type')}, "
                                              f"{profile.get('host') or profile.get('path')})"), out)
            _after_connect(conn, ctx, report, out, landing, target_schema, metrics, relations, relation_error)
    except Exception as exc:  # noqa: BLE001 - a connection failure is this check's answer
        if any(c.name == "warehouse" for c in report.checks):
            report.add(Check("warehouse reads", FAIL, f"stopped: {first_line(exc)}",
                             "see the message; the target's user may lack read permission"), out)
            return
        report.add(Check("warehouse", FAIL, f"cannot use target {ctx.target}: {first_line(exc)}",
                         "check profiles.yml (host, port, user, catalog/database, schema) and credentials"), out)


def _after_connect(conn: Any, ctx: Any, report: Report, out: Callable[[str], None], landing: str,
                   target_schema: str, metrics: list[Metric], relations: dict[str, TableRef],
                   relation_error: str | None) -> None:
    dialect = ctx.dialect
    landing_ok = _schemas(conn, report, out, landing, target_schema, dialect)
    tables_ok = _behaviour_tables(conn, report, out, metrics, relations, relation_error, dialect)
    thresholds = Thresholds.from_config(ctx.config)
    if landing_ok:
        try:
            reading = landing_freshness(conn, landing, thresholds)
            status = {"ok": OK, "warn": WARN, "error": FAIL}[reading.status]
            report.add(Check("freshness landing", status, reading.detail,
                             "run `segment-analytics run` (daily); see the failed pull's problems"), out)
        except Exception as exc:  # noqa: BLE001
            report.add(Check("freshness landing", FAIL, f"cannot read the pull runs: {first_line(exc)}",
                             "run `segment-analytics pull` once to create the landing tables"), out)
    for source, time_column in tables_ok:
        try:
            reading = behavior_freshness(conn, relations[source].sql, time_column, thresholds)
        except Exception as exc:  # noqa: BLE001
            report.add(Check(f"freshness {source}", WARN, f"cannot read {time_column}: {first_line(exc)}",
                             f"{time_column} must hold integer unix seconds"), out)
            continue
        # behaviour data may be loaded less often than daily: a warning, never a failed doctor
        report.add(Check(f"freshness {source}", OK if reading.status == "ok" else WARN, reading.detail,
                         "check the job that loads this behaviour table"), out)


def _schemas(conn: Any, report: Report, out: Callable[[str], None], landing: str, target_schema: str,
             dialect: str) -> bool:
    """The landing schema and the target's; True when the landing schema exists."""
    landing_ok = schema_exists(conn, landing, dialect=dialect)
    if landing_ok:
        report.add(Check("landing schema", OK, f"{landing} exists"), out)
    else:
        report.add(Check("landing schema", FAIL, f"{landing} does not exist (nothing was pulled here yet)",
                         "run `segment-analytics pull` (or `run`); it creates the landing tables"), out)
    if landing == target_schema:
        return landing_ok
    if schema_exists(conn, target_schema, dialect=dialect):
        report.add(Check("target schema", OK, f"{target_schema} exists"), out)
    else:
        report.add(Check("target schema", FAIL, f"{target_schema} does not exist",
                         "`segment-analytics build` creates it where the user may create schemas; on Treasure "
                         "Data create the database first (console or `td db:create`)"), out)
    return landing_ok


def _behaviour_tables(conn: Any, report: Report, out: Callable[[str], None], metrics: list[Metric],
                      relations: dict[str, TableRef], relation_error: str | None,
                      dialect: str) -> list[tuple[str, str]]:
    """One check per behaviour table (its columns and the metrics' filters); returns (source, time
    column) of the tables whose time column exists, for the freshness checks."""
    if not metrics:
        report.add(Check("metrics", FAIL, "no metric is configured (segment_analytics.metrics is empty)",
                         "add metrics, or run `segment-analytics init` to write a starting configuration"), out)
        return []
    if relation_error:
        report.add(Check("behaviour tables", FAIL, f"dbt could not resolve the metrics' sources: {relation_error}",
                         "check `metrics[].source` and `declared_behavior_sources`"), out)
        return []
    by_source: dict[str, list[tuple[int, Metric]]] = {}
    for index, metric in enumerate(metrics):
        by_source.setdefault(metric.source, []).append((index, metric))
    fresh_candidates: list[tuple[str, str]] = []
    for source, items in by_source.items():
        ref = relations[source]
        name = f"table {source}"
        columns = table_columns(conn, ref, dialect=dialect)
        if not columns:
            report.add(Check(name, FAIL, f"{ref} does not exist (metrics "
                                         f"{', '.join(m.metric for _, m in items)})",
                             "create or load the table, or fix metrics[].source"), out)
            continue
        problems: list[str] = []
        for index, metric in items:
            for key, column in _metric_columns(metric):
                if column.lower() not in columns:
                    problems.append(f"metrics[{index}].{key}: column {column!r} is not in {ref}")
            if metric.filter:
                why = filter_problem(conn, ref, metric.filter)
                if why:
                    problems.append(f"metrics[{index}].filter does not run on {ref}: {why}")
        if problems:
            report.add(Check(name, FAIL, "; ".join(problems),
                             f"use a column of {ref} (it has: {', '.join(list(columns)[:20])})"), out)
            continue
        report.add(Check(name, OK, f"{len(columns)} columns; the columns its metrics name are there"), out)
        for time_column in dict.fromkeys(m.unixtime_col for _, m in items):
            fresh_candidates.append((source, time_column))
    return fresh_candidates


# --------------------------------------------------------------------------- the command


def run_doctor(args: argparse.Namespace, *, out: Callable[[str], None] = print) -> Report:
    report = Report()
    context_check, ctx = check_context(args)
    report.add(context_check, out)
    if ctx is not None:
        report.add(check_generated(ctx), out)
    key_check, key = check_api_key()
    report.add(key_check, out)
    region_check, url = check_region(args, ctx)
    report.add(region_check, out)
    report.add(check_api(args, key, url), out)
    if ctx is None:
        report.add(Check("warehouse", SKIP, "needs a valid configuration and dbt target (see `config`)"), out)
    else:
        check_warehouse(ctx, report, out)
    failed = report.failed
    out(f"doctor: {len(failed)} check(s) failed" + (": " + ", ".join(c.name for c in failed) if failed else
                                                     "; ready to run"))
    return report


def cmd_doctor(args: argparse.Namespace) -> int:
    return 1 if run_doctor(args).failed else 0


def register(subparsers: Any, *, common: Callable[[argparse.ArgumentParser], None],
             api: Callable[..., None]) -> argparse.ArgumentParser:
    """Add `doctor` to the CLI (common: the CLI's --project-dir/--profiles-dir/--target/--vars
    helper; api: its --region/--api-url helper)."""
    parser = subparsers.add_parser("doctor", help="check the key, region, API, warehouse, behaviour tables "
                                                  "and freshness; print what to fix")
    common(parser)
    api(parser)
    parser.set_defaults(func=cmd_doctor)
    return parser
