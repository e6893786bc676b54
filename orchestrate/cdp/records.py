"""Typed records parsed from CDP API payloads, lenient about what the real service sends.

Ids may arrive as ints or strings; `population` may be null; unknown entity types are skipped by
the caller and reported. A record that cannot be used raises `RecordProblem`, which names the
record by kind and id so the pull can report it (never drop it silently).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from orchestrate.cdp.canonical import canonical_json

_ID = re.compile(r"^[0-9]+$")

SEGMENT_KINDS = {0: "batch", 1: "realtime", 2: "funnel_stage"}
V5_SEGMENT_TYPES = {
    "segment-batch": "batch",
    "segment-realtime": "realtime",
    "segment-funnel-stage": "funnel_stage",
}
V5_FOLDER_TYPE = "folder-segment"


class RecordProblem(ValueError):
    """An unusable record: what it is, which id, and why."""

    def __init__(self, kind: str, record_id: str | None, reason: str) -> None:
        super().__init__(f"{kind} {record_id or '<no id>'}: {reason}")
        self.kind = kind
        self.record_id = record_id
        self.reason = reason

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "id": self.record_id, "reason": self.reason}


def normalize_id(value: Any, kind: str, field_name: str = "id") -> str:
    """An id as a string of digits; ints and digit strings accepted, anything else is a problem."""
    if isinstance(value, bool):
        raise RecordProblem(kind, str(value), f"{field_name} is a boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and _ID.match(value.strip()):
        return str(int(value.strip()))
    raise RecordProblem(kind, None if value is None else str(value)[:40], f"{field_name} is not a numeric id")


def optional_id(value: Any, kind: str, field_name: str) -> str | None:
    """Like normalize_id but None/'' pass through as None."""
    if value is None or value == "":
        return None
    return normalize_id(value, kind, field_name)


def parse_population(value: Any) -> int | None:
    """A population as int; null, negative or non-numeric values become None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _user_name(value: Any) -> str | None:
    """v4 `updatedBy: {id, td_user_id, name}` → name (or id)."""
    if isinstance(value, dict):
        return _str_or_none(value.get("name") or value.get("td_user_id") or value.get("id"))
    return _str_or_none(value)


def _rel_id(resource: dict[str, Any], name: str) -> Any:
    rel = (resource.get("relationships") or {}).get(name)
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


def parse_v5_parent_segment(resource: Any) -> ParentSegment:
    """One `parentSegment` JSON:API resource."""
    if not isinstance(resource, dict):
        raise RecordProblem("parent_segment", None, f"not an object: {json.dumps(resource)[:60]}")
    ps_id = normalize_id(resource.get("id"), "parent_segment")
    attrs = resource.get("attributes")
    if not isinstance(attrs, dict):
        raise RecordProblem("parent_segment", ps_id, "attributes missing (no view permission?)")
    root = _rel_id(resource, "parentSegmentFolder") or _rel_id(resource, "parentFolder")
    return ParentSegment(
        ps_id=ps_id,
        name=_require_name(attrs.get("name"), "parent_segment", ps_id),
        api_version="v5",
        root_folder_id=optional_id(root, "parent_segment", "parentSegmentFolder"),
        population=parse_population(attrs.get("population")),
        timezone=_str_or_none(attrs.get("timezone")),
        updated_at=_str_or_none(attrs.get("updatedAt")),
        raw=resource,
    )


def parse_v4_audience(item: Any) -> ParentSegment:
    """One `/audiences` item."""
    if not isinstance(item, dict):
        raise RecordProblem("parent_segment", None, f"not an object: {json.dumps(item)[:60]}")
    ps_id = normalize_id(item.get("id"), "parent_segment")
    return ParentSegment(
        ps_id=ps_id,
        name=_require_name(item.get("name"), "parent_segment", ps_id),
        api_version="v4",
        root_folder_id=optional_id(item.get("rootFolderId"), "parent_segment", "rootFolderId"),
        population=parse_population(item.get("population")),
        timezone=_str_or_none(item.get("timezone")),
        updated_at=_str_or_none(item.get("updatedAt")),
        raw=item,
    )


def parse_v5_folder(resource: dict[str, Any], ps_id: str) -> Folder:
    folder_id = normalize_id(resource.get("id"), "folder")
    attrs = resource.get("attributes")
    if not isinstance(attrs, dict):
        raise RecordProblem("folder", folder_id, "attributes missing (no view permission?)")
    return Folder(
        folder_id=folder_id,
        ps_id=ps_id,
        parent_folder_id=optional_id(_rel_id(resource, "parentFolder"), "folder", "parentFolder"),
        name=_require_name(attrs.get("name"), "folder", folder_id),
        api_version="v5",
        raw=resource,
    )


def parse_v4_folder(item: Any, ps_id: str) -> Folder:
    if not isinstance(item, dict):
        raise RecordProblem("folder", None, f"not an object: {json.dumps(item)[:60]}")
    folder_id = normalize_id(item.get("id"), "folder")
    return Folder(
        folder_id=folder_id,
        ps_id=ps_id,
        parent_folder_id=optional_id(item.get("parentFolderId"), "folder", "parentFolderId"),
        name=_require_name(item.get("name"), "folder", folder_id),
        api_version="v4",
        raw=item,
    )


def _rule_missing(attrs: dict[str, Any]) -> bool:
    """A list read without a usable rule: key absent, null, or {} while isEmptyRule is not true."""
    if "rule" not in attrs or attrs.get("rule") is None:
        return True
    return attrs.get("rule") == {} and attrs.get("isEmptyRule") is not True


def parse_v5_segment(resource: dict[str, Any], ps_id: str, users: dict[str, str]) -> Segment:
    """One `segment-*` resource from by-folder or /entities/segments/{id}."""
    segment_id = normalize_id(resource.get("id"), "segment")
    kind = V5_SEGMENT_TYPES.get(str(resource.get("type")), str(resource.get("type")))
    attrs = resource.get("attributes")
    if not isinstance(attrs, dict):
        raise RecordProblem("segment", segment_id, "attributes missing (no view permission?)")
    updated_by_id = _rel_id(resource, "updatedBy")
    updated_by = users.get(str(updated_by_id), _str_or_none(updated_by_id))
    return Segment(
        segment_id=segment_id,
        ps_id=optional_id(attrs.get("audienceId"), "segment", "audienceId") or ps_id,
        folder_id=optional_id(_rel_id(resource, "parentFolder"), "segment", "parentFolder"),
        name=_require_name(attrs.get("name"), "segment", segment_id),
        api_version="v5",
        kind=kind,
        realtime=kind == "realtime",
        population=parse_population(attrs.get("population")),
        rule=attrs.get("rule"),
        created_at=_str_or_none(attrs.get("createdAt")),
        updated_at=_str_or_none(attrs.get("updatedAt")),
        updated_by=updated_by,
        raw=resource,
        rule_missing=_rule_missing(attrs),
    )


def parse_v4_segment(item: Any, ps_id: str) -> Segment:
    if not isinstance(item, dict):
        raise RecordProblem("segment", None, f"not an object: {json.dumps(item)[:60]}")
    segment_id = normalize_id(item.get("id"), "segment")
    raw_kind = item.get("kind")
    if isinstance(raw_kind, int) and not isinstance(raw_kind, bool):
        kind = SEGMENT_KINDS.get(raw_kind, f"kind_{raw_kind}")
    else:
        kind = "realtime" if item.get("realtime") is True else "batch"
    return Segment(
        segment_id=segment_id,
        ps_id=optional_id(item.get("audienceId"), "segment", "audienceId") or ps_id,
        folder_id=optional_id(item.get("segmentFolderId"), "segment", "segmentFolderId"),
        name=_require_name(item.get("name"), "segment", segment_id),
        api_version="v4",
        kind=kind,
        realtime=kind == "realtime" or item.get("realtime") is True,
        population=parse_population(item.get("population")),
        rule=item.get("rule"),
        created_at=_str_or_none(item.get("createdAt")),
        updated_at=_str_or_none(item.get("updatedAt")),
        updated_by=_user_name(item.get("updatedBy")),
        raw=item,
        rule_missing=_rule_missing(item),
    )


def parse_statistics(payload: Any, ps_id: str, segment_id: str) -> list[PopulationPoint]:
    """`[[epoch, population, measured], ...]` → points (UTC dates); bad tuples are a problem."""
    if not isinstance(payload, list):
        raise RecordProblem("segment_statistics", segment_id, "statistics response is not an array")
    points: dict[date, PopulationPoint] = {}
    for item in payload:
        if (
            not isinstance(item, list)
            or len(item) < 2
            or not isinstance(item[0], int | float)
            or isinstance(item[0], bool)
        ):
            raise RecordProblem("segment_statistics", segment_id, f"bad statistics tuple {item!r:.60}")
        population = parse_population(item[1])
        if population is None:
            continue
        measured = bool(item[2]) if len(item) > 2 and isinstance(item[2], bool) else True
        day = datetime.fromtimestamp(float(item[0]), tz=UTC).date()
        points[day] = PopulationPoint(ps_id, segment_id, day, population, measured)
    return [points[d] for d in sorted(points)]
