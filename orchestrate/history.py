"""`rules history / diff / revert`: read rule versions from the warehouse, write an old rule back.

Versions come from the dbt model `hist_rule_versions` (numbered from the `snp_segment_rules`
snapshot). Every function takes plain arguments and returns a result whose `text()` is what the
CLI prints:

- `rule_history(conn_or_query_fn, segment)` -> `RuleHistory`
- `rule_diff(conn_or_query_fn, segment, from_v=None, to_v=None)` -> `RuleDiff`
- `revert(client, conn_or_query_fn, segment, to_version, yes=False, expect_state=None)` -> `RevertResult`

`segment` is a segment id or the segment's *current* name: the name of the last pull
(`stg_cdp__segments`), or for a segment that is no longer landed the name of its latest version.
A name held by several segments (two parent segments, a deleted one and its re-creation) is an
error that lists every candidate with its id and parent segment; a name the segment had only in
older versions is an error that names the segment it belonged to. `conn_or_query_fn` is a DB-API
connection (DuckDB, trino) or a function `sql -> list[dict]`. Values are written into SQL as
quoted literals (quotes doubled), so names with quotes or unicode never break the query.

`revert` is a dry run unless `yes=True`; it reads the segment from the CDP API and:

- does nothing when the live rule already has the meaning of the version asked for (so running
  the same revert again, e.g. after a crash, is safe);
- refuses when the live rule differs from the latest version in the warehouse, or from the rule
  the last pull landed in any key (display-only `description` / `visibility` too): an edit nobody
  has pulled yet is never overwritten blind;
- the dry run shows the diff and a state token of the live record (every field the API returns
  except the recomputed `population`); `expect_state=<token>` (`--expect-state`) refuses unless
  the segment is still exactly as the dry run showed it;
- with `yes`, re-reads the segment just before the write and refuses if any field changed since
  its first read; writes once (v4: `PUT /audiences/{id}/segments/{sid}` with the whole segment as
  read and the old rule, because a v4 PUT replaces the segment; v5: `PATCH /entities/segments/{id}`
  with the rule only); after a failed or unanswered write it re-reads and decides: already in the
  intended state -> done, not sent again; unchanged -> sent once more; changed by someone else ->
  refused; after the write it re-reads and checks every field: the rule is the old one and
  nothing else changed (bar the write's own `updatedAt` / `updatedBy`).

The next pull records the reverted rule as a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from orchestrate import clients
from orchestrate.cdp import client as cdp_client
from orchestrate.cdp.canonical import canonical_json, rule_hash
from orchestrate.context import RunContext
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import ApiError
from orchestrate.warehouse import connect

QueryFn = Callable[[str], list[dict[str, Any]]]

# dbt model names; each table is <project_prefix>_<model name> in the warehouse (sa_relation_alias).
VERSIONS_RELATION = "hist_rule_versions"
# The last pull, as dbt staged it: where the current names (and landed rules) come from.
LANDED_SEGMENTS_RELATION = "stg_cdp__segments"
LANDED_PARENT_SEGMENTS_RELATION = "stg_cdp__parent_segments"
LANDED_FOLDERS_RELATION = "stg_cdp__folders"
DEFAULT_PREFIX = "segment_analytics"  # `project_prefix`'s default (orchestrate/config/)

_VERSION_COLUMNS = (
    "segment_id", "version", "ps_id", "segment_name", "api_version", "rule_json", "rule_conditions",
    "rule_hash", "updated_at", "updated_by", "population", "valid_from_date", "valid_to_date",
    "deleted_at",
)


class HistoryError(SegmentAnalyticsError):
    """A request the history commands cannot serve; the message names the argument and the fix."""


class SegmentWriter(Protocol):
    """The CDP client calls `revert` needs (orchestrate.cdp.client.CdpClient has them)."""

    def get_segment_v4(self, ps_id: str, segment_id: str) -> dict[str, Any]: ...

    def get_segment_v5(self, segment_id: str) -> dict[str, Any]: ...

    def update_segment_v4(self, ps_id: str, segment_id: str, body: dict[str, Any]) -> dict[str, Any]: ...

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


@dataclass(frozen=True)
class SegmentRef:
    """A segment as the history commands name it: its id and its current name and place."""

    segment_id: str
    name: str
    ps_id: str
    ps_name: str | None
    folder_name: str | None
    api_version: str
    deleted_on: str | None
    landed: bool
    landed_rule_json: str | None

    def describe(self) -> str:
        """`6001 'Adults' in parent segment 5001 'Shop' (folder 'Root', v5)` (+ deletion)."""
        ps = f"parent segment {self.ps_id}" + (f" {self.ps_name!r}" if self.ps_name else "")
        place = ", ".join(p for p in (f"folder {self.folder_name!r}" if self.folder_name else "",
                                      self.api_version) if p)
        gone = f", deleted on {self.deleted_on}" if self.deleted_on else ""
        return f"{self.segment_id} {self.name!r} in {ps} ({place}{gone})"


def _relation(name: str, schema: str | None, prefix: str) -> str:
    relation = quote_identifier(f"{prefix}_{name}")
    return f"{quote_identifier(schema)}.{relation}" if schema else relation


def _candidates_sql(wanted: str, schema: str | None, prefix: str) -> str:
    """Segments whose id, current name or any former name is `wanted` (one row per segment)."""
    versions = _relation(VERSIONS_RELATION, schema, prefix)
    literal = sql_literal(wanted)
    return f"""
with rule_versions as (
    select segment_id, version, ps_id, ps_name, folder_name, segment_name, api_version, deleted_at
    from {versions}
),
latest_version_numbers as (
    select segment_id, max(version) as latest_version from rule_versions group by segment_id
),
latest_versions as (
    select v.*
    from rule_versions as v
    inner join latest_version_numbers as n
        on n.segment_id = v.segment_id and n.latest_version = v.version
),
former_name_matches as (
    select distinct segment_id from rule_versions where segment_name = {literal}
),
landed_segments as (
    select segment_id, segment_name, folder_id, api_version, rule_json
    from {_relation(LANDED_SEGMENTS_RELATION, schema, prefix)}
),
landed_parent_segments as (
    select ps_id, ps_name from {_relation(LANDED_PARENT_SEGMENTS_RELATION, schema, prefix)}
),
landed_folders as (
    select folder_id, folder_name from {_relation(LANDED_FOLDERS_RELATION, schema, prefix)}
),
candidates as (
    select
        l.segment_id,
        coalesce(s.segment_name, l.segment_name) as segment_name,
        l.ps_id,
        coalesce(p.ps_name, l.ps_name) as ps_name,
        coalesce(f.folder_name, l.folder_name) as folder_name,
        coalesce(s.api_version, l.api_version) as api_version,
        l.deleted_at,
        s.rule_json as landed_rule_json,
        case when s.segment_id is null then 0 else 1 end as is_landed,
        case when m.segment_id is null then 0 else 1 end as had_name
    from latest_versions as l
    left join landed_segments as s on s.segment_id = l.segment_id
    left join landed_parent_segments as p on p.ps_id = l.ps_id
    left join landed_folders as f on f.folder_id = s.folder_id
    left join former_name_matches as m on m.segment_id = l.segment_id
)
select * from candidates
where segment_id = {literal} or segment_name = {literal} or had_name = 1
order by segment_id"""


def _ref(row: dict[str, Any]) -> SegmentRef:
    return SegmentRef(
        segment_id=str(row["segment_id"]), name=str(row["segment_name"]), ps_id=str(row["ps_id"]),
        ps_name=None if row["ps_name"] is None else str(row["ps_name"]),
        folder_name=None if row["folder_name"] is None else str(row["folder_name"]),
        api_version=str(row["api_version"]), deleted_on=_day(row["deleted_at"]),
        landed=bool(row["is_landed"]),
        landed_rule_json=None if row["landed_rule_json"] is None else str(row["landed_rule_json"]),
    )


def resolve_segment(conn_or_query_fn: Any, segment: str, *, schema: str | None = None,
                    prefix: str = DEFAULT_PREFIX) -> SegmentRef:
    """The one segment `segment` names: an id, else a current name; ambiguity is an error."""
    if not isinstance(segment, str) or not segment.strip():
        raise HistoryError("segment: give a segment id or its exact name")
    wanted = segment.strip()
    rows = as_query_fn(conn_or_query_fn)(_candidates_sql(wanted, schema, prefix))
    refs: dict[str, tuple[SegmentRef, bool]] = {}
    for row in rows:
        refs.setdefault(str(row["segment_id"]), (_ref(row), bool(row["had_name"])))
    if wanted in refs:
        return refs[wanted][0]
    named = [ref for ref, _ in refs.values() if ref.name == wanted]
    if len(named) == 1:
        return named[0]
    if named:
        listing = "; ".join(ref.describe() for ref in named)
        raise HistoryError(f"segment: the name {wanted!r} is ambiguous, {len(named)} segments have it: {listing}. "
                           "Give the segment id instead")
    formerly = [ref for ref, had_name in refs.values() if had_name]
    if formerly:
        listing = "; ".join(ref.describe() for ref in formerly)
        raise HistoryError(f"segment: no segment is named {wanted!r} now; it is a former name of {listing}. "
                           "Give the id or the current name")
    raise HistoryError(
        f"segment: no segment with id or name {segment!r} in the rule history; "
        "run `segment-analytics run` (pull + build) first, or check the id"
    )


def _versions_of(query: QueryFn, segment_id: str, schema: str | None, prefix: str) -> list[RuleVersion]:
    rows = query(
        f"select {', '.join(_VERSION_COLUMNS)} from {_relation(VERSIONS_RELATION, schema, prefix)} "
        f"where segment_id = {sql_literal(segment_id)} order by version"
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


def load_segment(
    conn_or_query_fn: Any, segment: str, *, schema: str | None = None, prefix: str = DEFAULT_PREFIX,
) -> tuple[SegmentRef, list[RuleVersion]]:
    """The segment `segment` names (id or current name) and every version of it, oldest first."""
    query = as_query_fn(conn_or_query_fn)
    ref = resolve_segment(query, segment, schema=schema, prefix=prefix)
    versions = _versions_of(query, ref.segment_id, schema, prefix)
    if not versions:  # resolved from the same table a moment ago: only a concurrent rebuild gets here
        raise HistoryError(f"segment: segment {ref.segment_id} has no rule versions; run `segment-analytics run`")
    return ref, versions


def load_versions(conn_or_query_fn: Any, segment: str, *, schema: str | None = None,
                  prefix: str = DEFAULT_PREFIX) -> list[RuleVersion]:
    """Every version of one segment (by id, else by current name), oldest first."""
    return load_segment(conn_or_query_fn, segment, schema=schema, prefix=prefix)[1]


# ----------------------------------------------------------------------------------------------
# diff (the same rules as models/marts/fct_segment_rule_changes.sql)


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
    segment: SegmentRef | None = None

    def text(self) -> str:
        latest = self.versions[-1]
        name = self.segment.name if self.segment else latest.segment_name
        api_version = self.segment.api_version if self.segment else latest.api_version
        lines = [f"Segment {latest.segment_id} {name!r} (parent segment {latest.ps_id}, "
                 f"{api_version}): {len(self.versions)} rule version(s)"]
        header = ("version", "valid from", "valid to", "changed by", "rule hash", "population", "state")
        table = [header]
        for v in self.versions:
            state = "current" if v.valid_to is None else ("deleted" if v.deleted_on else "replaced")
            table.append((str(v.version), v.valid_from, v.valid_to or "", v.updated_by or "",
                          v.rule_hash[:12], "" if v.population is None else str(v.population), state))
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                  for row in table]
        former = sorted({v.segment_name for v in self.versions} - {name})
        if former:
            lines.append("formerly named: " + ", ".join(repr(n) for n in former))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def rule_history(conn_or_query_fn: Any, segment: str, *, schema: str | None = None,
                 prefix: str = DEFAULT_PREFIX) -> RuleHistory:
    ref, versions = load_segment(conn_or_query_fn, segment, schema=schema, prefix=prefix)
    return RuleHistory(versions, ref)


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
    *, schema: str | None = None, prefix: str = DEFAULT_PREFIX,
) -> RuleDiff:
    """Diff between two versions (default: the latest and the one before it)."""
    ref, versions = load_segment(conn_or_query_fn, segment, schema=schema, prefix=prefix)
    target = _pick(versions, to_v, "--to") if to_v is not None else versions[-1]
    if from_v is None:
        from_v = max(target.version - 1, 1)
    source = _pick(versions, from_v, "--from")
    return RuleDiff(target.segment_id, ref.name, source.version, target.version,
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
    state: str | None = None  # state token of the live record as read (see LiveSegment.state)
    writes: int = 0  # write requests sent

    def text(self) -> str:
        return "\n".join([self.message, *self.diff])

    def __str__(self) -> str:
        return self.text()


# Fields of the live record that are not compared: recomputed by Treasure Data's own workflows
# (population), not edits anyone made.
VOLATILE_FIELDS = frozenset({"population", "attributes.population"})
# Fields a write changes by itself: its timestamp and author.
WRITE_STAMP_FIELDS = frozenset({"updatedAt", "updatedBy", "attributes.updatedAt", "relationships.updatedBy"})
# Fields the API derives from the rule.
RULE_DERIVED_FIELDS = frozenset({"attributes.isEmptyRule"})
RULE_FIELDS = {"v4": "rule", "v5": "attributes.rule"}


def _rule_text(rule: Any) -> str:
    """A rule as canonical JSON, every key kept (null and {} both mean the whole parent segment)."""
    return canonical_json({} if rule is None else rule)


@dataclass(frozen=True)
class LiveSegment:
    """One segment as `GET` one returns it (v4 item or v5 resource), compared field by field."""

    api_version: str
    record: dict[str, Any]
    fields: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flat: dict[str, str] = {}
        if self.api_version == "v4":
            for key, value in self.record.items():
                flat[str(key)] = canonical_json(value)
        else:
            for key, value in self.record.items():
                if key in {"attributes", "relationships"} and isinstance(value, dict):
                    for inner, inner_value in value.items():
                        flat[f"{key}.{inner}"] = canonical_json(inner_value)
                else:
                    flat[str(key)] = canonical_json(value)
        flat[RULE_FIELDS[self.api_version]] = _rule_text(self.rule)
        object.__setattr__(self, "fields", flat)

    @property
    def attributes(self) -> dict[str, Any]:
        if self.api_version == "v4":
            return self.record
        attrs = self.record.get("attributes")
        return attrs if isinstance(attrs, dict) else {}

    @property
    def rule(self) -> Any:
        return self.attributes.get("rule")

    @property
    def name(self) -> str:
        return str(self.attributes.get("name"))

    @property
    def segment_type(self) -> str:
        return str(self.record.get("type") or "segment-batch")

    def state(self) -> str:
        """A short fingerprint of every compared field: equal tokens, equal records."""
        kept = {k: v for k, v in self.fields.items() if k not in VOLATILE_FIELDS}
        return hashlib.sha256(canonical_json(kept).encode("utf-8")).hexdigest()[:12]

    def with_rule(self, rule: Any) -> dict[str, str]:
        """The compared fields this segment would have with `rule` instead of its own."""
        return {**self.fields, RULE_FIELDS[self.api_version]: _rule_text(rule)}


def _differences(expected: dict[str, str], actual: dict[str, str], ignore: frozenset[str]) -> list[str]:
    """`field: old -> new` for every field that differs (missing fields read as absent)."""
    out = []
    for key in sorted(set(expected) | set(actual)):
        if key in ignore or expected.get(key) == actual.get(key):
            continue
        before = expected.get(key, "(absent)")
        after = actual.get(key, "(absent)")
        out.append(f"{key}: {before[:60]} -> {after[:60]}")
    return out


def fetch_live_segment(client: SegmentWriter, ref: SegmentRef | RuleVersion) -> LiveSegment:
    """The segment as the CDP API has it now (single-segment GET, v4 or v5 as it was landed)."""
    if str(ref.segment_id).startswith("journey:"):
        raise HistoryError(f"{ref.segment_id} is a journey stage: it has no rule of its own to read or write "
                           "(its criteria name ordinary segments); nothing was written")
    if ref.api_version == "v4":
        record: Any = client.get_segment_v4(ref.ps_id, ref.segment_id)
    else:
        record = client.get_segment_v5(ref.segment_id).get("data")
    if not isinstance(record, dict) or (ref.api_version != "v4" and not isinstance(record.get("attributes"), dict)):
        raise HistoryError(f"segment {ref.segment_id}: the API returned no readable record (no view permission?); "
                           "nothing was written")
    return LiveSegment("v4" if ref.api_version == "v4" else "v5", record)


def _check_not_stale(ref: SegmentRef, latest: RuleVersion, live: LiveSegment) -> None:
    """Refuse when the live rule is not what the warehouse recorded and the last pull landed."""
    live_hash = rule_hash(live.rule)
    if live_hash != latest.rule_hash:
        raise HistoryError(
            f"segment {ref.segment_id} changed since the warehouse recorded version {latest.version} "
            f"(live rule hash {live_hash[:12]}, recorded {latest.rule_hash[:12]}); run "
            "`segment-analytics run` to record the change, review it, then revert"
        )
    if ref.landed_rule_json is not None:
        try:
            landed = json.loads(ref.landed_rule_json)
        except ValueError:
            landed = ref.landed_rule_json
        if _rule_text(landed) != _rule_text(live.rule):
            raise HistoryError(
                f"segment {ref.segment_id} changed since the last pull: its rule has the same meaning as "
                f"version {latest.version} but differs in display-only keys (description, visibility); "
                "run `segment-analytics run` to land it, then revert"
            )


def revert(
    client: SegmentWriter, conn_or_query_fn: Any, segment: str, to_version: int,
    yes: bool = False, *, schema: str | None = None, expect_state: str | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> RevertResult:
    """Write rule version `to_version` back to the segment (dry run unless `yes`)."""
    if not isinstance(to_version, int) or isinstance(to_version, bool) or to_version < 1:
        raise HistoryError("--to-version: give a version number (1, 2, ...) from `rules history`")
    if expect_state is not None and (not isinstance(expect_state, str) or not expect_state.strip()):
        raise HistoryError("--expect-state: give the state token a dry run printed")
    ref, versions = load_segment(conn_or_query_fn, segment, schema=schema, prefix=prefix)
    latest = versions[-1]
    target = _pick(versions, to_version, "--to-version")
    if latest.deleted_on is not None:
        raise HistoryError(
            f"segment {latest.segment_id} was deleted on {latest.deleted_on}; revert only rewrites the "
            "rule of an existing segment"
        )
    live = fetch_live_segment(client, ref)
    state = live.state()
    if rule_hash(live.rule) == target.rule_hash:
        pending = " (an earlier revert took effect; the next pull records it)" if latest.rule_hash != target.rule_hash \
            else ""
        return RevertResult(False, ref.segment_id, to_version, [],
                            f"Segment {ref.segment_id} already has the rule of version {to_version}{pending}; "
                            "nothing to do.", state)
    _check_not_stale(ref, latest, live)
    if expect_state is not None and expect_state.strip() != state:
        raise HistoryError(
            f"segment {ref.segment_id} changed since the dry run that showed state {expect_state.strip()} "
            f"(now {state}); nothing was written. Run the dry run again and review it"
        )
    diff = diff_conditions(latest.rule_conditions, target.rule_conditions) or ["(no condition changed)"]
    endpoint = (f"PUT /audiences/{ref.ps_id}/segments/{ref.segment_id}" if live.api_version == "v4"
                else f"PATCH /entities/segments/{ref.segment_id}")
    what = (f"segment {ref.segment_id} {live.name!r}: rule version {latest.version} "
            f"-> version {to_version} via {endpoint}")
    if not yes:
        stamp = f"updated {live.attributes.get('updatedAt')}"
        return RevertResult(False, ref.segment_id, to_version, diff,
                            f"Dry run: would revert {what}. Live segment as read: state {state}, {stamp}. "
                            f"Re-run with --yes --expect-state {state} to apply it only if the segment is "
                            "still as read. Changes:", state)
    return _apply(client, ref, live, target, what, diff)


def _apply(client: SegmentWriter, ref: SegmentRef, first: LiveSegment, target: RuleVersion, what: str,
           diff: list[str]) -> RevertResult:
    """Re-read, write once, recover from a lost answer, verify every field."""

    # the whole v4 segment as first read, with the old rule (built before anything is sent)
    body = cdp_client.v4_update_body(first.record, target.rule) if first.api_version == "v4" else None

    def send() -> None:
        if body is not None:
            client.update_segment_v4(ref.ps_id, ref.segment_id, body)
        else:
            client.update_segment_rule_v5(ref.segment_id, target.rule, first.segment_type)

    before_write = fetch_live_segment(client, ref)
    changed = _differences(first.fields, before_write.fields, VOLATILE_FIELDS)
    if changed:
        raise HistoryError(f"segment {ref.segment_id} changed since revert read it ({'; '.join(changed)}); "
                           "nothing was written. Run the dry run again and review it")
    intended = first.with_rule(target.rule)
    settled = VOLATILE_FIELDS | WRITE_STAMP_FIELDS | RULE_DERIVED_FIELDS
    writes = 0
    recovered = ""
    while True:
        writes += 1
        try:
            send()
            break
        except ApiError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and not exc.may_have_applied:
                raise HistoryError(f"segment {ref.segment_id}: the API refused the update ({exc}); "
                                   "the segment is unchanged") from None
            now = fetch_live_segment(client, ref)
            if not _differences(intended, now.fields, settled):
                recovered = (" The write got no usable answer; a re-read showed it had taken effect, so it "
                             "was not sent again.")
                break
            if not _differences(first.fields, now.fields, VOLATILE_FIELDS):
                if writes < 2:
                    continue
                raise HistoryError(f"segment {ref.segment_id}: the update failed twice and the segment is "
                                   f"unchanged; try again later ({exc})") from None
            raise HistoryError(
                f"segment {ref.segment_id}: the update got no usable answer and the segment is now neither as "
                f"read nor as intended ({'; '.join(_differences(first.fields, now.fields, VOLATILE_FIELDS))}); "
                "someone else changed it: nothing more was sent, review it in Audience Studio"
            ) from None
    after = fetch_live_segment(client, ref)
    wrong = _differences(intended, after.fields, settled)
    if wrong:
        raise HistoryError(
            f"segment {ref.segment_id}: the API accepted the update but the segment is not as intended "
            f"({'; '.join(wrong)}); check the segment in Audience Studio"
        )
    return RevertResult(True, ref.segment_id, target.version, diff,
                        f"Reverted {what}.{recovered} Every other field is as it was. The next pull records "
                        "it as a new version. Changes:", first.state(), writes)


# ----------------------------------------------------------------------------------------------
# CLI glue (orchestrate/commands.py): resolve the warehouse and the API from the run context


def _schema_of(ctx: RunContext) -> str | None:
    schema = ctx.target_profile.get("schema")
    return str(schema) if schema else None


def print_history(ctx: RunContext, segment: str) -> RuleHistory:
    with connect(ctx.target_profile) as conn:
        result = rule_history(conn, segment, schema=_schema_of(ctx), prefix=ctx.config.project_prefix)
    print(result.text())
    return result


def print_diff(ctx: RunContext, segment: str, *, from_version: int | None = None,
               to_version: int | None = None) -> RuleDiff:
    with connect(ctx.target_profile) as conn:
        result = rule_diff(conn, segment, from_version, to_version, schema=_schema_of(ctx),
                           prefix=ctx.config.project_prefix)
    print(result.text())
    return result


def revert_from_context(ctx: RunContext, segment: str, *, to_version: int, yes: bool,
                        expect_state: str | None = None) -> RevertResult:
    """`rules revert` for a run context: its warehouse, its marts' prefix, its CDP API (`ctx.api`)."""
    client = clients.cdp_client(ctx.api)
    with connect(ctx.target_profile) as conn:
        result = revert(client, conn, segment, to_version, yes, schema=_schema_of(ctx), expect_state=expect_state,
                        prefix=ctx.config.project_prefix)
    print(result.text())
    return result
