"""Landing tables for the synthetic account, laid out as docs/architecture.md specifies.

`segment-analytics pull` writes these from the CDP API; the benchmark writes the same rows
directly so the timed runs start from landed data, as a production `dbt build` does.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from bench.segments import SyntheticSegment, canonical_json, folder_ids
from bench.workload import AUDIENCE_SCHEMA, PS_ID

PS_NAME = "Bench Parent Segment"
ROOT_FOLDER_ID = "4999"

_DDL: dict[str, str] = {
    "cdp_landing__parent_segments": """ps_id varchar, ps_name varchar, api_version varchar,
        root_folder_id varchar, population bigint, timezone varchar, updated_at varchar,
        raw_json varchar, payload_hash varchar, pull_id varchar, run_date date, fetched_at timestamp""",
    "cdp_landing__folders": """folder_id varchar, ps_id varchar, parent_folder_id varchar,
        folder_name varchar, api_version varchar, raw_json varchar, payload_hash varchar,
        pull_id varchar, run_date date, fetched_at timestamp""",
    "cdp_landing__segments": """segment_id varchar, ps_id varchar, folder_id varchar,
        segment_name varchar, api_version varchar, segment_kind varchar, realtime boolean,
        population bigint, rule_json varchar, rule_hash varchar, created_at varchar,
        updated_at varchar, updated_by varchar, raw_json varchar, payload_hash varchar,
        pull_id varchar, run_date date, fetched_at timestamp""",
    "cdp_landing__segment_sql": """ps_id varchar, rule_hash varchar, sql_source varchar,
        dialect varchar, segment_sql varchar, error varchar, fetched_at timestamp""",
    "cdp_landing__segment_statistics": """ps_id varchar, segment_id varchar, stat_date date,
        population bigint, measured boolean, fetched_at timestamp""",
    "cdp_landing__pull_runs": """pull_id varchar, run_date date, started_at timestamp,
        finished_at timestamp, status varchar, api_versions varchar, parent_segments bigint,
        folders bigint, segments bigint, requests bigint, problems varchar""",
}

_ACCUMULATING = ("cdp_landing__segment_sql", "cdp_landing__segment_statistics", "cdp_landing__pull_runs")


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def segment_populations(con: duckdb.DuckDBPyConnection, segments: list[SyntheticSegment]) -> dict[str, int]:
    return {
        s.segment_id: con.execute(f"select count(*) from ({s.sql}) s").fetchone()[0]
        for s in segments
    }


def land(con: duckdb.DuckDBPyConnection, segments: list[SyntheticSegment], run_date: dt.date,
         schema: str = "main") -> None:
    """(Re)write the landing tables for one pull on `run_date`, as one transaction."""
    fetched_at = dt.datetime(run_date.year, run_date.month, run_date.day, 6, 0, 0)
    pull_id = f"bench-{run_date.isoformat()}"
    population = con.execute(f'select count(*) from "{AUDIENCE_SCHEMA}"."customers"').fetchone()[0]
    members = segment_populations(con, segments)
    con.execute("begin")
    for table, columns in _DDL.items():
        if table in _ACCUMULATING:
            con.execute(f'create table if not exists "{schema}"."{table}" ({columns})')
        else:
            con.execute(f'create or replace table "{schema}"."{table}" ({columns})')
    ps_raw = canonical_json({"id": PS_ID, "name": PS_NAME, "population": population})
    con.execute(
        f'insert into "{schema}".cdp_landing__parent_segments values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [PS_ID, PS_NAME, "v5", ROOT_FOLDER_ID, population, "UTC", "2026-01-01T00:00:00Z", ps_raw,
         _hash(ps_raw), pull_id, run_date, fetched_at],
    )
    folder_rows = [(ROOT_FOLDER_ID, None, PS_NAME)] + [
        (fid, ROOT_FOLDER_ID, f"Folder {i}") for i, fid in enumerate(folder_ids())
    ]
    con.executemany(
        f'insert into "{schema}".cdp_landing__folders values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
            [fid, PS_ID, parent, name, "v5", canonical_json({"id": fid, "name": name}),
             _hash(canonical_json({"id": fid, "name": name})), pull_id, run_date, fetched_at]
            for fid, parent, name in folder_rows
        ],
    )
    segment_rows = []
    for s in segments:
        raw = canonical_json({"id": s.segment_id, "name": s.name, "rule": s.rule})
        segment_rows.append([
            s.segment_id, PS_ID, s.folder_id, s.name, "v5", "batch", False, members[s.segment_id],
            s.rule_json, s.rule_hash, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "bench",
            raw, _hash(raw), pull_id, run_date, fetched_at,
        ])
    con.executemany(
        f'insert into "{schema}".cdp_landing__segments values '
        f"({', '.join('?' * 18)})",
        segment_rows,
    )
    known = {
        row[0]
        for row in con.execute(f'select distinct rule_hash from "{schema}".cdp_landing__segment_sql').fetchall()
    }
    sql_rows = [
        [PS_ID, s.rule_hash, source, "duckdb", s.sql, None, fetched_at]
        for s in segments
        if s.rule_hash not in known
        for source in ("compiler", "api")
    ]
    if sql_rows:
        con.executemany(
            f'insert into "{schema}".cdp_landing__segment_sql values (?, ?, ?, ?, ?, ?, ?)', sql_rows
        )
    con.execute(
        f'insert into "{schema}".cdp_landing__pull_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [pull_id, run_date, fetched_at, fetched_at, "success", "v5", 1, len(folder_rows), len(segments),
         0, "[]"],
    )
    con.execute("commit")
