"""The benchmark's Trino: connections, the DuckDB-to-Trino spellings of the bench's own SQL, and
Trino's own statistics of every statement one contender issued.

Each contender run connects as its own Trino user (`user_for`), so its statements can be found in
`system.runtime.queries` afterwards; their rows and bytes read, CPU time and peak memory come from
the coordinator's query info (`GET /v1/query/{id}`, the REST resource the Web UI reads).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

ENV_HOST = "BENCH_TRINO_HOST"
ENV_PORT = "BENCH_TRINO_PORT"
ENV_USER = "BENCH_TRINO_USER"
CATALOG = "iceberg"
STATS_USER = "bench_stats"
INFO_TIMEOUT_S = 30.0
SQL_HEAD_CHARS = 200  # of each statement's text kept with its statistics
TOP_STATEMENTS = 10  # statements kept per run in the detail, those that read the most rows


@dataclass(frozen=True)
class TrinoTarget:
    """One Trino coordinator (no authentication: the local server of scripts/trino_server.py)."""

    host: str
    port: int
    catalog: str = CATALOG

    @classmethod
    def from_env(cls) -> TrinoTarget:
        try:
            return cls(os.environ[ENV_HOST], int(os.environ[ENV_PORT]))
        except KeyError as missing:
            raise RuntimeError(f"{missing.args[0]} is not set: the Trino bench passes the server to workers") from None

    def env(self, user: str) -> dict[str, str]:
        """Environment of a worker: the bench's own variables and the profile's `trino` target."""
        return {ENV_HOST: self.host, ENV_PORT: str(self.port), ENV_USER: user,
                "TRINO_HOST": self.host, "TRINO_PORT": str(self.port), "TRINO_USER": user,
                "TRINO_CATALOG": self.catalog, "TRINO_HTTP_SCHEME": "http"}

    def connect(self, user: str, schema: str | None = None) -> Any:
        import trino

        return trino.dbapi.connect(host=self.host, port=self.port, user=user, catalog=self.catalog,
                                   schema=schema, http_scheme="http")

    def session(self, user: str) -> TrinoSession:
        return TrinoSession(self.connect(user))

    def query_info(self, query_id: str) -> dict[str, Any]:
        request = urllib.request.Request(f"http://{self.host}:{self.port}/v1/query/{query_id}",
                                         headers={"X-Trino-User": STATS_USER})
        with urllib.request.urlopen(request, timeout=INFO_TIMEOUT_S) as response:  # noqa: S310 - local http
            return json.loads(response.read())


def user_for(run_id: str, size: str, contender: str, phase: str, repetition: int) -> str:
    """The Trino user of one contender run (Trino users are free-form names without authentication)."""
    return f"bench_{run_id}_{size}_{contender}_{phase}_{repetition}".lower()


_TIMESTAMP_STRING = re.compile(r"strftime\(make_timestamp\((?P<x>.+?) \* 1000000\), '(?P<fmt>[^']*)'\)")


def to_trino(sql: str) -> str:
    """The bench's DuckDB spellings in Trino's (the SQL is otherwise written in their common subset)."""
    def timestamp_string(m: re.Match[str]) -> str:
        fmt = m.group("fmt").replace("%M", "%i").replace("%S", "%s")
        return f"date_format(from_unixtime({m.group('x')}, 'UTC'), '{fmt}')"

    out = _TIMESTAMP_STRING.sub(timestamp_string, sql)
    out = out.replace("regexp_matches(", "regexp_like(").replace("approx_count_distinct(", "approx_distinct(")
    return out.replace(" // 86400", " / 86400")


class TrinoSession:
    """A DuckDB-connection look-alike over one Trino connection: `execute(sql)` runs the statement to
    completion (Trino runs a statement only while its results are read) and keeps its rows."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._rows: list[list[Any]] = []
        self.description: Sequence[Any] | None = None

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> TrinoSession:
        if parameters:
            raise ValueError("TrinoSession.execute: parameters are not supported; write literals")
        cur = self.conn.cursor()
        cur.execute(to_trino(sql))
        self._rows = cur.fetchall()
        self.description = cur.description
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> TrinoSession:
        """`insert into t values (?, ...)` for many rows as one statement of literal rows."""
        from segment_analytics_sandbox.synthetic.segments import sql_literal

        values = [f"({', '.join(sql_literal(str(v)) for v in row)})" for row in rows]
        head = sql.split(" values ", 1)[0]
        if values:
            self.execute(f"{head} values {', '.join(values)}")
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return tuple(self._rows[0]) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._rows]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TrinoSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE_UNITS = {"B": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4, "PB": 1024 ** 5}
_QUANTITY = re.compile(r"^\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")


def parse_duration(text: str | None) -> float:
    """Seconds of an airlift Duration as Trino prints it (`365.61ms`, `9.00ns`, `1.50m`)."""
    if not text:
        return 0.0
    m = _QUANTITY.match(str(text))
    if not m or m.group(2) not in _DURATION_UNITS:
        raise ValueError(f"not a Trino duration: {text!r}")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)]


def parse_data_size(text: str | None) -> int:
    """Bytes of an airlift DataSize as Trino prints it (`196B`, `12.34MB`, `1.5GB`)."""
    if not text:
        return 0
    m = _QUANTITY.match(str(text))
    if not m or m.group(2) not in _SIZE_UNITS:
        raise ValueError(f"not a Trino data size: {text!r}")
    return int(round(float(m.group(1)) * _SIZE_UNITS[m.group(2)]))


def statement_kind(text: str) -> str:
    """What a statement is for, from its text: a model/snapshot write (create | rename | drop | insert
    | delete | merge), a dbt data test, a metadata query (catalog, columns, schemas), or a query."""
    body = " ".join(re.sub(r"/\*.*?\*/", " ", text, flags=re.S).split()).lower()
    verb = body.split(" ", 1)[0] if body else ""
    if verb == "alter" and " rename to " in body:
        return "rename"
    if verb in ("create", "drop", "insert", "delete", "merge", "alter"):
        return verb
    if body.startswith("select count(*) as failures"):
        return "data_test"
    if ("information_schema" in body or "system." in body or body.endswith("where false limit 0")
            or verb in ("show", "describe")):
        return "metadata"
    return "query"


@dataclass(frozen=True)
class QueryStat:
    """One statement as Trino accounted it."""

    query_id: str
    state: str
    verb: str
    elapsed_s: float
    queued_s: float
    planning_s: float  # analysis + planning: the fixed cost of a statement before it runs
    cpu_s: float
    rows_read: int  # physicalInputPositions: rows the connectors read from storage
    bytes_read: int  # physicalInputDataSize
    peak_memory_bytes: int  # peakTotalMemoryReservation
    kind: str = "query"  # statement_kind
    node: str = ""  # the dbt node that issued it (dbt's query comment), if any
    sql_head: str = ""  # the statement's first characters, comments dropped and whitespace collapsed


_DBT_NODE = re.compile(r'^\s*/\*(?:(?!\*/).)*?"node_id":\s*"(?P<node>[^"]+)"', re.S)


def query_stat(query_id: str, info: dict[str, Any]) -> QueryStat:
    qs = info.get("queryStats", {})
    text = str(info.get("query", "")).strip()
    node = _DBT_NODE.match(text)
    text = re.sub(r"^(/\*.*?\*/\s*)+", "", text, flags=re.S)
    verb = text.split(None, 1)[0].lower() if text else ""
    return QueryStat(
        query_id=query_id, state=str(info.get("state", "")), verb=verb,
        elapsed_s=parse_duration(qs.get("elapsedTime")), queued_s=parse_duration(qs.get("queuedTime")),
        planning_s=parse_duration(qs.get("analysisTime")) + parse_duration(qs.get("planningTime")),
        cpu_s=parse_duration(qs.get("totalCpuTime")),
        rows_read=int(qs.get("physicalInputPositions") or 0),
        bytes_read=parse_data_size(qs.get("physicalInputDataSize")),
        peak_memory_bytes=parse_data_size(qs.get("peakTotalMemoryReservation")),
        kind=statement_kind(text),
        node=node.group("node") if node else "",
        sql_head=" ".join(re.sub(r"/\*.*?\*/", " ", text, flags=re.S).split())[:SQL_HEAD_CHARS],
    )


def statements_of(target: TrinoTarget, user: str) -> list[QueryStat]:
    """Every statement `user` issued, oldest first, with Trino's statistics of each."""
    from segment_analytics_sandbox.synthetic.segments import sql_literal

    with target.session(STATS_USER) as session:
        ids = [r[0] for r in session.execute(
            f'select query_id from system.runtime.queries where "user" = {sql_literal(user)} order by created'
        ).fetchall()]
    return [query_stat(qid, target.query_info(qid)) for qid in ids]


def summarize_statements(stats: list[QueryStat]) -> dict[str, Any]:
    """Totals of one contender run: statement count, rows and bytes read, Trino CPU, peak memory, and
    the per-statement fixed cost (queued + analysis + planning)."""
    overheads = [s.queued_s + s.planning_s for s in stats]
    verbs: dict[str, int] = {}
    kinds: dict[str, dict[str, float]] = {}
    for s in stats:
        verbs[s.verb] = verbs.get(s.verb, 0) + 1
        kind = kinds.setdefault(s.kind, {"statements": 0, "elapsed_s": 0.0, "rows_read": 0})
        kind["statements"] += 1
        kind["elapsed_s"] = round(kind["elapsed_s"] + s.elapsed_s, 3)
        kind["rows_read"] += s.rows_read
    return {
        "statements": len(stats),
        "failed_statements": sum(1 for s in stats if s.state != "FINISHED"),
        "rows_read": sum(s.rows_read for s in stats),
        "bytes_read": sum(s.bytes_read for s in stats),
        "trino_cpu_s": round(sum(s.cpu_s for s in stats), 3),
        "statement_elapsed_s": round(sum(s.elapsed_s for s in stats), 3),
        "peak_memory_bytes": max((s.peak_memory_bytes for s in stats), default=0),
        "median_statement_s": round(statistics.median(s.elapsed_s for s in stats), 4) if stats else None,
        "median_overhead_s": round(statistics.median(overheads), 4) if overheads else None,
        "statements_by_verb": dict(sorted(verbs.items(), key=lambda kv: (-kv[1], kv[0]))),
        "statements_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1]["statements"], kv[0]))),
    }


def top_statements(stats: list[QueryStat], n: int = TOP_STATEMENTS) -> list[dict[str, Any]]:
    """The `n` statements that read the most rows, most first: where a run's rows read come from."""
    ranked = sorted(stats, key=lambda s: -s.rows_read)[:n]
    return [{"rows_read": s.rows_read, "bytes_read": s.bytes_read, "elapsed_s": s.elapsed_s, "kind": s.kind,
             "node": s.node, "query_id": s.query_id, "sql_head": s.sql_head} for s in ranked if s.rows_read]


def stats_as_dicts(stats: list[QueryStat]) -> list[dict[str, Any]]:
    return [asdict(s) for s in stats]
