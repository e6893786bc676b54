"""Freshness: is the landing current (the newest successful pull), and are behaviour tables still
receiving events (the newest value of a metric's unix-seconds time column)?

Thresholds come from `segment_analytics.freshness: {warn_after_hours: 24, error_after_hours: 48}`,
each key with its default; `dbt source freshness` reads the same keys (models/staging/*sources.yml,
macros/config/sa_freshness.sql), validated with the rest of the configuration (orchestrate/config/);
`report_after_run` is what `run` prints after the build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrate import dbt_runner
from orchestrate.config import Config
from orchestrate.config.schema import DEFAULTS


@dataclass(frozen=True)
class Thresholds:
    warn_after_hours: int = DEFAULTS["freshness"]["warn_after_hours"]
    error_after_hours: int = DEFAULTS["freshness"]["error_after_hours"]

    @classmethod
    def from_config(cls, config: Config | None) -> Thresholds:
        """From the validated configuration (None: the defaults)."""
        if config is None:
            return cls()
        return cls(config.freshness.warn_after_hours, config.freshness.error_after_hours)

    def status(self, age: timedelta | None) -> str:
        """ok, warn or error for an age (None: nothing found, an error)."""
        if age is None or age >= timedelta(hours=self.error_after_hours):
            return "error"
        if age >= timedelta(hours=self.warn_after_hours):
            return "warn"
        return "ok"


@dataclass(frozen=True)
class Freshness:
    """One freshness reading: what, its status (ok / warn / error), and a sentence for people."""

    name: str
    status: str
    detail: str
    newest: datetime | None = None


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _age_text(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def quote_relation(*parts: str) -> str:
    """`"a"."b"`, each part double-quoted (quotes doubled): the same on DuckDB and Trino."""
    return ".".join('"' + str(p).replace('"', '""') + '"' for p in parts if p)


def landing_freshness(conn: Any, landing_schema: str, thresholds: Thresholds,
                      now: datetime | None = None) -> Freshness:
    """The newest successful pull (cdp_landing__pull_runs.finished_at), and a failed pull after it."""
    now = now or datetime.now(UTC)
    table = quote_relation(landing_schema, "cdp_landing__pull_runs")
    cur = conn.cursor()
    cur.execute(f"select status, finished_at, run_date, problems from {table} "
                "order by finished_at desc nulls last")
    rows = cur.fetchall()
    success = next((r for r in rows if str(r[0] or "").startswith("success")), None)
    failed_after = [r for r in rows if not str(r[0] or "").startswith("success")
                    and (success is None or (_utc(r[1]) or now) > (_utc(success[1]) or now))]
    failure_note = ""
    if failed_after:
        failure_note = (f"; {len(failed_after)} failed pull(s) since"
                        f"{' it' if success else ''}, the latest: {_problem_text(failed_after[0][3])}")
    if success is None:
        return Freshness("landing", "error", "no successful pull is landed" + failure_note
                         + "; run `segment-analytics pull` (or `run`)")
    newest = _utc(success[1])
    age = now - newest if newest else None
    status = thresholds.status(age)
    when = f"the newest successful pull finished {_age_text(age)} ago" if age is not None else \
        "the newest successful pull has no finish time"
    detail = f"{when} (run date {success[2]}){failure_note}"
    if status != "ok":
        detail += (f"; warn after {thresholds.warn_after_hours} h, error after {thresholds.error_after_hours} h: "
                   "check the daily `segment-analytics run` schedule and its log")
    return Freshness("landing", status, detail, newest)


def _problem_text(problems: Any) -> str:
    import json

    text = problems if isinstance(problems, str) else json.dumps(problems)
    try:
        items = json.loads(text) if text else []
    except ValueError:
        items = []
    reasons = [str(i.get("reason")) for i in items if isinstance(i, dict) and i.get("reason")]
    found = reasons[0] if reasons else "no reason recorded"
    return found[:300]


def behavior_freshness(conn: Any, relation: str, time_column: str, thresholds: Thresholds,
                       now: datetime | None = None) -> Freshness:
    """The newest event of a behaviour table (an integer unix-seconds column), reading only the last
    2 x error_after_hours (a time-partitioned table is not scanned whole)."""
    now = now or datetime.now(UTC)
    since = int(now.timestamp()) - 2 * thresholds.error_after_hours * 3600
    column = quote_relation(time_column)
    cur = conn.cursor()
    cur.execute(f"select max({column}) from {relation} where {column} >= {since}")
    row = cur.fetchone()
    newest_epoch = row[0] if row else None
    if newest_epoch is None:
        return Freshness(relation, "error",
                         f"no event in the last {2 * thresholds.error_after_hours} h ({time_column}); "
                         "check the job that loads this table")
    newest = datetime.fromtimestamp(int(newest_epoch), UTC)
    age = now - newest
    status = thresholds.status(age)
    detail = f"newest event {_age_text(age)} ago ({time_column})" if age >= timedelta(0) else \
        f"newest event is {_age_text(-age)} in the future ({time_column}); check the column holds unix seconds"
    if status != "ok":
        detail += f"; warn after {thresholds.warn_after_hours} h, error after {thresholds.error_after_hours} h"
    return Freshness(relation, status, detail, newest)


# --------------------------------------------------------------------------- after `run`


def report_after_run(ctx: Any, *, out: Callable[[str], None] = print) -> list[Freshness]:
    """What `run` prints after the build: `dbt source freshness` of the project (landing tables and
    behaviour sources with a time column), one line per source that is not fresh. Never raises for
    stale data: a stale source is a warning of the run, not a failed run."""
    readings: list[Freshness] = []
    try:
        result = dbt_runner.run_dbt(["source", "freshness"], **ctx.dbt_options)
        readings = list(_from_results(getattr(result.result, "results", None) or []))
    except dbt_runner.DbtFailed as exc:
        readings = [_from_failure(f) for f in exc.failures] or [Freshness("sources", "error", str(exc))]
    for reading in readings:
        if reading.status != "ok":
            out(f"freshness {reading.status.upper()}: {reading.name}: {reading.detail}")
    return readings


def _from_failure(failure: str) -> Freshness:
    """`source.<package>.<source>.<table>: error: …` -> a reading of `<source>.<table>`; any other
    failure (dbt could not run at all) -> a reading named `sources` with dbt's message."""
    name, _, rest = failure.partition(":")
    parts = name.strip().split(".")
    if parts[0] == "source" and len(parts) == 4:
        return Freshness(f"{parts[2]}.{parts[3]}", "error", "stale or unreadable (dbt source freshness: error)")
    return Freshness("sources", "error", f"dbt source freshness did not finish: {failure[:300]}")


def _from_results(results: Iterable[Any]) -> Iterable[Freshness]:
    for item in results:
        status = str(getattr(item, "status", "")).lower()
        node = getattr(item, "node", None)
        if not hasattr(node, "source_name"):  # the project hooks' results
            continue
        name = f"{getattr(node, 'source_name', '?')}.{getattr(node, 'name', '?')}"
        age = getattr(item, "age", None)
        newest = _utc(getattr(item, "max_loaded_at", None))
        if status == "pass":
            yield Freshness(name, "ok", "fresh", newest)
        else:
            detail = f"newest row {_age_text(timedelta(seconds=age))} old" if isinstance(age, int | float) else status
            yield Freshness(name, "warn" if status == "warn" else "error", detail, newest)
