"""`rules check`: member counts of the compiled SQL against the API's SQL, segment by segment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["match", "differ", "error", "incomplete"]
_MAX_ERROR = 500


@dataclass(frozen=True)
class CountCheck:
    """One segment: member counts (rows of `select count(*) from (<sql>) s`) or the error met."""

    segment_id: str
    compiled_count: int | None
    api_count: int | None
    compiled_error: str | None = None
    api_error: str | None = None

    @property
    def status(self) -> Status:
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
        """Segments whose counts differ or could not be counted (both SQLs present)."""
        return [r for r in self.results if r.status in ("differ", "error")]

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


_PAIRS_SQL = """
select s.segment_id, c.segment_sql as compiled_sql, a.segment_sql as api_sql
from {segments} s
left join {segment_sql} c
  on c.ps_id = s.ps_id and c.rule_hash = s.rule_hash and c.sql_source = 'compiler' and c.dialect = '{dialect}'
  and c.segment_sql is not null
left join {segment_sql} a
  on a.ps_id = s.ps_id and a.rule_hash = s.rule_hash and a.sql_source = 'api' and a.segment_sql is not null
where c.segment_sql is not null and a.segment_sql is not null
order by s.segment_id
"""


def landed_pairs(connection: Any, *, schema: str | None, dialect: str) -> list[tuple[str, str | None, str | None]]:
    """(segment_id, compiled_sql, api_sql) of every landed segment that has both."""
    prefix = f'"{schema}".' if schema else ""
    sql = _PAIRS_SQL.format(segments=f"{prefix}cdp_landing__segments",
                            segment_sql=f"{prefix}cdp_landing__segment_sql", dialect=dialect)
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return [(str(r[0]), r[1], r[2]) for r in cursor.fetchall()]
    finally:
        cursor.close()


def format_report(report: CheckReport) -> str:
    """A table people can read: one line per segment, differences first."""
    lines = [f"{'segment':>12}  {'compiled':>10}  {'api':>10}  {'diff':>8}  status"]
    order = {"differ": 0, "error": 1, "incomplete": 2, "match": 3}
    for r in sorted(report.results, key=lambda r: (order[r.status], r.segment_id)):
        diff = "" if r.difference is None else f"{r.difference:+d}"
        lines.append(f"{r.segment_id:>12}  {_n(r.compiled_count):>10}  {_n(r.api_count):>10}  {diff:>8}  {r.status}")
        for label, error in (("compiled", r.compiled_error), ("api", r.api_error)):
            if error:
                lines.append(f"{'':>12}  {label} SQL failed: {error}")
    lines.append(f"{report.compared} segment(s) compared, {len(report.differences)} difference(s)")
    return "\n".join(lines)


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def check_from_context(ctx: Any) -> list[CountCheck]:
    """`segment-analytics rules check`: compare and print; return the segments that differ."""
    from orchestrate.warehouse.connect import connect

    schema = ctx.config.get("landing_schema")
    with connect(ctx.target_profile) as conn:
        pairs = landed_pairs(conn, schema=schema, dialect=ctx.dialect)
        if not pairs:
            print("no segment has both compiled and API SQL landed; pull with segment_sql_source: api or auto "
                  "on a Trino/Treasure Data target to get the API's SQL")
            return []
        if ctx.dialect == "duckdb":
            print("note: the API's SQL is Trino SQL; on DuckDB it may fail to run (reported per segment)")
        report = check_counts(conn, pairs)
    print(format_report(report))
    return report.differences
