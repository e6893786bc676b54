"""Typed records parsed from CDP API payloads: lenient about what the real service sends, bounded
against what a broken or hostile one might.

Every value read from API JSON goes through a typed, bounded path here:

- ids are ASCII digit strings or ints of at most 19 digits within int64; floats, booleans, unicode
  digits (`²`) and ids thousands of digits long are problems, never coerced;
- populations are non-negative int64 or null; anything else lands as null with a note;
- statistics epochs must fall between 2000 and 2100; their days are the parent segment's timezone;
- `attributes`, `relationships` and `included` must be objects (or lists of objects);
- no record may nest deeper than `MAX_NESTING` levels (so nothing downstream can recurse out).

A record that cannot be used raises `RecordProblem`, which names the record by kind and id so the
pull can report it (never drop it silently). A value that is odd but not fatal (a population that is
not a number) is landed as null and kept in the record's `notes` as a problem of its own kind
(`segment_population`, ...), which the history models do not read as "segment not landed".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestrate.cdp.canonical import canonical_json
from orchestrate.errors import SegmentAnalyticsError

INT64_MAX = 2**63 - 1
MAX_ID_DIGITS = 19
MAX_NESTING = 100  # JSON levels in one record; real rules use about 12
EPOCH_MIN = 946_684_800  # 2000-01-01T00:00:00Z
EPOCH_MAX = 4_102_444_800  # 2100-01-01T00:00:00Z
MAX_TIMEZONE_LENGTH = 64
_ID = re.compile(r"[0-9]{1,19}", re.ASCII)

SEGMENT_KINDS = {0: "batch", 1: "realtime", 2: "funnel_stage"}
V5_SEGMENT_TYPES = {
    "segment-batch": "batch",
    "segment-realtime": "realtime",
    "segment-funnel-stage": "funnel_stage",
}
V5_FOLDER_TYPE = "folder-segment"
V5_FUNNEL_TYPE = "funnel"
V5_JOURNEY_TYPE = "journey"
JOURNEY_STAGE_KIND = "journey_stage"
MAX_TIMESTAMP_LENGTH = 64


class RecordProblem(SegmentAnalyticsError, ValueError):
    """An unusable record: what it is, which id, and why."""

    def __init__(self, kind: str, record_id: str | None, reason: str) -> None:
        super().__init__(f"{kind} {record_id or '<no id>'}: {reason}")
        self.kind = kind
        self.record_id = record_id
        self.reason = reason

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "id": self.record_id, "reason": self.reason}


def shown(value: Any, limit: int = 40) -> str:
    """A short, safe rendering of an odd value for a problem message."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def normalize_id(value: Any, kind: str, field_name: str = "id") -> str:
    """An id as a string of ASCII digits (int64); ints and digit strings only, anything else a problem."""
    if isinstance(value, bool):
        raise RecordProblem(kind, shown(value), f"{field_name} is a boolean, not a numeric id")
    if isinstance(value, int):
        if 0 <= value <= INT64_MAX:
            return str(value)
        raise RecordProblem(kind, None, f"{field_name} is out of the int64 range")
    if isinstance(value, float):
        raise RecordProblem(kind, shown(value), f"{field_name} is a float ({shown(value)}), not an id")
    if isinstance(value, str):
        text = value.strip()
        if _ID.fullmatch(text) and int(text) <= INT64_MAX:
            return str(int(text))
        if len(text) > MAX_ID_DIGITS and text.isdigit():
            raise RecordProblem(kind, shown(text), f"{field_name} has {len(text)} digits (at most {MAX_ID_DIGITS})")
    raise RecordProblem(kind, None if value is None else shown(value), f"{field_name} is not a numeric id")


def optional_id(value: Any, kind: str, field_name: str, record_id: str | None = None) -> str | None:
    """Like normalize_id but None/'' pass through as None; a bad value names the record it is in."""
    if value is None or value == "":
        return None
    try:
        return normalize_id(value, kind, field_name)
    except RecordProblem as exc:
        if record_id is None:
            raise
        raise RecordProblem(kind, record_id, f"{exc.reason} ({shown(value)})") from None


def population_or_reason(value: Any) -> tuple[int | None, str | None]:
    """(population, None) for a usable value, (None, reason) for an odd one; null is usable (no count)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"population is a boolean ({shown(value)})"
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _ID.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        return None, f"population is not a whole number ({shown(value)})"
    if number < 0:
        return None, f"population is negative ({number})"
    if number > INT64_MAX:
        return None, "population is above the int64 range"
    return number, None


def parse_population(value: Any) -> int | None:
    """A population as int; null, negative, non-numeric or out-of-range values become None."""
    return population_or_reason(value)[0]


def nesting_depth_exceeds(value: Any, limit: int = MAX_NESTING) -> bool:
    """True when `value` nests lists/objects more than `limit` levels deep (iterative, no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def check_nesting(value: Any, kind: str, record_id: str | None) -> None:
    if nesting_depth_exceeds(value):
        raise RecordProblem(kind, record_id, f"nested more than {MAX_NESTING} levels deep; not landed")


def resolve_timezone(name: Any) -> tuple[tzinfo, str | None]:
    """The parent segment's zone, or (UTC, reason) when it is absent or unknown."""
    if name is None or name == "":
        return UTC, "timezone is missing; statistics days read in UTC"
    if not isinstance(name, str) or len(name) > MAX_TIMEZONE_LENGTH:
        return UTC, f"timezone {shown(name)} is not a zone name; statistics days read in UTC"
    try:
        return ZoneInfo(name), None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC, f"unknown timezone {shown(name)}; statistics days read in UTC"


def _text(value: Any, limit: int = 1000) -> str | None:
    """A scalar as text (strings kept, numbers rendered); objects and lists are not text."""
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:limit]


def _str_or_none(value: Any) -> str | None:
    return _text(value)


def _user_name(value: Any) -> str | None:
    """v4 `updatedBy: {id, td_user_id, name}` → name (or id)."""
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("td_user_id") or value.get("id"), 200)
    return _text(value, 200)


def _rel_id(resource: dict[str, Any], name: str) -> Any:
    rels = resource.get("relationships")
    rel = rels.get(name) if isinstance(rels, dict) else None
    if not isinstance(rel, dict):
        return None
    data = rel.get("data")
    return data.get("id") if isinstance(data, dict) else None


@dataclass
class ParentSegment:
    ps_id: str
    name: str
    api_version: str
    root_folder_id: str | None
    population: int | None
    timezone: str | None
    updated_at: str | None
    raw: dict[str, Any] = field(repr=False)
    notes: list[RecordProblem] = field(default_factory=list, repr=False)

    @property
    def raw_json(self) -> str:
        return canonical_json(self.raw)


@dataclass
class Folder:
    folder_id: str
    ps_id: str
    parent_folder_id: str | None
    name: str
    api_version: str
    raw: dict[str, Any] = field(repr=False)


@dataclass
class Segment:
    segment_id: str
    ps_id: str
    folder_id: str | None
    name: str
    api_version: str
    kind: str
    realtime: bool
    population: int | None
    rule: Any
    created_at: str | None
    updated_at: str | None
    updated_by: str | None
    raw: dict[str, Any] = field(repr=False)
    rule_missing: bool = False
    # v5 `isEmptyRule`: True/False when the API says, None when it does not (v4, realtime)
    empty_rule_flag: bool | None = None
    # funnel stages: (funnel id, stage id), which their statistics are asked by
    funnel_stage: tuple[str, str] | None = None
    notes: list[RecordProblem] = field(default_factory=list, repr=False)
    read_alone: bool = False  # parsed from its own read (not a list), so not asked again


@dataclass(frozen=True)
class FunnelStageRef:
    """One stage of a v5 `funnel` entity: the segment that holds its rule."""

    funnel_id: str
    stage_id: str | None
    segment_id: str
    folder_id: str | None
    name: str


@dataclass(frozen=True)
class Journey:
    """One v5 `journey` entity (by-folder) and its stages, (stage id, stage name) in journey order."""

    journey_id: str
    ps_id: str
    folder_id: str | None
    name: str
    stages: list[tuple[str, str]]
    raw_stages: dict[str, Any] = field(repr=False)


def journey_stage_segment_id(journey_id: str, stage_id: str) -> str:
    """The synthetic segment id a journey stage is landed under (stages have no segment of their own)."""
    return f"journey:{journey_id}:{stage_id}"


@dataclass(frozen=True)
class PopulationPoint:
    ps_id: str
    segment_id: str
    stat_date: date
    population: int
    measured: bool


def _require_name(value: Any, kind: str, record_id: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordProblem(kind, record_id, "name is missing or empty")
    return value


def _population(value: Any, kind: str, record_id: str, notes: list[RecordProblem]) -> int | None:
    number, reason = population_or_reason(value)
    if reason is not None:
        notes.append(RecordProblem(f"{kind}_population", record_id, f"{reason}; landed as null"))
    return number


def _object(value: Any, kind: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordProblem(kind, None, f"not an object: {shown(value, 60)}")
    return value


def _attributes(resource: dict[str, Any], kind: str, record_id: str) -> dict[str, Any]:
    attrs = resource.get("attributes")
    if attrs is None:
        raise RecordProblem(kind, record_id, "attributes missing (no view permission?)")
    if not isinstance(attrs, dict):
        raise RecordProblem(kind, record_id, f"attributes is not an object: {shown(attrs)}")
    return attrs


def _timezone(value: Any, kind: str, record_id: str, notes: list[RecordProblem]) -> str | None:
    if value is None or (isinstance(value, str) and len(value) <= MAX_TIMEZONE_LENGTH):
        return value
    notes.append(RecordProblem(f"{kind}_timezone", record_id, f"timezone {shown(value)} is not a zone name"))
    return None


def parse_v5_parent_segment(resource: Any) -> ParentSegment:
    """One `parentSegment` JSON:API resource."""
    resource = _object(resource, "parent_segment")
    ps_id = normalize_id(resource.get("id"), "parent_segment")
    check_nesting(resource, "parent_segment", ps_id)
    attrs = _attributes(resource, "parent_segment", ps_id)
    root = _rel_id(resource, "parentSegmentFolder") or _rel_id(resource, "parentFolder")
    notes: list[RecordProblem] = []
    return ParentSegment(
        ps_id=ps_id,
        name=_require_name(attrs.get("name"), "parent_segment", ps_id),
        api_version="v5",
        root_folder_id=optional_id(root, "parent_segment", "parentSegmentFolder", ps_id),
        population=_population(attrs.get("population"), "parent_segment", ps_id, notes),
        timezone=_timezone(attrs.get("timezone"), "parent_segment", ps_id, notes),
        updated_at=_str_or_none(attrs.get("updatedAt")),
        raw=resource,
        notes=notes,
    )


def parse_v4_audience(item: Any) -> ParentSegment:
    """One `/audiences` item, or one `/master_segments` item (no timezone, no root folder there)."""
    item = _object(item, "parent_segment")
    ps_id = normalize_id(item.get("id"), "parent_segment")
    check_nesting(item, "parent_segment", ps_id)
    notes: list[RecordProblem] = []
    return ParentSegment(
        ps_id=ps_id,
        name=_require_name(item.get("name"), "parent_segment", ps_id),
        api_version="v4",
        root_folder_id=optional_id(item.get("rootFolderId"), "parent_segment", "rootFolderId", ps_id),
        population=_population(item.get("population"), "parent_segment", ps_id, notes),
        timezone=_timezone(item.get("timezone"), "parent_segment", ps_id, notes),
        updated_at=_str_or_none(item.get("updatedAt")),
        raw=item,
        notes=notes,
    )


def parse_v5_folder(resource: Any, ps_id: str) -> Folder:
    resource = _object(resource, "folder")
    folder_id = normalize_id(resource.get("id"), "folder")
    check_nesting(resource, "folder", folder_id)
    attrs = _attributes(resource, "folder", folder_id)
    return Folder(
        folder_id=folder_id,
        ps_id=ps_id,
        parent_folder_id=optional_id(_rel_id(resource, "parentFolder"), "folder", "parentFolder", folder_id),
        name=_require_name(attrs.get("name"), "folder", folder_id),
        api_version="v5",
        raw=resource,
    )


def parse_v4_folder(item: Any, ps_id: str) -> Folder:
    item = _object(item, "folder")
    folder_id = normalize_id(item.get("id"), "folder")
    check_nesting(item, "folder", folder_id)
    return Folder(
        folder_id=folder_id,
        ps_id=ps_id,
        parent_folder_id=optional_id(item.get("parentFolderId"), "folder", "parentFolderId", folder_id),
        name=_require_name(item.get("name"), "folder", folder_id),
        api_version="v4",
        raw=item,
    )


def rule_is_blank(rule: Any) -> bool:
    """No rule in the payload: null or `{}` (what list reads send when they leave the rule out)."""
    return rule is None or rule == {}


def _rule(value: Any, segment_id: str) -> Any:
    if value is None or isinstance(value, dict):
        return value
    raise RecordProblem("segment", segment_id, f"rule is not an object: {shown(value)}")


def _empty_rule_flag(attrs: dict[str, Any]) -> bool | None:
    flag = attrs.get("isEmptyRule")
    return flag if isinstance(flag, bool) else None


def _rule_missing(attrs: dict[str, Any]) -> bool:
    """A read without a usable rule: key absent, null, or {} while isEmptyRule is not true."""
    return rule_is_blank(attrs.get("rule")) and attrs.get("isEmptyRule") is not True


def parse_v5_segment(resource: Any, ps_id: str, users: dict[str, str]) -> Segment:
    """One `segment-*` resource from by-folder or /entities/segments/{id}."""
    resource = _object(resource, "segment")
    segment_id = normalize_id(resource.get("id"), "segment")
    check_nesting(resource, "segment", segment_id)
    raw_type = resource.get("type")
    kind = V5_SEGMENT_TYPES.get(raw_type, shown(raw_type)) if isinstance(raw_type, str) else shown(raw_type)
    attrs = _attributes(resource, "segment", segment_id)
    updated_by_id = _rel_id(resource, "updatedBy")
    updated_by = users.get(str(updated_by_id), _str_or_none(updated_by_id))
    notes: list[RecordProblem] = []
    return Segment(
        segment_id=segment_id,
        ps_id=optional_id(attrs.get("audienceId"), "segment", "audienceId", segment_id) or ps_id,
        folder_id=optional_id(_rel_id(resource, "parentFolder"), "segment", "parentFolder", segment_id),
        name=_require_name(attrs.get("name"), "segment", segment_id),
        api_version="v5",
        kind=kind,
        realtime=kind == "realtime",
        population=_population(attrs.get("population"), "segment", segment_id, notes),
        rule=_rule(attrs.get("rule"), segment_id),
        created_at=_str_or_none(attrs.get("createdAt")),
        updated_at=_str_or_none(attrs.get("updatedAt")),
        updated_by=updated_by,
        raw=resource,
        rule_missing=_rule_missing(attrs),
        empty_rule_flag=_empty_rule_flag(attrs),
        notes=notes,
    )


def parse_v4_segment(item: Any, ps_id: str) -> Segment:
    item = _object(item, "segment")
    segment_id = normalize_id(item.get("id"), "segment")
    check_nesting(item, "segment", segment_id)
    raw_kind = item.get("kind")
    if isinstance(raw_kind, int) and not isinstance(raw_kind, bool):
        kind = SEGMENT_KINDS.get(raw_kind, f"kind_{shown(raw_kind, 20)}")
    else:
        kind = "realtime" if item.get("realtime") is True else "batch"
    notes: list[RecordProblem] = []
    return Segment(
        segment_id=segment_id,
        ps_id=optional_id(item.get("audienceId"), "segment", "audienceId", segment_id) or ps_id,
        folder_id=optional_id(item.get("segmentFolderId"), "segment", "segmentFolderId", segment_id),
        name=_require_name(item.get("name"), "segment", segment_id),
        api_version="v4",
        kind=kind,
        realtime=kind == "realtime" or item.get("realtime") is True,
        population=_population(item.get("population"), "segment", segment_id, notes),
        rule=_rule(item.get("rule"), segment_id),
        created_at=_str_or_none(item.get("createdAt")),
        updated_at=_str_or_none(item.get("updatedAt")),
        updated_by=_user_name(item.get("updatedBy")),
        raw=item,
        rule_missing=_rule_missing(item),
        empty_rule_flag=_empty_rule_flag(item),
        notes=notes,
    )


def parse_v5_funnel(resource: Any) -> list[FunnelStageRef]:
    """The stages of one v5 `funnel` entity (by-folder): each names the segment holding its rule."""
    resource = _object(resource, "funnel")
    funnel_id = normalize_id(resource.get("id"), "funnel")
    check_nesting(resource, "funnel", funnel_id)
    attrs = _attributes(resource, "funnel", funnel_id)
    stages = attrs.get("stages")
    if stages is None:
        return []
    if not isinstance(stages, list):
        raise RecordProblem("funnel", funnel_id, f"stages is not a list: {shown(stages)}")
    folder_id = optional_id(_rel_id(resource, "parentFolder"), "funnel", "parentFolder", funnel_id)
    refs: list[FunnelStageRef] = []
    for index, stage in enumerate(stages):
        if not isinstance(stage, dict):
            raise RecordProblem("funnel", funnel_id, f"stage {index} is not an object: {shown(stage)}")
        segment_id = optional_id(stage.get("segmentId"), "funnel", f"stages[{index}].segmentId", funnel_id)
        if segment_id is None:
            continue  # a stage without a segment yet (the spec's example has some)
        refs.append(FunnelStageRef(
            funnel_id=funnel_id,
            stage_id=optional_id(stage.get("id"), "funnel", f"stages[{index}].id", funnel_id),
            segment_id=segment_id,
            folder_id=folder_id,
            name=_text(stage.get("name"), 1000) or f"stage {index + 1}",
        ))
    return refs


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not EPOCH_MIN <= value < EPOCH_MAX:  # NaN fails both comparisons
        return None
    return float(value)


def parse_statistics(payload: Any, ps_id: str, segment_id: str, zone: tzinfo = UTC,
                     problems: list[RecordProblem] | None = None) -> list[PopulationPoint]:
    """`[[epoch, population, measured], ...]` → points, one per day of the parent segment's zone.

    The days "are calculated in the timezone of the audience" (spec), so each epoch is read in
    `zone`. A response that is not an array is a problem; odd tuples (bad epoch, bad population) are
    skipped and counted in one problem appended to `problems` (raised when no list is given).
    """
    if not isinstance(payload, list):
        raise RecordProblem("segment_statistics", segment_id, "statistics response is not an array")
    points: dict[date, PopulationPoint] = {}
    bad: list[Any] = []
    for item in payload:
        if not isinstance(item, list) or len(item) < 2:
            bad.append(item)
            continue
        epoch = _epoch(item[0])
        population, reason = population_or_reason(item[1])
        if epoch is None or reason is not None:
            bad.append(item)
            continue
        if population is None:
            continue
        measured = bool(item[2]) if len(item) > 2 and isinstance(item[2], bool) else True
        day = datetime.fromtimestamp(epoch, tz=zone).date()
        points[day] = PopulationPoint(ps_id, segment_id, day, population, measured)
    if bad:
        problem = RecordProblem("segment_statistics", segment_id,
                                f"{len(bad)} bad statistics tuple(s) skipped, e.g. {shown(bad[0], 60)}")
        if problems is None:
            raise problem
        problems.append(problem)
    return [points[d] for d in sorted(points)]


def parse_v5_journey(resource: Any, ps_id: str) -> Journey:
    """One v5 `journey` entity (by-folder): its stages, each to be landed as a `journey_stage` segment.

    A stage without an id (the spec makes it optional) cannot be asked statistics for; it is left out.
    """
    resource = _object(resource, "journey")
    journey_id = normalize_id(resource.get("id"), "journey")
    check_nesting(resource, "journey", journey_id)
    attrs = _attributes(resource, "journey", journey_id)
    name = _require_name(attrs.get("name"), "journey", journey_id)
    stages = attrs.get("journeyStages")
    if stages is not None and not isinstance(stages, list):
        raise RecordProblem("journey", journey_id, f"journeyStages is not a list: {shown(stages)}")
    refs: list[tuple[str, str]] = []
    raw_stages: dict[str, Any] = {}
    for index, stage in enumerate(stages or []):
        if not isinstance(stage, dict):
            raise RecordProblem("journey", journey_id, f"stage {index} is not an object: {shown(stage)}")
        stage_id = optional_id(stage.get("id"), "journey", f"journeyStages[{index}].id", journey_id)
        if stage_id is None:
            continue
        if stage_id in raw_stages:
            raise RecordProblem("journey", journey_id, f"stage {stage_id} is listed twice")
        refs.append((stage_id, _text(stage.get("name"), 1000) or f"stage {index + 1}"))
        raw_stages[stage_id] = stage
    return Journey(
        journey_id=journey_id,
        ps_id=optional_id(attrs.get("audienceId"), "journey", "audienceId", journey_id) or ps_id,
        folder_id=optional_id(_rel_id(resource, "parentFolder"), "journey", "parentFolder", journey_id),
        name=name[:1000],
        stages=refs,
        raw_stages=raw_stages,
    )


def _iso_instant(value: Any) -> datetime | None:
    """An ISO 8601 date-time between 2000 and 2100 (naive ones read as UTC), else None."""
    if not isinstance(value, str) or len(value) > MAX_TIMESTAMP_LENGTH:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    if _epoch(instant.timestamp()) is None:
        return None
    return instant


def parse_journey_statistics(payload: Any, journey: Journey, zone: tzinfo = UTC,
                             problems: list[RecordProblem] | None = None,
                             ) -> tuple[dict[str, int | None], list[PopulationPoint]]:
    """`GET /entities/journeys/{id}/statistics` → (stage id → current size, history points).

    Points are one per day of the parent segment's zone (the latest `updatedAt` of a day wins), under
    each stage's synthetic segment id. A response of the wrong shape raises a `journey` problem; odd
    history items (bad `updatedAt`, bad size) are skipped and counted in one `journey_statistics` problem
    appended to `problems` (raised when no list is given).
    """
    data = payload.get("data") if isinstance(payload, dict) else None
    attrs = data.get("attributes") if isinstance(data, dict) else None
    stats = attrs.get("journeyStageStatistics") if isinstance(attrs, dict) else None
    if not isinstance(stats, list):
        raise RecordProblem("journey", journey.journey_id,
                            "statistics response has no data.attributes.journeyStageStatistics list")
    check_nesting(payload, "journey", journey.journey_id)
    wanted = {stage_id for stage_id, _ in journey.stages}
    sizes: dict[str, int | None] = {}
    latest: dict[tuple[str, date], tuple[datetime, int]] = {}
    bad: list[Any] = []
    for stat in stats:
        if not isinstance(stat, dict):
            bad.append(stat)
            continue
        try:
            stage_id = normalize_id(stat.get("id"), "journey")
        except RecordProblem:
            bad.append(stat.get("id"))
            continue
        if stage_id not in wanted:
            continue  # a stage by-folder did not list (or listed without an id)
        size, reason = population_or_reason(stat.get("size"))
        if reason is not None:
            bad.append(stat.get("size"))
        sizes[stage_id] = size
        history = stat.get("history")
        for item in history if isinstance(history, list) else [history]:
            instant = _iso_instant(item.get("updatedAt")) if isinstance(item, dict) else None
            population, reason = population_or_reason(item.get("size")) if isinstance(item, dict) else (None, "")
            if instant is None or reason is not None:
                bad.append(item)
                continue
            if population is None:
                continue
            day = instant.astimezone(zone).date()
            previous = latest.get((stage_id, day))
            if previous is None or instant >= previous[0]:
                latest[(stage_id, day)] = (instant, population)
    if bad:
        problem = RecordProblem("journey_statistics", journey.journey_id,
                                f"{len(bad)} bad statistics item(s) skipped, e.g. {shown(bad[0], 60)}")
        if problems is None:
            raise problem
        problems.append(problem)
    points = [PopulationPoint(journey.ps_id, journey_stage_segment_id(journey.journey_id, stage_id), day,
                              population, True)
              for (stage_id, day), (_, population) in sorted(latest.items())]
    return sizes, points
