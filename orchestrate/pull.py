"""`run_pull`: fetch a whole account into memory, then land it atomically.

1. parent segments, folders, segments (v4/v5 per `filters.v5_flag`), single fetches for rules that
   list reads left out;
2. population statistics: full back-fill on first sight of a segment, afterwards the missing days;
3. member SQL per (ps_id, rule_hash): the API's rule-to-SQL once per new hash; the project's compiler
   on every pull (its SQL depends on the run date; changed SQL replaces the row of that key);
4. one `LandingBatch`, written by the warehouse writer (all or nothing).

A failure before step 4, or in the write of step 4 itself, raises `PullError` and only appends a
`failed` row to pull_runs (best effort), whatever the exception (the message is redacted): the
previous landing is kept. The one exception is a failure while tidying up after the write's switch
(`LandedUntidiedError`): that pull is landed, so it is reported as such, with a warning. One unusable
record, statistics response or parent segment is a problem in pull_runs.problems instead (see
`orchestrate.cdp.fetch`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from orchestrate import rules
from orchestrate.cdp.canonical import canonical_json, canonical_rule_json, describe_rule, rule_hash
from orchestrate.cdp.client import CdpClient
from orchestrate.cdp.fetch import RECORD_STATUSES, UNREADABLE, Account, fetch_account, parallel
from orchestrate.cdp.progress import Progress
from orchestrate.cdp.records import JOURNEY_STAGE_KIND, RecordProblem, Segment, parse_statistics, resolve_timezone
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import ApiError, redact
from orchestrate.rules.member_sql_guard import REJECTED_PREFIX, member_sql_problem
from orchestrate.warehouse.base import LandedUntidiedError, LandingBatch, LandingWriter, Row

log = logging.getLogger("orchestrate.pull")

SQL_SOURCES = ("api", "compiler", "auto")
DIALECTS = ("duckdb", "trino")
# no SQL jobs for these (see _segment_sql); journey stages have no rule of their own either
NO_STATISTICS_KINDS = frozenset({"funnel_stage", JOURNEY_STAGE_KIND})


class PullError(SegmentAnalyticsError, RuntimeError):
    """The pull could not fetch a complete account, or could not land it; nothing was landed."""


@dataclass
class PullResult:
    pull_id: str
    run_date: date
    status: str
    parent_segments: int = 0
    folders: int = 0
    segments: int = 0
    statistics_rows: int = 0
    sql_rows: int = 0
    sql_api_requests: int = 0
    requests: int = 0
    api_versions: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"pull {self.pull_id} ({self.run_date}): {self.status}; {self.parent_segments} parent segments, "
            f"{self.folders} folders, {self.segments} segments, {self.statistics_rows} statistics rows, "
            f"{self.sql_rows} new SQL rows ({self.sql_api_requests} rule-to-SQL requests), "
            f"{self.requests} API requests, {len(self.problems)} problem(s)"
        )


def payload_hash(raw: Any) -> str:
    return hashlib.sha256(canonical_json(raw).encode("utf-8")).hexdigest()


def _audit(pull_id: str, run_date: date, fetched_at: datetime) -> Row:
    return {"pull_id": pull_id, "run_date": run_date, "fetched_at": fetched_at}


def account_rows(account: Account, audit: Row, hashes: dict[str, str]) -> tuple[list[Row], list[Row], list[Row]]:
    """Rows of the three replaced tables (`hashes`: segment id → rule hash)."""
    ps_rows = [
        {"ps_id": p.ps_id, "ps_name": p.name, "api_version": p.api_version, "root_folder_id": p.root_folder_id,
         "population": p.population, "timezone": p.timezone, "updated_at": p.updated_at,
         "raw_json": canonical_json(p.raw), "payload_hash": payload_hash(p.raw), **audit}
        for p in account.parent_segments
    ]
    folder_rows = [
        {"folder_id": f.folder_id, "ps_id": f.ps_id, "parent_folder_id": f.parent_folder_id,
         "folder_name": f.name, "api_version": f.api_version, "raw_json": canonical_json(f.raw),
         "payload_hash": payload_hash(f.raw), **audit}
        for f in account.folders
    ]
    segment_rows = [
        {"segment_id": s.segment_id, "ps_id": s.ps_id, "folder_id": s.folder_id, "segment_name": s.name,
         "api_version": s.api_version, "segment_kind": s.kind, "realtime": s.realtime,
         "population": s.population, "rule_json": canonical_rule_json(s.rule), "rule_hash": hashes[s.segment_id],
         "rule_conditions": describe_rule(s.rule), "created_at": s.created_at, "updated_at": s.updated_at,
         "updated_by": s.updated_by, "raw_json": canonical_json(s.raw), "payload_hash": payload_hash(s.raw),
         **audit}
        for s in account.segments
    ]
    return ps_rows, folder_rows, segment_rows


def _statistics(client: CdpClient, account: Account, writer: LandingWriter, run_date: date,
                fetched_at: datetime, workers: int, progress: Progress, refresh_days: int = 1) -> list[Row]:
    """Back-fill on first sight; afterwards only the missing days.

    A day is missing when no statistics row and no successful pull covers it (each pull lands the
    day's population itself), so daily runs ask the statistics endpoint only for new segments and
    after gaps. `refresh_days` > 1 additionally waits until the gap is that many days old.
    """
    latest = writer.statistics_max_dates()
    pulled = writer.successful_run_dates()
    zones = _statistics_zones(account)
    todo: list[tuple[Segment, date | None]] = []
    for seg in account.segments:
        if seg.kind == "funnel_stage" and seg.funnel_stage is None:
            continue  # no (funnel, stage) ids known: the segment statistics route has none for stages
        if seg.kind == JOURNEY_STAGE_KIND:
            continue  # read with their journey (account.journey_points), below
        last = latest.get((seg.ps_id, seg.segment_id))
        if last is None:
            todo.append((seg, None))
            continue
        gap = _first_missing_day(last, run_date, pulled)
        if gap is not None and gap <= run_date - timedelta(days=max(1, refresh_days)):
            todo.append((seg, gap))
    progress.phase("population statistics", len(todo))

    def fetch(item: tuple[Segment, date | None]) -> list[Row]:
        seg, start = item
        notes: list[RecordProblem] = []
        try:
            if seg.funnel_stage is not None:
                payload = client.funnel_stage_statistics(*seg.funnel_stage, start, run_date)
            else:
                payload = client.segment_statistics(seg.ps_id, seg.segment_id, start, run_date)
            points = parse_statistics(payload, seg.ps_id, seg.segment_id, zones.get(seg.ps_id, UTC), notes)
        except ApiError as exc:
            if exc.status in RECORD_STATUSES or isinstance(exc, UNREADABLE):
                reason = "statistics not found" if exc.status == 404 else f"statistics not read: {exc}"
                account.problem(RecordProblem("segment_statistics", seg.segment_id, reason))
                return []
            raise
        except UNREADABLE as exc:
            account.problem(RecordProblem("segment_statistics", seg.segment_id, f"statistics unreadable: {exc}"))
            return []
        except RecordProblem as exc:
            account.problem(exc)
            return []
        for note in notes:
            account.problem(note)
        return [
            {"ps_id": p.ps_id, "segment_id": p.segment_id, "stat_date": p.stat_date, "population": p.population,
             "measured": p.measured, "fetched_at": fetched_at}
            for p in points
            if (start is None or p.stat_date >= start) and p.stat_date <= run_date
        ]

    rows = [row for chunk in parallel(todo, fetch, workers, progress) for row in chunk]
    progress.close()
    # journey stages: their whole history comes with each pull; only days after the last landed one
    for p in account.journey_points:
        last = latest.get((p.ps_id, p.segment_id))
        if (last is None or p.stat_date > last) and p.stat_date <= run_date:
            rows.append({"ps_id": p.ps_id, "segment_id": p.segment_id, "stat_date": p.stat_date,
                         "population": p.population, "measured": p.measured, "fetched_at": fetched_at})
    return rows


def _statistics_zones(account: Account) -> dict[str, Any]:
    """Each parent segment's zone for statistics days; UTC (and a problem) when absent or unknown."""
    zones: dict[str, Any] = {}
    for ps in account.parent_segments:
        zone, reason = resolve_timezone(ps.timezone)
        zones[ps.ps_id] = zone
        if reason is not None and any(s.ps_id == ps.ps_id for s in account.segments):
            account.problem(RecordProblem("parent_segment_timezone", ps.ps_id, reason))
    return zones


def _rule_hashes(account: Account) -> dict[str, str]:
    """segment id → rule hash; a rule that cannot be hashed or described is a problem, not a crash."""
    hashes: dict[str, str] = {}
    kept: list[Segment] = []
    for seg in account.segments:
        try:
            hashes[seg.segment_id] = rule_hash(seg.rule)
            canonical_rule_json(seg.rule)
            describe_rule(seg.rule)
        except (TypeError, ValueError, RecursionError) as exc:
            account.problem(RecordProblem("segment", seg.segment_id, f"rule cannot be read: {type(exc).__name__}"))
            continue
        kept.append(seg)
    account.segments = kept
    return hashes


def _first_missing_day(last_stat: date, run_date: date, pulled: set[date]) -> date | None:
    """The first day after `last_stat` and before `run_date` covered by neither statistics nor a pull."""
    day = last_stat + timedelta(days=1)
    while day < run_date:
        if day not in pulled:
            return day
        day += timedelta(days=1)
    return None


@dataclass
class _SqlJob:
    ps_id: str
    rule_hash: str
    rule: Any
    segment_id: str
    kind: str
    timezone: str | None


def _compile(job: _SqlJob, dialect: str, now: datetime, rules_by_id: dict[str, Any]) -> tuple[str | None, str | None]:
    """(sql, error) from the project's compiler; SQL the member-SQL guard refuses is an error too."""
    try:
        sql = rules.compile_rule(job.rule, audience_id=job.ps_id, dialect=dialect, now=now,  # type: ignore[arg-type]
                                 resolve_reference=lambda ref: rules_by_id[str(ref)], segment_id=job.segment_id,
                                 timezone=job.timezone)
    except Exception as exc:  # noqa: BLE001 - any compiler failure is recorded, never fatal
        return None, redact(f"{type(exc).__name__}: {exc}")[:2000]
    problem = member_sql_problem(sql, job.ps_id, dialect)
    if problem is not None:
        return None, redact(f"{REJECTED_PREFIX} compiled SQL {problem}")[:2000]
    return sql, None


def _guard_api_sql(job: _SqlJob, sql: str | None, error: str | None) -> tuple[str | None, str | None]:
    """The API's answer through the member-SQL guard: refused SQL is landed as an error, never as SQL."""
    if sql is None:
        return None, error
    problem = member_sql_problem(sql, job.ps_id, "trino")
    if problem is None:
        return sql, None
    return None, redact(f"{REJECTED_PREFIX} API SQL {problem}")[:2000]


def _segment_sql(client: CdpClient, account: Account, writer: LandingWriter, sql_source: str, dialect: str,
                 now: datetime, fetched_at: datetime, workers: int, progress: Progress,
                 hashes: dict[str, str]) -> tuple[list[Row], int, list[tuple[str, str, str]]]:
    """New or changed segment_sql rows, the number of rule-to-SQL requests, the replaced keys.

    API SQL is requested once per (ps_id, rule_hash), ever. The compiler is local and free, so every
    rule is compiled on every pull: its SQL bakes in the run date for relative time windows, and a
    row whose SQL changed replaces the old one (same key).

    Every SQL passes `orchestrate.rules.member_sql_guard` first (one SELECT over the parent segment's
    own tables). An API answer it refuses is landed as an `error` (never as SQL), is a `segment_sql`
    problem naming each segment of that rule, and the compiler's SQL is landed in its place (also
    with segment_sql_source `api`; dbt uses it only for refused API SQL) when the rule compiles.
    """
    existing = writer.existing_sql_keys()
    use_compiler = sql_source in ("compiler", "auto")
    compiled_before = writer.compiled_sql() if use_compiler or any(k[2] == "compiler" for k in existing) else {}
    timezones = {p.ps_id: p.timezone for p in account.parent_segments}
    rules_by_id = {s.segment_id: s.rule for s in account.segments}
    jobs: dict[tuple[str, str], _SqlJob] = {}
    segment_ids: dict[tuple[str, str], list[str]] = {}
    for seg in account.segments:
        if seg.kind in NO_STATISTICS_KINDS:
            continue
        key = (seg.ps_id, hashes[seg.segment_id])
        jobs.setdefault(key, _SqlJob(seg.ps_id, key[1], seg.rule, seg.segment_id, seg.kind,
                                     timezones.get(seg.ps_id)))
        segment_ids.setdefault(key, []).append(seg.segment_id)
    rows: list[Row] = []
    replaced: list[tuple[str, str, str]] = []
    api_jobs: list[_SqlJob] = []
    compiled: dict[tuple[str, str], bool] = {}

    def compile_job(job: _SqlJob) -> bool:
        """Compile `job` (once), keep its row when new or changed; True when it gave usable SQL."""
        key = (job.ps_id, job.rule_hash)
        if key not in compiled:
            sql, error = _compile(job, dialect, now, rules_by_id)
            landed = (*key, "compiler")
            changed = landed in existing and compiled_before.get(key) != sql
            if landed not in existing or changed:
                rows.append({"ps_id": job.ps_id, "rule_hash": job.rule_hash, "sql_source": "compiler",
                             "dialect": dialect, "segment_sql": sql, "error": error, "fetched_at": fetched_at})
                if changed:
                    replaced.append(landed)
            if error is not None and error.startswith(REJECTED_PREFIX):
                for segment_id in segment_ids[key]:
                    account.problem(RecordProblem("segment_sql", segment_id, error[:500]))
            compiled[key] = sql is not None
        return compiled[key]

    for (ps_id, digest), job in jobs.items():
        compiled_ok = False
        # in `api` mode a compiler row exists only as the stand-in for a refused API answer
        if use_compiler or (ps_id, digest, "compiler") in existing:
            compiled_ok = compile_job(job)
        if (ps_id, digest, "api") in existing:
            continue
        if sql_source == "api" or (sql_source == "auto" and not compiled_ok):
            api_jobs.append(job)
    progress.phase("rule-to-SQL", len(api_jobs))

    def request(job: _SqlJob) -> Row:
        try:
            sql, error = client.rule_to_sql(job.ps_id, job.rule, 1 if job.kind == "realtime" else 0), None
        except ApiError as exc:
            if exc.status is None or exc.status in (401, 403):
                raise
            sql, error = None, str(exc)[:2000]
        sql, error = _guard_api_sql(job, sql, error)
        return {"ps_id": job.ps_id, "rule_hash": job.rule_hash, "sql_source": "api", "dialect": "trino",
                "segment_sql": sql, "error": error, "fetched_at": fetched_at}

    api_rows = parallel(api_jobs, request, workers, progress)
    progress.close()
    rows.extend(api_rows)
    for job, row in zip(api_jobs, api_rows, strict=True):
        error = row["error"]
        if error is None or not error.startswith(REJECTED_PREFIX):
            continue
        # `auto` asked the API because the rule did not compile; `api` falls back to the compiler
        fallback = sql_source == "api" and compile_job(job)
        outcome = "the compiler's SQL is used instead" if fallback else "the segment has no usable member SQL"
        for segment_id in segment_ids[(job.ps_id, job.rule_hash)]:
            account.problem(RecordProblem("segment_sql", segment_id, f"{error[:500]}; {outcome}"))
    return rows, len(api_jobs), replaced


def run_pull(
    *,
    client: CdpClient,
    writer: LandingWriter,
    v5_flag: str = "both",
    run_date: date,
    sql_source: str,
    dialect: str,
    progress: Progress | None = None,
    workers: int | None = None,
    statistics_refresh_days: int = 1,
) -> PullResult:
    """Pull the account and land it; raises PullError (nothing landed) when it cannot be complete.

    `v5_flag`: which API versions are read (`filters.v5_flag` of the configuration: v5, v4, both)."""
    if sql_source not in SQL_SOURCES:
        raise ValueError(f"segment_sql_source must be one of {', '.join(SQL_SOURCES)}, not {sql_source!r}")
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
    progress = progress or Progress()
    workers = workers or max(1, client.http.policy.max_in_flight)
    pull_id = uuid.uuid4().hex
    started_at = datetime.now(UTC).replace(tzinfo=None)
    compile_now = datetime.combine(run_date, time(0), tzinfo=UTC)
    requests_before = client.request_count
    result = PullResult(pull_id=pull_id, run_date=run_date, status="running")
    try:
        account = fetch_account(client, v5_flag, workers=workers, progress=progress)
        fetched_at = datetime.now(UTC).replace(tzinfo=None)
        audit = _audit(pull_id, run_date, fetched_at)
        hashes = _rule_hashes(account)
        ps_rows, folder_rows, segment_rows = account_rows(account, audit, hashes)
        stat_rows = _statistics(client, account, writer, run_date, fetched_at, workers, progress,
                                statistics_refresh_days)
        sql_rows, sql_requests, replaced_sql = _segment_sql(client, account, writer, sql_source, dialect,
                                                            compile_now, fetched_at, workers, progress, hashes)
    except Exception as exc:  # noqa: BLE001 - any failure before landing is recorded as a failed pull
        message = _failure_message(exc)
        log.error("pull failed, previous landing kept: %s", message)
        result.status = "failed"
        result.requests = client.request_count - requests_before
        result.problems.append({"kind": "pull", "id": None, "reason": message})
        _record_failure(writer, result, started_at)
        raise PullError(f"pull failed, previous landing kept: {message}") from None
    result.status = "success" if not account.problems else "success_with_problems"
    result.parent_segments = len(ps_rows)
    result.folders = len(folder_rows)
    result.segments = len(segment_rows)
    result.statistics_rows = len(stat_rows)
    result.sql_rows = len(sql_rows)
    result.sql_api_requests = sql_requests
    result.api_versions = account.api_versions
    result.problems = list(account.problems)
    result.requests = client.request_count - requests_before
    batch = LandingBatch(pull_id, run_date, fetched_at, ps_rows, folder_rows, segment_rows, sql_rows, stat_rows,
                         _run_row(result, started_at), replaced_sql_keys=replaced_sql)
    try:
        writer.write(batch)
    except LandedUntidiedError as exc:  # the switch is written: this pull is the landing now
        log.warning("%s; readers see this pull, and the next pull deletes what was left behind", redact(exc))
    except Exception as exc:  # noqa: BLE001 - a failed write is recorded as a failed pull, like a failed fetch
        message = f"landing write failed: {_failure_message(exc)}"
        log.error("pull failed, previous landing kept: %s", message)
        result.status = "failed"
        result.problems.append({"kind": "pull", "id": None, "reason": message})
        _record_failure(writer, result, started_at)
        raise PullError(f"pull failed, previous landing kept: {message}") from None
    for problem in result.problems:
        log.warning("problem: %s %s: %s", problem.get("kind"), problem.get("id"), problem.get("reason"))
    log.info(result.summary())
    return result


def _run_row(result: PullResult, started_at: datetime) -> Row:
    return {
        "pull_id": result.pull_id, "run_date": result.run_date, "started_at": started_at,
        "finished_at": datetime.now(UTC).replace(tzinfo=None), "status": result.status,
        "api_versions": ",".join(result.api_versions), "parent_segments": result.parent_segments,
        "folders": result.folders, "segments": result.segments, "requests": result.requests,
        "problems": json.dumps(result.problems, ensure_ascii=False, sort_keys=True),
    }


def _failure_message(exc: BaseException) -> str:
    """One redacted line: the message alone for errors written for people, else the type too."""
    return redact(exc if isinstance(exc, ApiError | ValueError) else f"{type(exc).__name__}: {exc}")


def _record_failure(writer: LandingWriter, result: PullResult, started_at: datetime) -> None:
    try:
        writer.append_pull_run(_run_row(result, started_at))
    except Exception as exc:  # noqa: BLE001 - recording the failure must not hide it
        log.warning("could not record the failed pull in pull_runs: %s", redact(exc))
