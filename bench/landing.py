"""Landing tables for the synthetic account, written with the project's own DuckDB landing writer.

`segment-analytics pull` fetches these rows from the CDP API; the benchmark builds the same rows
(same canonical rule JSON, rule hash and condition text as the pull) and lands them with
`orchestrate.warehouse.duckdb.DuckDbLandingWriter`, so the timed runs start from landed data as a
production `dbt build` does. Each segment gets two SQL rows: the project's compiler output
(`compiler`, dialect duckdb; what the pipeline uses) and TD's rule-to-SQL form (`api`, dialect
trino; what the original package ran).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from bench.workload import AUDIENCE_SCHEMA, PS_ID
from segment_analytics_sandbox.synthetic.segments import SyntheticSegment, canonical_json, folder_ids

if TYPE_CHECKING:
    from orchestrate.warehouse.base import LandingBatch

PS_NAME = "Bench Parent Segment"
ROOT_FOLDER_ID = "4999"


def segment_populations(db: Path, segments: list[SyntheticSegment]) -> tuple[int, dict[str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        total = con.execute(f'select count(*) from "{AUDIENCE_SCHEMA}"."customers"').fetchone()[0]
        members = {s.segment_id: con.execute(f"select count(*) from ({s.sql}) s").fetchone()[0] for s in segments}
    return total, members


def _existing_sql(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_name = 'cdp_landing__segment_sql'"
        ).fetchone()[0]
        if not found:
            return set()
        return {r[0] for r in con.execute("select rule_hash from main.cdp_landing__segment_sql").fetchall()}


def land(db: Path, segments: list[SyntheticSegment], run_date: dt.date, schema: str = "main") -> None:
    """Land one pull on `run_date` (replaced tables replaced, accumulating ones appended)."""
    from orchestrate.warehouse.duckdb import DuckDbLandingWriter

    population, members = segment_populations(db, segments)
    batch = make_batch(segments, run_date, population, members, _existing_sql(db), "duckdb")
    DuckDbLandingWriter(db, schema).write(batch)


def make_batch(segments: list[SyntheticSegment], run_date: dt.date, population: int, members: dict[str, int],
               known: set[str], dialect: str) -> LandingBatch:
    """The rows one pull on `run_date` lands; the compiler's SQL in `dialect` (duckdb | trino) for
    every rule hash not in `known`."""
    from orchestrate.cdp.canonical import canonical_rule_json, describe_rule, rule_hash
    from orchestrate.rules import compile_rule
    from orchestrate.warehouse.base import LandingBatch

    fetched_at = dt.datetime(run_date.year, run_date.month, run_date.day, 6, 0, 0)
    audit = {"pull_id": f"bench-{run_date.isoformat()}", "run_date": run_date, "fetched_at": fetched_at}
    ps_raw = {"id": PS_ID, "name": PS_NAME, "population": population}
    batch = LandingBatch(pull_id=audit["pull_id"], run_date=run_date, fetched_at=fetched_at)
    batch.parent_segments.append({
        "ps_id": PS_ID, "ps_name": PS_NAME, "api_version": "v5", "root_folder_id": ROOT_FOLDER_ID,
        "population": population, "timezone": "UTC", "updated_at": "2026-01-01T00:00:00Z",
        "raw_json": canonical_json(ps_raw), "payload_hash": _sha(canonical_json(ps_raw)), **audit,
    })
    folders = [(ROOT_FOLDER_ID, None, PS_NAME)] + [
        (fid, ROOT_FOLDER_ID, f"Folder {i}") for i, fid in enumerate(folder_ids())
    ]
    for fid, parent, name in folders:
        raw = canonical_json({"id": fid, "name": name, "parentFolderId": parent})
        batch.folders.append({"folder_id": fid, "ps_id": PS_ID, "parent_folder_id": parent, "folder_name": name,
                              "api_version": "v5", "raw_json": raw, "payload_hash": _sha(raw), **audit})
    known = set(known)
    for s in segments:
        raw = canonical_json({"id": s.segment_id, "name": s.name, "rule": s.rule})
        digest = rule_hash(s.rule)
        batch.segments.append({
            "segment_id": s.segment_id, "ps_id": PS_ID, "folder_id": s.folder_id, "segment_name": s.name,
            "api_version": "v5", "segment_kind": "batch", "realtime": False, "population": members[s.segment_id],
            "rule_json": canonical_rule_json(s.rule), "rule_hash": digest, "rule_conditions": describe_rule(s.rule),
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "updated_by": "bench",
            "raw_json": raw, "payload_hash": _sha(raw), **audit,
        })
        if digest in known:
            continue
        known.add(digest)
        compiled = compile_rule(s.rule, audience_id=PS_ID, dialect=dialect)
        batch.segment_sql.append({"ps_id": PS_ID, "rule_hash": digest, "sql_source": "compiler",
                                  "dialect": dialect, "segment_sql": compiled, "error": None,
                                  "fetched_at": fetched_at})
        batch.segment_sql.append({"ps_id": PS_ID, "rule_hash": digest, "sql_source": "api", "dialect": "trino",
                                  "segment_sql": s.sql, "error": None, "fetched_at": fetched_at})
    batch.pull_run = {
        "pull_id": audit["pull_id"], "run_date": run_date, "started_at": fetched_at, "finished_at": fetched_at,
        "status": "success", "api_versions": "v5", "parent_segments": 1, "folders": len(folders),
        "segments": len(segments), "requests": 0, "problems": "[]",
    }
    return batch


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
