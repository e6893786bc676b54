"""`rules history / diff / revert`: read rule versions from the warehouse, write an old rule back.

Versions come from the dbt model `hist_rule_versions` (numbered from the `snp_segment_rules`
snapshot). Every function takes plain arguments and returns a result whose `text()` is what the
CLI prints:

- `rule_history(conn_or_query_fn, segment)` -> `RuleHistory`
- `rule_diff(conn_or_query_fn, segment, from_v=None, to_v=None)` -> `RuleDiff`
- `revert(client, conn_or_query_fn, segment, to_version, yes=False)` -> `RevertResult`

`segment` is a segment id or an exact segment name. `conn_or_query_fn` is a DB-API connection
(DuckDB, trino) or a function `sql -> list[dict]`. Values are written into SQL as quoted literals
(quotes doubled), so names with quotes or unicode never break the query.

`revert` is a dry run unless `yes=True`: it prints the diff it would apply. It refuses when the
segment's live rule (fetched from the CDP API) differs from the latest version in the warehouse,
so an edit nobody has pulled yet is never overwritten blind. The write goes through the CDP API
(v4 `PUT /audiences/{id}/segments/{sid}`, v5 `PATCH /entities/segments/{id}`); the next pull
records the reverted rule as a new version.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from orchestrate.cdp.canonical import rule_hash
from orchestrate.cdp.records import parse_v4_segment, parse_v5_segment

QueryFn = Callable[[str], list[dict[str, Any]]]

VERSIONS_RELATION = "hist_rule_versions"

_VERSION_COLUMNS = (
    "segment_id", "version", "ps_id", "segment_name", "api_version", "rule_json", "rule_conditions",
    "rule_hash", "updated_at", "updated_by", "population", "valid_from_date", "valid_to_date",
    "deleted_at",
)


class HistoryError(Exception):
    """A request the history commands cannot serve; the message names the argument and the fix."""


class SegmentWriter(Protocol):
    """The CDP client calls `revert` needs (orchestrate.cdp.client.CdpClient has them)."""

    def get_segment_v4(self, ps_id: str, segment_id: str) -> dict[str, Any]: ...

    def get_segment_v5(self, segment_id: str) -> dict[str, Any]: ...

    def update_segment_rule_v4(self, ps_id: str, segment_id: str, rule: Any) -> dict[str, Any]: ...

    def update_segment_rule_v5(self, segment_id: str, rule: Any, segment_type: str = ...) -> Any: ...


# ----------------------------------------------------------------------------------------------
# warehouse access


def sql_literal(value: str) -> str:
    """A standard SQL string literal (DuckDB and Trino: quotes doubled, backslash is ordinary)."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def as_query_fn(conn_or_query_fn: Any) -> QueryFn:
    """A DB-API connection (anything with `.cursor()`) or a ready query function."""
    if hasattr(conn_or_query_fn, "cursor"):
        conn = conn_or_query_fn

        def run(sql: str) -> list[dict[str, Any]]:
            cursor = conn.cursor()
            try:
                cursor.execute(sql)
                names = [d[0] for d in cursor.description or []]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            finally:
                cursor.close()

        return run
    if callable(conn_or_query_fn):
        return conn_or_query_fn
    raise TypeError("conn_or_query_fn: expected a DB-API connection or a function sql -> list[dict]")


@dataclass(frozen=True)
class RuleVersion:
    segment_id: str
    version: int
    ps_id: str
    segment_name: str
    api_version: str
    rule_json: str
    rule_conditions: str
    rule_hash: str
    updated_at: str | None
    updated_by: str | None
    population: int | None
    valid_from: str
    valid_to: str | None
    deleted_on: str | None

    @property
    def rule(self) -> Any:
        return json.loads(self.rule_json) if self.rule_json else None


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def load_versions(conn_or_query_fn: Any, segment: str, *, schema: str | None = None) -> list[RuleVersion]:
    """Every version of one segment (by id, else by exact name), oldest first."""
    if not isinstance(segment, str) or not segment.strip():
        raise HistoryError("segment: give a segment id or its exact name")
    query = as_query_fn(conn_or_query_fn)
    relation = quote_identifier(VERSIONS_RELATION)
    if schema:
        relation = f"{quote_identifier(schema)}.{relation}"
    wanted = sql_literal(segment.strip())
    rows = query(
        f"select {', '.join(_VERSION_COLUMNS)} from {relation} "
        f"where segment_id = {wanted} or segment_name = {wanted} order by segment_id, version"
    )
    ids = sorted({str(r["segment_id"]) for r in rows})
    if segment.strip() in ids:
        rows = [r for r in rows if str(r["segment_id"]) == segment.strip()]
    elif len(ids) > 1:
        raise HistoryError(f"segment: the name {segment!r} matches segments {', '.join(ids)}; give the id")
    if not rows:
        raise HistoryError(
            f"segment: no segment with id or name {segment!r} in the rule history; "
            "run `segment-analytics run` (pull + build) first, or check the id"
        )
    return [
        RuleVersion(
            segment_id=str(r["segment_id"]), version=int(r["version"]), ps_id=str(r["ps_id"]),
            segment_name=str(r["segment_name"]), api_version=str(r["api_version"]),
            rule_json=r["rule_json"] or "", rule_conditions=r["rule_conditions"] or "",
            rule_hash=str(r["rule_hash"]), updated_at=r["updated_at"], updated_by=r["updated_by"],
            population=None if r["population"] is None else int(r["population"]),
            valid_from=_day(r["valid_from_date"]) or "", valid_to=_day(r["valid_to_date"]),
            deleted_on=_day(r["deleted_at"]),
        )
        for r in rows
    ]


# ----------------------------------------------------------------------------------------------
# diff (the same rules as models/history/hist_rule_changes.sql)


def _parse_lines(conditions: str) -> list[tuple[int, str, str, str]]:
    """(line number from 1, whole line, path, condition text) for each non-empty line."""
    parsed = []
    for number, line in enumerate(conditions.split("\n") if conditions else [], start=1):
        if not line:
            continue
        path, tab, text = line.partition("\t")
        parsed.append((number, line, path, text if tab else ""))
    return parsed


def diff_conditions(before: str, after: str) -> list[str]:
    """Readable diff of two `rule_conditions` texts: `- path: old`, `+ path: new`,
    `~ path: old -> new` (a path with exactly one line removed and one added)."""
    old = _parse_lines(before)
    new = _parse_lines(after)
    old_lines = {line for _, line, _, _ in old}
    new_lines = {line for _, line, _, _ in new}
    removed = [item for item in old if item[1] not in new_lines]
    added = [item for item in new if item[1] not in old_lines]
    removed_paths = [item[2] for item in removed]
    added_paths = [item[2] for item in added]
    changed = {p for p in set(removed_paths) if removed_paths.count(p) == 1 and added_paths.count(p) == 1}
    entries: list[tuple[int, int, str]] = []
    old_text = {item[2]: item[3] for item in removed if item[2] in changed}
    for number, _, path, text in removed:
        if path not in changed:
            entries.append((number, 0, f"- {path}: {text}"))
    for number, _, path, text in added:
        if path in changed:
            entries.append((number, 1, f"~ {path}: {old_text[path]} -> {text}"))
        else:
            entries.append((number, 2, f"+ {path}: {text}"))
    return [line for _, _, line in sorted(entries)]


# ----------------------------------------------------------------------------------------------
# history and diff


@dataclass(frozen=True)
class RuleHistory:
    versions: list[RuleVersion]

    def text(self) -> str:
        first = self.versions[-1]
        lines = [f"Segment {first.segment_id} {first.segment_name!r} (parent segment {first.ps_id}, "
                 f"{first.api_version}): {len(self.versions)} rule version(s)"]
        header = ("version", "valid from", "valid to", "changed by", "rule hash", "population", "state")
        table = [header]
        for v in self.versions:
            state = "current" if v.valid_to is None else ("deleted" if v.deleted_on else "replaced")
            table.append((str(v.version), v.valid_from, v.valid_to or "", v.updated_by or "",
                          v.rule_hash[:12], "" if v.population is None else str(v.population), state))
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                  for row in table]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def rule_history(conn_or_query_fn: Any, segment: str, *, schema: str | None = None) -> RuleHistory:
    return RuleHistory(load_versions(conn_or_query_fn, segment, schema=schema))


@dataclass(frozen=True)
class RuleDiff:
    segment_id: str
    segment_name: str
    from_version: int
    to_version: int
    lines: list[str]

    def text(self) -> str:
        head = (f"Segment {self.segment_id} {self.segment_name!r}: "
                f"rule version {self.from_version} -> {self.to_version}")
        body = self.lines or ["(no condition changed)"]
        return "\n".join([head, *body])

    def __str__(self) -> str:
        return self.text()


def _pick(versions: Sequence[RuleVersion], number: int, argument: str) -> RuleVersion:
    for v in versions:
        if v.version == number:
            return v
    raise HistoryError(
        f"{argument}: segment {versions[0].segment_id} has no rule version {number} "
        f"(versions 1..{versions[-1].version})"
    )


def rule_diff(
    conn_or_query_fn: Any, segment: str, from_v: int | None = None, to_v: int | None = None,
    *, schema: str | None = None,
) -> RuleDiff:
    """Diff between two versions (default: the latest and the one before it)."""
    versions = load_versions(conn_or_query_fn, segment, schema=schema)
    target = _pick(versions, to_v, "--to") if to_v is not None else versions[-1]
    if from_v is None:
        from_v = max(target.version - 1, 1)
    source = _pick(versions, from_v, "--from")
    return RuleDiff(target.segment_id, target.segment_name, source.version, target.version,
                    diff_conditions(source.rule_conditions, target.rule_conditions))


# ----------------------------------------------------------------------------------------------
# revert


@dataclass(frozen=True)
class RevertResult:
    applied: bool
    segment_id: str
    to_version: int
    diff: list[str]
    message: str

    def text(self) -> str:
        return "\n".join([self.message, *self.diff])

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class LiveSegment:
    rule: Any
    segment_type: str


def fetch_live_segment(client: SegmentWriter, version: RuleVersion) -> LiveSegment:
    """The segment as the CDP API has it now (v4 or v5, as it was landed)."""
    if version.api_version == "v4":
        item = client.get_segment_v4(version.ps_id, version.segment_id)
        return LiveSegment(parse_v4_segment(item, version.ps_id).rule, "v4")
    payload = client.get_segment_v5(version.segment_id)
    resource = payload["data"]
    return LiveSegment(parse_v5_segment(resource, version.ps_id, {}).rule,
                       str(resource.get("type") or "segment-batch"))


def revert(
    client: SegmentWriter, conn_or_query_fn: Any, segment: str, to_version: int,
    yes: bool = False, *, schema: str | None = None,
) -> RevertResult:
    """Write rule version `to_version` back to the segment (dry run unless `yes`)."""
    if not isinstance(to_version, int) or isinstance(to_version, bool) or to_version < 1:
        raise HistoryError("--to-version: give a version number (1, 2, ...) from `rules history`")
    versions = load_versions(conn_or_query_fn, segment, schema=schema)
    latest = versions[-1]
    target = _pick(versions, to_version, "--to-version")
    if latest.deleted_on is not None:
        raise HistoryError(
            f"segment {latest.segment_id} was deleted on {latest.deleted_on}; revert only rewrites the "
            "rule of an existing segment"
        )
    live = fetch_live_segment(client, latest)
    live_hash = rule_hash(live.rule)
    if live_hash != latest.rule_hash:
        raise HistoryError(
            f"segment {latest.segment_id} changed since the warehouse recorded version {latest.version} "
            f"(live rule hash {live_hash[:12]}, recorded {latest.rule_hash[:12]}); run "
            "`segment-analytics run` to record the change, review it, then revert"
        )
    if target.rule_hash == latest.rule_hash:
        return RevertResult(False, latest.segment_id, to_version, [],
                            f"Segment {latest.segment_id} already has the rule of version {to_version}; "
                            "nothing to do.")
    diff = diff_conditions(latest.rule_conditions, target.rule_conditions) or ["(no condition changed)"]
    endpoint = (f"PUT /audiences/{latest.ps_id}/segments/{latest.segment_id}" if latest.api_version == "v4"
                else f"PATCH /entities/segments/{latest.segment_id}")
    what = (f"segment {latest.segment_id} {latest.segment_name!r}: rule version {latest.version} "
            f"-> version {to_version} via {endpoint}")
    if not yes:
        return RevertResult(False, latest.segment_id, to_version, diff,
                            f"Dry run: would revert {what}. Re-run with --yes to apply. Changes:")
    if latest.api_version == "v4":
        client.update_segment_rule_v4(latest.ps_id, latest.segment_id, target.rule)
    else:
        client.update_segment_rule_v5(latest.segment_id, target.rule, live.segment_type)
    after = fetch_live_segment(client, latest)
    if rule_hash(after.rule) != target.rule_hash:
        raise HistoryError(
            f"segment {latest.segment_id}: the API accepted the update but now holds rule hash "
            f"{rule_hash(after.rule)[:12]}, not version {to_version}'s {target.rule_hash[:12]}; check the segment"
        )
    return RevertResult(True, latest.segment_id, to_version, diff,
                        f"Reverted {what}. The next pull records it as a new version. Changes:")


# ----------------------------------------------------------------------------------------------
# CLI glue (orchestrate/commands.py): resolve the warehouse and the API from the run context


def _schema_of(ctx: Any) -> str | None:
    schema = ctx.target_profile.get("schema")
    return str(schema) if schema else None


def print_history(ctx: Any, segment: str) -> RuleHistory:
    from orchestrate.warehouse import connect

    with connect(ctx.target_profile) as conn:
        result = rule_history(conn, segment, schema=_schema_of(ctx))
    print(result.text())
    return result


def print_diff(ctx: Any, segment: str, *, from_version: int | None = None,
               to_version: int | None = None) -> RuleDiff:
    from orchestrate.warehouse import connect

    with connect(ctx.target_profile) as conn:
        result = rule_diff(conn, segment, from_version, to_version, schema=_schema_of(ctx))
    print(result.text())
    return result


def revert_from_context(ctx: Any, segment: str, *, to_version: int, yes: bool, region: str | None = None,
                        api_url: str | None = None, max_rps: float | None = None) -> RevertResult:
    from orchestrate.cdp.client import CdpClient
    from orchestrate.project import api_key_from_env
    from orchestrate.warehouse import connect

    client = CdpClient.for_region(region=region, api_url=api_url, api_key=api_key_from_env(), max_rps=max_rps)
    with connect(ctx.target_profile) as conn:
        result = revert(client, conn, segment, to_version, yes, schema=_schema_of(ctx))
    print(result.text())
    return result
