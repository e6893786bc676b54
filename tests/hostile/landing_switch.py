"""Kill a landing write at every statement and check what a reader sees (shared by the DuckDB and
the Trino tests).

A "generation" is one pull whose rows differ from every other generation's (names, counts, ids), so
a reader that saw two pulls mixed, or a pull half-written, would not match any generation. The reader
is the project's own `sa_landed_pull()` macro, compiled by dbt, applied exactly as the stg_cdp__
models apply it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from orchestrate.warehouse.base import REPLACED, TABLES, LandingBatch, LandingWriter
from orchestrate.warehouse.statements import StatementLandingWriter

KEYS = {"cdp_landing__parent_segments": "ps_id", "cdp_landing__folders": "folder_id",
        "cdp_landing__segments": "segment_id"}
# the columns a reader compares (every typed column of the replaced tables except raw payloads)
COMPARED = {table: [c for c, _ in TABLES[table] if c not in ("raw_json", "fetched_at")] for table in REPLACED}


class Killed(BaseException):
    """The process died here (a BaseException, like SystemExit: no `except Exception` swallows it)."""


def generation(k: int, base: datetime = datetime(2026, 5, 1, 6, 0)) -> LandingBatch:
    """Pull number `k`: 1 or 2 parent segments, 2 to 4 segments, names that change every generation."""
    fetched = base + timedelta(hours=k)
    run_date = date(2026, 5, 1) + timedelta(days=k)
    pull_id = f"pull-{k:03d}"
    audit = {"pull_id": pull_id, "run_date": run_date, "fetched_at": fetched}
    parents = [{"ps_id": "1", "ps_name": f"Shop 'gen {k}'", "api_version": "v5", "root_folder_id": f"r{k}",
                "population": 100 + k, "timezone": "UTC", "payload_hash": f"ps{k}", **audit}]
    if k % 2 == 0:
        parents.append({"ps_id": "2", "ps_name": f"Légacy \"gen {k}\"", "api_version": "v4",
                        "root_folder_id": f"q{k}", "population": None, "timezone": "Asia/Tokyo", **audit})
    folders = [{"folder_id": f"r{k}", "ps_id": "1", "parent_folder_id": None, "folder_name": "Root", **audit},
               {"folder_id": f"f{k}", "ps_id": "1", "parent_folder_id": f"r{k}", "folder_name": f"Camp {k}",
                **audit}]
    segments = [{"segment_id": f"s{i}", "ps_id": "1", "folder_id": f"f{k}", "segment_name": f"Seg {i} of gen {k}",
                 "api_version": "v5", "segment_kind": "batch", "realtime": False, "population": 10 * k + i,
                 "rule_json": "{}", "rule_hash": f"h{i}", "rule_conditions": "", **audit} for i in range(2 + k % 3)]
    sql = [{"ps_id": "1", "rule_hash": "h0", "sql_source": "compiler", "dialect": "trino",
            "segment_sql": f"select a.* from \"cdp_audience_1\".\"customers\" a where ({k} = {k})", "error": None,
            "fetched_at": fetched}]
    stats = [{"ps_id": "1", "segment_id": "s0", "stat_date": run_date, "population": k, "measured": True,
              "fetched_at": fetched}]
    pull_run = {"pull_id": pull_id, "run_date": run_date, "started_at": fetched, "finished_at": fetched,
                "status": "success" if k % 3 else "success_with_problems", "api_versions": "v5,v4",
                "parent_segments": len(parents), "folders": len(folders), "segments": len(segments),
                "requests": 5, "problems": "[]"}
    return LandingBatch(pull_id, run_date, fetched, parents, folders, segments, sql, stats, pull_run,
                        replaced_sql_keys=[("1", "h0", "compiler")] if k > 1 else [])


def expected(batch: LandingBatch) -> dict[str, list[tuple[Any, ...]]]:
    """What a reader must see, per replaced table, when `batch` is the landed pull."""
    return {table: sorted(tuple(_norm(r.get(c)) for c in COMPARED[table]) for r in batch.rows(table))
            for table in REPLACED}


def _norm(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def visible(query: Callable[[str], list[Any]], qualify: Callable[[str], str], landed_pull_sql: str
            ) -> dict[str, list[tuple[Any, ...]]]:
    """The replaced tables as the stg_cdp__ models read them: rows of the pull `sa_landed_pull()` names."""
    seen: dict[str, list[tuple[Any, ...]]] = {}
    for table in REPLACED:
        cols = ", ".join(f"cast({c} as varchar)" if c == "run_date" else c for c in COMPARED[table])
        rows = query(f"select {cols} from {qualify(table)} "
                     f"where cast(pull_id as varchar) in (select pull_id from ({landed_pull_sql}) as landed_pull)")
        seen[table] = sorted(tuple(_norm(v) for v in r) for r in rows)
    return seen


def success_pulls(query: Callable[[str], list[Any]], qualify: Callable[[str], str]) -> set[str]:
    return {str(r[0]) for r in query(f"select pull_id from {qualify('cdp_landing__pull_runs')} "
                                     "where status like 'success%'")}


def kill_at(writer: LandingWriter, at: int, attribute: str = "execute") -> list[int]:
    """Make the `at`-th call (0-based) of `writer.<attribute>` raise Killed; returns a call counter."""
    original = getattr(writer, attribute)
    calls = [0]

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] - 1 == at:
            raise Killed(f"killed at statement {at}")
        return original(*args, **kwargs)

    setattr(writer, attribute, dying)
    return calls


def unkill(writer: LandingWriter, attribute: str = "execute") -> None:
    if attribute in vars(writer):
        delattr(writer, attribute)


def kill_everywhere(writer: StatementLandingWriter, query: Callable[[str], list[Any]], qualify: Callable[[str], str],
                    landed_pull_sql: str, start: int = 1) -> dict[str, Any]:
    """Land generation `start - 1`, then one new generation per kill point 0, 1, 2, ... until a write
    finishes; after each kill assert the reader sees exactly one whole generation."""
    landed = generation(start - 1)
    writer.write(landed)
    outcomes = {"old": 0, "new": 0, "points": 0}
    k, at = start, 0
    while True:
        batch = generation(k)
        kill_at(writer, at)
        try:
            writer.write(batch)
            finished = True
        except Killed:
            finished = False
        finally:
            unkill(writer)
        seen = visible(query, qualify, landed_pull_sql)
        assert seen in (expected(landed), expected(batch)), f"kill at statement {at}: a mixed landing"
        is_new = seen == expected(batch)
        assert (batch.pull_id in success_pulls(query, qualify)) == is_new, (
            f"kill at statement {at}: pull_runs disagrees with what readers see")
        if finished:
            assert is_new
            break
        outcomes["new" if is_new else "old"] += 1
        outcomes["points"] += 1
        landed = batch if is_new else landed
        k, at = k + 1, at + 1
    # a finished write leaves one pull in each replaced table and one row per replaced SQL key
    for table in REPLACED:
        pulls = {r[0] for r in query(f"select distinct pull_id from {qualify(table)}")}
        assert pulls == {batch.pull_id}, table
    kept = query(f"select cast(fetched_at as varchar) from {qualify('cdp_landing__segment_sql')} "
                 "where ps_id = '1' and rule_hash = 'h0' and sql_source = 'compiler'")
    assert len(kept) == 1, kept
    outcomes["last"] = batch
    return outcomes
