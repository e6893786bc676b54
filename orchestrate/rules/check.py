"""`rules check`: member counts of the compiled SQL against the API's SQL, segment by segment.

Landed SQL is run only after the member-SQL guard (`orchestrate.rules.member_sql_guard`) passed it:
SQL refused at pull time (its landed `error`) or now (the landing may have been written by
something else) is reported as `refused` with the reason, never executed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from orchestrate.rules.member_sql_guard import REJECTED_PREFIX, member_sql_problem
from orchestrate.warehouse.connect import connect

Status = Literal["match", "differ", "error", "refused", "incomplete"]
_MAX_ERROR = 500


@dataclass(frozen=True)
class CountCheck:
    """One segment: member counts (rows of `select count(*) from (<sql>) s`) or the error met."""

    segment_id: str
    compiled_count: int | None
    api_count: int | None
    compiled_error: str | None = None
    api_error: str | None = None
    compiled_refused: str | None = None  # why the member-SQL guard refused the SQL (it was not run)
    api_refused: str | None = None

    @property
    def status(self) -> Status:
        if self.compiled_refused is not None or self.api_refused is not None:
            return "refused"
        if self.compiled_error is not None or self.api_error is not None:
            return "error"
        if self.compiled_count is None or self.api_count is None:
            return "incomplete"  # one side has no SQL: nothing to compare
        return "match" if self.compiled_count == self.api_count else "differ"

    @property
    def difference(self) -> int | None:
        """compiled minus API, when both were counted."""
        if self.compiled_count is None or self.api_count is None:
            return None
        return self.compiled_count - self.api_count


@dataclass(frozen=True)
class CheckReport:
    results: list[CountCheck]

    @property
    def differences(self) -> list[CountCheck]:
        """Segments whose counts differ, could not be counted, or whose SQL the guard refused."""
        return [r for r in self.results if r.status in ("differ", "error", "refused")]

    @property
    def compared(self) -> int:
        return sum(1 for r in self.results if r.status in ("match", "differ"))


def _count(connection: Any, sql: str) -> tuple[int | None, str | None]:
    cursor = connection.cursor()
    try:
        body = sql.strip().rstrip(";").rstrip()
        cursor.execute(f"select count(*) from (\n{body}\n) s")
        row = cursor.fetchone()
        return int(row[0]), None
    except Exception as exc:  # noqa: BLE001 - any engine error is reported per segment
        message = f"{type(exc).__name__}: {exc}"
        return None, message[:_MAX_ERROR]
    finally:
        close = getattr(cursor, "close", None)
        if close is not None:
            close()


def check_counts(connection: Any, rows: Iterable[tuple[str, str | None, str | None]]) -> CheckReport:
    """Count the members selected by each segment's compiled SQL and API SQL on a DB-API connection.

    `rows` are (segment_id, compiled_sql, api_sql); a missing SQL is None. Errors are caught per
    segment and reported, so one broken statement does not stop the check.
    """
    results = []
    for segment_id, compiled_sql, api_sql in rows:
        compiled_count = compiled_error = api_count = api_error = None
        if compiled_sql is not None:
            compiled_count, compiled_error = _count(connection, compiled_sql)
        if api_sql is not None:
            api_count, api_error = _count(connection, api_sql)
        results.append(CountCheck(str(segment_id), compiled_count, api_count, compiled_error, api_error))
    return CheckReport(results)


# Read as dbt reads the landing (docs/architecture.md): on Trino / Treasure Data the replaced tables
# may hold a previous or a half-written pull's rows beside the landed one, and `segment_sql` may hold a
# superseded row beside its replacement until the writer tidies up. So: only the segments of the
# *landed pull* (the latest whose pull_runs row says `success…`, exactly `sa_landed_pull()`:
# newest finished_at, then run date, then pull id), and per (ps_id, rule_hash, sql_source) only the
# newest row, one with SQL first (as int_segments__selected ranks them).
_PAIRS_SQL = """
with landed_pull as (
    select pull_id
    from (
        select
            cast(pull_id as varchar) as pull_id,
            row_number() over (
                order by
                    cast(finished_at as timestamp) desc nulls last,
                    cast(run_date as date) desc nulls last,
                    pull_id desc
            ) as recency
        from {pull_runs}
        where status like 'success%'
    ) as completed_pulls
    where recency = 1
),
landed_segments as (
    select segment_id, ps_id, rule_hash
    from {segments}
    where cast(pull_id as varchar) in (select pull_id from landed_pull)
),
ranked_sql as (
    select
        ps_id, rule_hash, sql_source, segment_sql, error,
        row_number() over (
            partition by ps_id, rule_hash, sql_source
            order by case when segment_sql is not null then 0 else 1 end,
                     cast(fetched_at as timestamp) desc nulls last
        ) as recency
    from {segment_sql}
    where (sql_source = 'compiler' and dialect = '{dialect}') or sql_source = 'api'
),
latest_sql as (
    select * from ranked_sql where recency = 1
)
select s.segment_id, s.ps_id, c.segment_sql as compiled_sql, a.segment_sql as api_sql,
       c.error as compiled_error, a.error as api_error
from landed_segments s
left join latest_sql c
  on c.ps_id = s.ps_id and c.rule_hash = s.rule_hash and c.sql_source = 'compiler'
left join latest_sql a
  on a.ps_id = s.ps_id and a.rule_hash = s.rule_hash and a.sql_source = 'api'
where (c.segment_sql is not null and a.segment_sql is not null)
   or substr(coalesce(c.error, ''), 1, {prefix_length}) = '{prefix}'
   or substr(coalesce(a.error, ''), 1, {prefix_length}) = '{prefix}'
order by s.segment_id
"""


@dataclass(frozen=True)
class LandedPair:
    """One landed segment's compiled and API SQL, with any refusal the pull landed as its error."""

    segment_id: str
    ps_id: str
    compiled_sql: str | None
    api_sql: str | None
    compiled_error: str | None = None
    api_error: str | None = None


def landed_pairs(connection: Any, *, schema: str | None, dialect: str) -> list[LandedPair]:
    """Every segment of the landed pull that has both SQLs, or whose SQL the pull's guard refused."""
    prefix = '"' + schema.replace('"', '""') + '".' if schema else ""
    sql = _PAIRS_SQL.format(segments=f"{prefix}cdp_landing__segments",
                            segment_sql=f"{prefix}cdp_landing__segment_sql",
                            pull_runs=f"{prefix}cdp_landing__pull_runs", dialect=dialect,
                            prefix=REJECTED_PREFIX.replace("'", "''"), prefix_length=len(REJECTED_PREFIX))
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [LandedPair(str(r[0]), str(r[1]), r[2], r[3], r[4], r[5]) for r in cursor.fetchall()]
    finally:
        cursor.close()


def _refusal(sql: str | None, error: str | None, ps_id: str, dialect: str) -> str | None:
    if sql is None:
        return error if error is not None and error.startswith(REJECTED_PREFIX) else None
    problem = member_sql_problem(sql, ps_id, dialect)
    return None if problem is None else f"{REJECTED_PREFIX} landed SQL {problem}"


def check_landed(connection: Any, pairs: Iterable[LandedPair], *, dialect: str) -> CheckReport:
    """Guard, then count, each landed pair; refused SQL is reported and never run."""
    results = []
    for pair in pairs:
        compiled_refused = _refusal(pair.compiled_sql, pair.compiled_error, pair.ps_id, dialect)
        api_refused = _refusal(pair.api_sql, pair.api_error, pair.ps_id, "trino")
        compiled_count = compiled_error = api_count = api_error = None
        if pair.compiled_sql is not None and compiled_refused is None:
            compiled_count, compiled_error = _count(connection, pair.compiled_sql)
        if pair.api_sql is not None and api_refused is None:
            api_count, api_error = _count(connection, pair.api_sql)
        results.append(CountCheck(pair.segment_id, compiled_count, api_count, compiled_error, api_error,
                                  compiled_refused, api_refused))
    return CheckReport(results)


def format_report(report: CheckReport) -> str:
    """A table people can read: one line per segment, differences first."""
    lines = [f"{'segment':>12}  {'compiled':>10}  {'api':>10}  {'diff':>8}  status"]
    order = {"refused": 0, "differ": 1, "error": 2, "incomplete": 3, "match": 4}
    for r in sorted(report.results, key=lambda r: (order[r.status], r.segment_id)):
        diff = "" if r.difference is None else f"{r.difference:+d}"
        lines.append(f"{r.segment_id:>12}  {_n(r.compiled_count):>10}  {_n(r.api_count):>10}  {diff:>8}  {r.status}")
        for label, error in (("compiled", r.compiled_error), ("api", r.api_error)):
            if error:
                lines.append(f"{'':>12}  {label} SQL failed: {error}")
        for label, refusal in (("compiled", r.compiled_refused), ("api", r.api_refused)):
            if refusal:
                lines.append(f"{'':>12}  {label} SQL not run, {refusal}")
    lines.append(f"{report.compared} segment(s) compared, {len(report.differences)} difference(s)")
    return "\n".join(lines)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def check_from_context(ctx: Any) -> list[CountCheck]:
    """`segment-analytics rules check`: compare and print; return the segments that differ."""
    schema = ctx.config.landing_schema
    with connect(ctx.target_profile) as conn:
        pairs = landed_pairs(conn, schema=schema, dialect=ctx.dialect)
        if not pairs:
            print("no segment has both compiled and API SQL landed; pull with segment_sql_source: api or auto "
                  "on a Trino/Treasure Data target to get the API's SQL")
            return []
        if ctx.dialect == "duckdb":
            print("note: the API's SQL is Trino SQL; on DuckDB it may fail to run (reported per segment)")
        report = check_landed(conn, pairs, dialect=ctx.dialect)
    print(format_report(report))
    return report.differences
