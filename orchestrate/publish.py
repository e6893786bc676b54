"""`segment-analytics publish`: the Treasure Insights datamodel over the marts (see docs/dashboard.md).

Create the model through the reporting API, or update the one with that name; share it with the listed
users; trigger a full build and poll it to the end. Column types come from the warehouse schema with
the `change_schema_cols` overrides.

Two keys, never mixed up:
- the publishing key (TD_API_KEY) is only ever an HTTP header: never in a payload, the state file, a
  log line or an exception;
- the model's own key (SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY), which Insights stores with the model and
  builds it with, is required: a dedicated key of a user who can only read the marts' database. Publish
  stops before any request when it is missing or when it is the publishing key, and redacts it
  everywhere. The API steps (lookup before re-sending a create or a build) are in
  `orchestrate.insights.client`; the TD API client is built by `orchestrate.clients`, and
  `orchestrate.pipeline.publish` runs a publish for a run context.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrate.config import Insights
from orchestrate.http import HttpClient, register_secret
from orchestrate.insights.client import DATAMODELS, DESCRIPTION, InsightsApi, PublishError

log = logging.getLogger(__name__)

__all__ = ["DATAMODELS", "PublishError", "publish"]

INSIGHTS_GUIDANCE_BYTES = 4 * 1024**3
WARN_FRACTION = 0.8
MODEL_KEY_ENV = "SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY"
STATE_DIR_ENV = "SEGMENT_ANALYTICS_STATE_DIR"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")  # \Z, not $: no trailing newline
_OVERRIDE_TYPES = {"date": "timestamp", "text": "text", "float": "float", "bigint": "bigint"}

Say = Callable[[str], None]


@dataclass(frozen=True)
class InsightsConfig:
    """vars segment_analytics.insights, resolved against the project prefix."""

    model_name: str
    tables: tuple[str, ...]  # full table names, `<prefix>_<mart>`
    shared_users: tuple[str, ...]
    overrides: dict[str, str]  # column -> Insights type
    relations: tuple[tuple[tuple[str, str], tuple[str, str]], ...]  # ((table, column), (table, column))


@dataclass(frozen=True)
class TableSize:
    table: str
    rows: int
    bytes: int


@dataclass
class PublishResult:
    model_name: str
    oid: str | None = None
    action: str = ""  # created | updated | dry-run
    shared_with: tuple[str, ...] = ()
    build_oid: str | None = None
    build_status: str | None = None
    sizes: list[TableSize] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)  # the create body, its key masked as ***

    @property
    def total_bytes(self) -> int:
        return sum(s.bytes for s in self.sizes)


# --------------------------------------------------------------------------- configuration


def parse_insights_config(raw: dict[str, Any], prefix: str) -> InsightsConfig:
    """Check the `insights` vars block; errors name the field."""
    if not isinstance(raw, dict):
        raise PublishError("insights: must be a mapping (vars segment_analytics.insights)")
    name = raw.get("model_name")
    if not isinstance(name, str) or not name.strip():
        raise PublishError("insights.model_name: must be a non-empty name")
    tables_raw = raw.get("tables") or []
    if not isinstance(tables_raw, list) or not tables_raw:
        raise PublishError("insights.tables: list at least one mart, e.g. [final_metrics_table, ps_stats]")
    tables: list[str] = []
    for index, table in enumerate(tables_raw):
        if not isinstance(table, str) or not _IDENT.match(table):
            raise PublishError(f"insights.tables[{index}]: {table!r} is not a mart name")
        full = table if table.startswith(f"{prefix}_") else f"{prefix}_{table}"
        if full not in tables:
            tables.append(full)
    users = raw.get("shared_users") or []
    if not isinstance(users, list) or not all(isinstance(u, str) and "@" in u for u in users):
        raise PublishError("insights.shared_users: must be a list of e-mail addresses")
    overrides: dict[str, str] = {}
    for kind, columns in (raw.get("change_schema_cols") or {}).items():
        if kind not in _OVERRIDE_TYPES:
            raise PublishError(f"insights.change_schema_cols.{kind}: unknown type; use date, text, float or bigint")
        for column in columns or []:
            overrides[str(column)] = _OVERRIDE_TYPES[kind]
    relations = []
    for index, pair in enumerate(raw.get("join_relations") or []):
        ends = []
        for end in pair if isinstance(pair, list) and len(pair) == 2 else []:
            table, _, column = str(end).partition(".")
            full = table if table.startswith(f"{prefix}_") else f"{prefix}_{table}"
            if full not in tables or not column:
                raise PublishError(
                    f"insights.join_relations[{index}]: {end!r} must be <table>.<column> with the table "
                    "listed in insights.tables"
                )
            ends.append((full, column))
        if len(ends) != 2:
            raise PublishError(f"insights.join_relations[{index}]: must be a pair [table.column, table.column]")
        relations.append((ends[0], ends[1]))
    return InsightsConfig(name.strip(), tuple(tables), tuple(users), overrides, tuple(relations))


# --------------------------------------------------------------------------- warehouse


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows(conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    try:
        if params:
            cursor.execute(sql, list(params))
        else:
            cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        close = getattr(cursor, "close", None)
        if close:
            close()


def warehouse_columns(conn: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, warehouse type) in table order, from information_schema (DuckDB, Trino, TD)."""
    found = _rows(
        conn,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        (schema, table),
    )
    return [(str(name), str(kind)) for name, kind in found]


def insights_type(warehouse_type: str) -> str:
    """Warehouse column type -> Treasure Insights column type (text, bigint, float, timestamp)."""
    kind = warehouse_type.strip().lower()
    if kind.startswith(("tinyint", "smallint", "integer", "int", "bigint", "hugeint", "long", "ubigint", "uinteger")):
        return "bigint"
    if kind.startswith(("double", "real", "float", "decimal", "numeric")):
        return "float"
    if kind.startswith(("date", "timestamp", "time with", "datetime")):
        return "timestamp"
    # varchar, char, json, uuid, boolean, arrays, maps, rows: text (as TD's own tools map them).
    return "text"


def table_size(conn: Any, schema: str, table: str, columns: list[tuple[str, str]]) -> TableSize:
    """Rows, and bytes estimated as the data Insights imports: 8 bytes per fixed-width value plus
    the characters of each text value (one scan)."""
    text_columns = [c for c, t in columns if insights_type(t) == "text"]
    fixed = len(columns) - len(text_columns)
    parts = ["count(*)"] + [f"sum(length(cast({_quote(c)} as varchar)))" for c in text_columns]
    (row,) = _rows(conn, f"select {', '.join(parts)} from {_quote(schema)}.{_quote(table)}")
    rows = int(row[0] or 0)
    text_bytes = sum(int(v or 0) for v in row[1:])
    return TableSize(table, rows, rows * fixed * 8 + text_bytes)


def _human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"


def size_warnings(sizes: list[TableSize], limit: int = INSIGHTS_GUIDANCE_BYTES) -> list[str]:
    total = sum(s.bytes for s in sizes)
    if total >= limit:
        return [f"the model's tables hold about {_human_bytes(total)}, over Treasure Insights' "
                f"{_human_bytes(limit)} guidance: narrow the time window or the tables before building"]
    if total >= WARN_FRACTION * limit:
        return [f"the model's tables hold about {_human_bytes(total)}, approaching Treasure Insights' "
                f"{_human_bytes(limit)} guidance"]
    return []


# --------------------------------------------------------------------------- payload


def build_payload(
    config: InsightsConfig,
    database: str,
    columns: dict[str, list[tuple[str, str]]],
    *,
    model_api_key: str | None = None,
) -> dict[str, Any]:
    """The create body (TD's documented shape): the model key as `apikey`, the tables under
    `datamodel`. Without `model_api_key` (dry runs only) it has no `apikey`."""
    tables: dict[str, Any] = {}
    for table in config.tables:
        typed = {name: {"type": config.overrides.get(name, insights_type(kind))} for name, kind in columns[table]}
        tables[table] = {"columns": typed}
    relations = [
        [{"dataset": database, "table": t1, "column": c1}, {"dataset": database, "table": t2, "column": c2}]
        for (t1, c1), (t2, c2) in config.relations
    ]
    payload: dict[str, Any] = {
        "name": config.model_name,
        "type": "elasticube",
        "description": DESCRIPTION,
        "datamodel": {
            "datasets": {database: {"type": "presto", "database": database, "tables": tables}},
            "relations": relations,
        },
    }
    if model_api_key:
        payload["apikey"] = model_api_key
    return payload


def update_body(payload: dict[str, Any]) -> dict[str, Any]:
    """The update body: `PUT /reporting/datamodels/{oid}` takes the model's fields under a `datamodel`
    key (TD's "Replacing the API Key for Data Models" sends `{"datamodel": {"apikey": …}}`), so the
    key is rotated to the current model key on every publish. Name and type are not changed."""
    fields: dict[str, Any] = {"description": payload["description"]}
    if payload.get("apikey"):
        fields["apikey"] = payload["apikey"]
    fields["datasets"] = payload["datamodel"]["datasets"]
    fields["relations"] = payload["datamodel"]["relations"]
    return {"datamodel": fields}


def _shown(body: dict[str, Any]) -> dict[str, Any]:
    """A body with its key masked, for printing."""
    shown = json.loads(json.dumps(body))
    for holder in (shown, shown.get("datamodel") or {}):
        if isinstance(holder, dict) and "apikey" in holder:
            holder["apikey"] = "***"
    return shown


def check_model_key(client_http: HttpClient, model_api_key: str | None, *, dry_run: bool) -> str | None:
    """The model key, registered for redaction; PublishError when it cannot be used. Missing is
    allowed for a dry run only (None is returned)."""
    key = (model_api_key or "").strip() or None
    if key is None:
        if dry_run:
            return None
        raise PublishError(
            f"{MODEL_KEY_ENV} is not set: Treasure Insights builds a model with a key stored in the model. "
            "Create a TD user that can only query the marts' database, and put that user's API key in "
            f"{MODEL_KEY_ENV} (never TD_API_KEY, the key publish runs with). Nothing was sent"
        )
    register_secret(key)
    if client_http.uses_key(key):
        raise PublishError(
            f"{MODEL_KEY_ENV} is the key publish runs with (TD_API_KEY): Insights would store it in the model, "
            "where anyone who can read the model's definition could read it. Use the key of a dedicated user "
            "that can only query the marts' database. Nothing was sent"
        )
    return key


# --------------------------------------------------------------------------- state file


def _read_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(path: Path | None, host: str, model_name: str, oid: str) -> None:
    """Remember host + model name -> oid. Only these three strings are ever written."""
    if path is None:
        return
    state = _read_state(path)
    state.setdefault("models", {})[f"{host} {model_name}"] = {"host": host, "model_name": model_name, "oid": oid}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)


def _remembered_oid(path: Path | None, host: str, model_name: str) -> str | None:
    entry = _read_state(path).get("models", {}).get(f"{host} {model_name}")
    return str(entry["oid"]) if isinstance(entry, dict) and entry.get("oid") else None


# --------------------------------------------------------------------------- the whole publish


def publish(
    client_http: HttpClient,
    config_insights: Insights | Mapping[str, Any],
    warehouse_conn: Any,
    *,
    prefix: str,
    database: str,
    state_path: Path | None = None,
    model_api_key: str | None = None,
    dry_run: bool = False,
    poll_interval: float = 10.0,
    build_timeout: float = 3600.0,
    lookup_wait: float | None = None,
    say: Say = print,
) -> PublishResult:
    """Create or update the datamodel, share it, build it. Idempotent: one model per name, one build
    per publish, also when answers are lost.

    `client_http`: the TD API client (`orchestrate.clients.insights_http`). `config_insights`: the
    configuration's `insights` (`Config.insights`, or the same as a mapping). `database` is the
    warehouse schema holding the marts (the TD database). `model_api_key` is the
    model's own key (required unless `dry_run`; never the client's key). `lookup_wait`: seconds to let
    a write whose answer was lost land before looking it up (default `LOOKUP_WAIT`). Raises
    PublishError, before any request when the model key is missing or wrong.
    """
    raw = config_insights.as_vars() if isinstance(config_insights, Insights) else dict(config_insights)
    config = parse_insights_config(raw, prefix)
    model_key = check_model_key(client_http, model_api_key, dry_run=dry_run)
    result = PublishResult(model_name=config.model_name)
    columns: dict[str, list[tuple[str, str]]] = {}
    for table in config.tables:
        found = warehouse_columns(warehouse_conn, database, table)
        if not found:
            raise PublishError(f"insights.tables: {database}.{table} does not exist; run the build first")
        columns[table] = found
        size = table_size(warehouse_conn, database, table, found)
        result.sizes.append(size)
        say(f"publish: {table}: {size.rows:,} rows, about {_human_bytes(size.bytes)}")
    known = {name for cols in columns.values() for name, _ in cols}
    for (t1, c1), (t2, c2) in config.relations:
        for table, column in ((t1, c1), (t2, c2)):
            if column not in {name for name, _ in columns[table]}:
                raise PublishError(f"insights.join_relations: {table} has no column {column!r}")
    unused = sorted(set(config.overrides) - known)
    if unused:
        result.warnings.append(f"insights.change_schema_cols names columns in none of the tables: {', '.join(unused)}")
    result.warnings += size_warnings(result.sizes)
    say(f"publish: model {config.model_name!r}: {len(config.tables)} table(s), about "
        f"{_human_bytes(result.total_bytes)} in total (Treasure Insights guidance: under 4 GB)")
    for warning in result.warnings:
        say(f"publish: WARNING: {warning}")
    payload = build_payload(config, database, columns, model_api_key=model_key)
    result.payload = _shown(payload)  # what the caller gets back holds no key
    if dry_run:
        result.action = "dry-run"
        if model_key is None:
            say(f"publish: {MODEL_KEY_ENV} is not set: a real publish would stop here. Set it to the API key of "
                "a dedicated user that can only query the marts' database")
        say("publish: dry run, nothing sent. Create payload (an existing model gets PUT {\"datamodel\": {…}} "
            "with its description, key, datasets and relations):\n"
            + json.dumps(result.payload, indent=2, ensure_ascii=False))
        return result

    api = InsightsApi(client_http, say=say, lookup_wait=lookup_wait)
    host = client_http.base_url
    oid = api.find_model(config.model_name, _remembered_oid(state_path, host, config.model_name))
    if oid is None:  # no model has this name yet
        oid = api.create_model(payload, known=set())
        result.action = "created"
    else:
        api.update_model(oid, update_body(payload))
        result.action = "updated"
    result.oid = oid
    _write_state(state_path, host, config.model_name, oid)
    say(f"publish: model {config.model_name!r} {result.action} (oid {oid}); it reads TD with the model key "
        f"({MODEL_KEY_ENV})")
    if config.shared_users:
        api.share_model(oid, config.shared_users)
        result.shared_with = config.shared_users
        say(f"publish: shared with {', '.join(config.shared_users)}")
    result.build_oid, result.build_status = api.run_build(oid, poll_interval=poll_interval, timeout=build_timeout)
    if result.action == "created":
        api.tidy_after_create(config.model_name, oid, known=set())
    say(f"publish: build {result.build_oid} {result.build_status}: model {config.model_name!r} is ready")
    return result
