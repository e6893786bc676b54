"""In-memory state of the fake CDP account, with the Python API the demo and the tests drive.

Thread-safe (one re-entrant lock). Ids are digit strings, shared by the v4 and v5 views as on the
real service. Every parent segment has a root folder named "<name> Root"; a v4-only parent segment
(v5 not enabled) is simply absent from `/entities/parent_segments` and its folders from by-folder.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from orchestrate.errors import SegmentAnalyticsError


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class StateError(SegmentAnalyticsError, ValueError):
    """A bad call on the fake state (unknown id, duplicate name)."""


@dataclass
class FakeParentSegment:
    id: str
    name: str
    v5: bool
    root_folder_id: str
    population: int | None
    timezone: str
    description: str
    created_at: str
    updated_at: str
    # The configuration's attributes and behaviours (v4 `GET /audiences`, `/audiences/{id}`,
    # `/audiences/{id}/attributes|behaviors`), kept in the spec's AudienceAttribute / AudienceBehavior form.
    attributes: list[dict[str, Any]] = field(default_factory=list)
    behaviors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeFolder:
    id: str
    ps_id: str
    parent_id: str | None
    name: str
    description: str | None
    created_at: str
    updated_at: str
    created_by: str | None
    updated_by: str | None


@dataclass
class FakeFunnel:
    """A v5 funnel: 3 to 8 stages, each backed by a `funnel_stage` segment that holds its rule."""

    id: str
    ps_id: str
    folder_id: str
    name: str
    created_at: str
    updated_at: str
    # [{"id": stage id, "name": ..., "segment_id": ...}] in funnel order
    stages: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FakeJourney:
    """A v5 journey: by-folder lists it with its `journeyStages`; `/entities/journeys/{id}/statistics`
    serves each stage's current size and history (a stage is no segment: no segment id, no rule)."""

    id: str
    ps_id: str
    folder_id: str
    name: str
    created_at: str
    # [{"id": stage id, "name": ..., "size": current size, "history": {YYYY-MM-DD: size}}] in order
    stages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeEntity:
    """Any other by-folder entity (journey, mlSolution, predictive segment...): listed, never a segment."""

    id: str
    ps_id: str
    folder_id: str
    type: str
    name: str
    created_at: str


@dataclass
class FakeSegment:
    id: str
    ps_id: str
    folder_id: str
    name: str
    kind: str  # batch | realtime | funnel_stage
    rule: Any
    population: int | None
    description: str | None
    created_at: str
    updated_at: str
    created_by: str | None
    updated_by: str | None
    # stat_date (YYYY-MM-DD) -> [population, measured]
    history: dict[str, list[Any]] = field(default_factory=dict)
    rule_versions: list[dict[str, Any]] = field(default_factory=list)
    visible: bool = True  # v4 `isVisible`: false for hidden "building-block" segments


class FakeState:
    """The account: parent segments, folders, segments, users; plus knobs for quirks."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.parent_segments: dict[str, FakeParentSegment] = {}
        self.folders: dict[str, FakeFolder] = {}
        self.segments: dict[str, FakeSegment] = {}
        self.users: dict[str, str] = {}  # user id -> name
        self._ids = itertools.count(100001)
        # Quirk knobs: segments whose rule list reads leave out (the real service may do that).
        self.omit_rule_in_lists: set[str] = set()
        # When set, only these API keys are accepted (others get 401).
        self.accepted_keys: set[str] | None = None
        self._name_index: dict[tuple[str, str], str] = {}
        # Raw items appended verbatim to list responses, to reproduce odd real-world payloads
        # (unknown entity types, ids that are not numbers, summaries without attributes):
        # folder id → extra `data` items of by-folder; parent segment id → extra v4 segments.
        self.extra_by_folder: dict[str, list[Any]] = {}
        self.extra_v4_segments: dict[str, list[Any]] = {}
        # Empty rules in v5 reads (td-skills: rule fields can come back empty from list/entities
        # reads): these segments answer `rule: {}` in by-folder AND in GET /entities/segments/{id}
        # while isEmptyRule stays false; only the v4 single read has the rule.
        self.empty_rule_in_v5_reads: set[str] = set()
        # A view-only user: these keys get 403 on the parent-segment *configuration* routes
        # (GET /audiences, GET /audiences/{id}) while /master_segments and /entities answer.
        self.view_only_keys: set[str] = set()
        # Parent segments no key may read the trees of (403 on by-folder and /audiences/{id}/...).
        self.forbidden_parent_segments: set[str] = set()
        self.funnels: dict[str, FakeFunnel] = {}
        self.entities: dict[str, FakeEntity] = {}
        self.journeys: dict[str, FakeJourney] = {}
        # Hostile-input tests: (method, path regex, handler) tried before the CDP routes; a handler
        # returns a Reply (raw bytes, odd charsets, invented folders...) or None to fall through.
        self.route_overrides: list[tuple[str, str, Callable[[Any], Any]]] = []

    # -- ids, users -------------------------------------------------------------------------------
    def _new_id(self, wanted: str | int | None = None) -> str:
        with self.lock:
            if wanted is not None:
                new = str(int(wanted))
                if self._used(new):
                    raise StateError(f"id {new} is already used")
                return new
            while True:
                new = str(next(self._ids))
                if not self._used(new):
                    return new

    def _used(self, new: str) -> bool:
        return any(new in table for table in (self.parent_segments, self.folders, self.segments,
                                              self.funnels, self.entities, self.journeys))

    def user_id(self, name: str | None) -> str | None:
        """The id of a user by name, creating the user on first use."""
        if name is None:
            return None
        with self.lock:
            for uid, uname in self.users.items():
                if uname == name:
                    return uid
            uid = str(381 + len(self.users))
            self.users[uid] = name
            return uid

    def _stamp(self, now: datetime | None) -> str:
        return iso(now or self.clock())

    # -- parent segments and folders --------------------------------------------------------------
    def add_parent_segment(
        self,
        name: str,
        *,
        v5: bool = True,
        population: int | None = None,
        timezone: str = "UTC",
        ps_id: str | int | None = None,
        description: str = "",
        now: datetime | None = None,
    ) -> str:
        with self.lock:
            new_id = self._new_id(ps_id)
            stamp = self._stamp(now)
            root = FakeFolder(self._new_id(), new_id, None, f"{name} Root", None, stamp, stamp, None, None)
            self.folders[root.id] = root
            self.parent_segments[new_id] = FakeParentSegment(
                new_id, name, v5, root.id, population, timezone, description, stamp, stamp
            )
            return new_id

    def parent_segment(self, ps_id: str) -> FakeParentSegment:
        try:
            return self.parent_segments[str(ps_id)]
        except KeyError:
            raise StateError(f"unknown parent segment {ps_id}") from None

    def add_attribute(self, ps_id: str, name: str, *, column_type: str = "string", database: str = "demo_db",
                      table: str = "customers", column: str | None = None, parent_key: str = "td_canonical_id",
                      foreign_key: str = "td_canonical_id", grouping: str | None = None) -> str:
        """An attribute of the parent segment's configuration (a column of `customers`)."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            new_id = self._new_id()
            ps.attributes.append({
                "audienceId": ps.id, "id": new_id, "name": name, "type": column_type,
                "parentDatabaseName": database, "parentTableName": table, "parentColumn": column or name,
                "parentKey": parent_key, "foreignKey": foreign_key, "groupingName": grouping,
            })
            return new_id

    def add_behavior(self, ps_id: str, name: str, *, database: str, table: str,
                     columns: list[tuple[str, str]], parent_key: str = "td_canonical_id",
                     foreign_key: str = "td_canonical_id", realtime: bool = False) -> str:
        """A behaviour of the configuration: the table `database.table`, joined on parent_key =
        the master's foreign_key, with (column, ColumnType) columns (`behavior_<name>` in cdp_audience_<id>)."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            new_id = self._new_id()
            ps.behaviors.append({
                "id": new_id, "name": name, "parentDatabaseName": database, "parentTableName": table,
                "parentKey": parent_key, "foreignKey": foreign_key,
                "schema": [{"name": col, "type": kind, "parentColumn": col} for col, kind in columns],
                "scheduleType": "daily", "scheduleOption": None, "defaultTimeFilterEnabled": True,
                "isRealtime": realtime,
            })
            return new_id

    def set_parent_population(self, ps_id: str, population: int | None) -> None:
        with self.lock:
            self.parent_segment(ps_id).population = population

    def add_folder(
        self,
        ps_id: str,
        name: str,
        *,
        parent_folder_id: str | None = None,
        description: str | None = None,
        folder_id: str | int | None = None,
        created_by: str | None = "Demo User",
        now: datetime | None = None,
    ) -> str:
        """A folder under `parent_folder_id` (default: the parent segment's root folder)."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            parent = str(parent_folder_id) if parent_folder_id is not None else ps.root_folder_id
            if parent not in self.folders or self.folders[parent].ps_id != ps.id:
                raise StateError(f"unknown folder {parent} in parent segment {ps_id}")
            new_id = self._new_id(folder_id)
            stamp = self._stamp(now)
            self.user_id(created_by)
            self.folders[new_id] = FakeFolder(
                new_id, ps.id, parent, name, description, stamp, stamp, created_by, created_by
            )
            return new_id

    def folder(self, folder_id: str) -> FakeFolder:
        try:
            return self.folders[str(folder_id)]
        except KeyError:
            raise StateError(f"unknown folder {folder_id}") from None

    def delete_folder(self, folder_id: str) -> None:
        with self.lock:
            folder = self.folder(folder_id)
            if any(f.parent_id == folder.id for f in self.folders.values()) or any(
                s.folder_id == folder.id for s in self.segments.values()
            ):
                raise StateError(f"SegmentFolder has segments: folder {folder_id} is not empty")
            del self.folders[folder.id]

    # -- segments ---------------------------------------------------------------------------------
    def add_segment(
        self,
        ps_id: str,
        name: str,
        rule: Any,
        *,
        folder_id: str | None = None,
        kind: str = "batch",
        population: int | None = None,
        description: str | None = None,
        updated_by: str | None = "Demo User",
        segment_id: str | int | None = None,
        now: datetime | None = None,
    ) -> str:
        with self.lock:
            ps = self.parent_segment(ps_id)
            folder = str(folder_id) if folder_id is not None else ps.root_folder_id
            if folder not in self.folders or self.folders[folder].ps_id != ps.id:
                raise StateError(f"unknown folder {folder} in parent segment {ps_id}")
            if kind not in {"batch", "realtime", "funnel_stage"}:
                raise StateError(f"kind must be batch, realtime or funnel_stage, not {kind!r}")
            self._check_unique_name(ps.id, name, None)
            new_id = self._new_id(segment_id)
            stamp = self._stamp(now)
            self.user_id(updated_by)
            seg = FakeSegment(
                new_id, ps.id, folder, name, kind, copy.deepcopy(rule), population, description,
                stamp, stamp, updated_by, updated_by,
            )
            seg.rule_versions.append({"rule": copy.deepcopy(rule), "updated_at": stamp, "updated_by": updated_by})
            self.segments[new_id] = seg
            self._name_index[(ps.id, name)] = new_id
            return new_id

    def _check_unique_name(self, ps_id: str, name: str, except_id: str | None) -> None:
        if len(self._name_index) != len(self.segments):  # rebuilt after loads/deletes
            self._name_index = {(s.ps_id, s.name): s.id for s in self.segments.values()}
        owner = self._name_index.get((ps_id, name))
        if owner is not None and owner != except_id and owner in self.segments:
            raise StateError("Name has already been taken")

    def segment(self, segment_id: str) -> FakeSegment:
        try:
            return self.segments[str(segment_id)]
        except KeyError:
            raise StateError(f"unknown segment {segment_id}") from None

    def update_segment(
        self,
        segment_id: str,
        *,
        rule: Any = ...,
        name: str | None = None,
        description: Any = ...,
        folder_id: str | None = None,
        updated_by: str | None = "Demo User",
        now: datetime | None = None,
    ) -> None:
        with self.lock:
            seg = self.segment(segment_id)
            if name is not None and name != seg.name:
                self._check_unique_name(seg.ps_id, name, seg.id)
                self._name_index.pop((seg.ps_id, seg.name), None)
                seg.name = name
                self._name_index[(seg.ps_id, name)] = seg.id
            if folder_id is not None:
                folder = self.folder(folder_id)
                if folder.ps_id != seg.ps_id:
                    raise StateError(f"folder {folder_id} belongs to another parent segment")
                seg.folder_id = folder.id
            if description is not ...:
                seg.description = description
            seg.updated_at = self._stamp(now)
            seg.updated_by = updated_by
            self.user_id(updated_by)
            if rule is not ...:
                seg.rule = copy.deepcopy(rule)
                seg.rule_versions.append(
                    {"rule": copy.deepcopy(rule), "updated_at": seg.updated_at, "updated_by": updated_by}
                )

    def replace_segment(
        self,
        segment_id: str,
        *,
        name: str,
        rule: Any,
        kind: str,
        description: str | None,
        folder_id: str | None,
        visible: bool,
        updated_by: str | None = "Demo User",
        now: datetime | None = None,
    ) -> None:
        """Set every editable field at once, as a v4 PUT does (`folder_id` None: the root folder)."""
        with self.lock:
            seg = self.segment(segment_id)
            if kind not in {"batch", "realtime"}:
                raise StateError(f"kind must be batch or realtime, not {kind!r}")
            folder = self.parent_segment(seg.ps_id).root_folder_id if folder_id is None else str(folder_id)
            target = self.folder(folder)
            if target.ps_id != seg.ps_id:
                raise StateError(f"folder {folder} belongs to another parent segment")
            self.update_segment(seg.id, rule=rule, name=name, description=description, folder_id=target.id,
                                updated_by=updated_by, now=now)
            seg.kind = kind
            seg.visible = bool(visible)

    def set_visible(self, segment_id: str, visible: bool, *, updated_by: str | None = "Demo User",
                    now: datetime | None = None) -> None:
        """Show or hide a segment (v4 `isVisible`)."""
        with self.lock:
            self.update_segment(segment_id, updated_by=updated_by, now=now)
            self.segment(segment_id).visible = bool(visible)

    def update_rule(self, segment_id: str, rule: Any, *, updated_by: str | None = "Demo User",
                    now: datetime | None = None) -> None:
        """Change a segment's rule (records updatedAt/updatedBy and the version)."""
        self.update_segment(segment_id, rule=rule, updated_by=updated_by, now=now)

    def reference_index(self) -> dict[str, list[str]]:
        """segment id → ids of the segments whose rules reference it (one pass over all rules)."""
        index: dict[str, list[str]] = {}
        for seg in self.segments.values():
            for target in _referenced_ids(seg.rule):
                index.setdefault(target, []).append(seg.id)
        return index

    def children_index(self) -> dict[str, list[tuple[str, str]]]:
        """folder id → [(kind, id)] of its child folders ('folder') and segments (the segment kind)."""
        index: dict[str, list[tuple[str, str]]] = {}
        for folder in self.folders.values():
            if folder.parent_id is not None:
                index.setdefault(folder.parent_id, []).append(("folder", folder.id))
        for seg in self.segments.values():
            if seg.kind != "funnel_stage":  # by-folder lists the funnel, not its stage segments
                index.setdefault(seg.folder_id, []).append((seg.kind, seg.id))
        for funnel in self.funnels.values():
            index.setdefault(funnel.folder_id, []).append(("funnel", funnel.id))
        for entity in self.entities.values():
            index.setdefault(entity.folder_id, []).append((entity.type, entity.id))
        for journey in self.journeys.values():
            index.setdefault(journey.folder_id, []).append(("journey", journey.id))
        return index

    def referencing_segments(self, segment_id: str) -> list[str]:
        target = str(segment_id)
        found = []
        for seg in self.segments.values():
            if target in _referenced_ids(seg.rule):
                found.append(seg.id)
        return found

    def delete_segment(self, segment_id: str) -> None:
        with self.lock:
            seg = self.segment(segment_id)
            refs = self.referencing_segments(seg.id)
            if refs:
                raise StateError(f"Segment is referenced by other segments: {', '.join(refs)}")
            del self.segments[seg.id]
            self._name_index.pop((seg.ps_id, seg.name), None)

    def add_funnel(self, ps_id: str, name: str, stages: list[tuple[str, Any]], *, folder_id: str | None = None,
                   updated_by: str | None = "Demo User", now: datetime | None = None) -> tuple[str, list[str]]:
        """A funnel with one `funnel_stage` segment per (stage name, rule); returns (funnel id, segment ids)."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            folder = str(folder_id) if folder_id is not None else ps.root_folder_id
            if folder not in self.folders or self.folders[folder].ps_id != ps.id:
                raise StateError(f"unknown folder {folder} in parent segment {ps_id}")
            if not 3 <= len(stages) <= 8:
                raise StateError("a funnel has 3 to 8 stages")
            stamp = self._stamp(now)
            funnel = FakeFunnel(self._new_id(), ps.id, folder, name, stamp, stamp)
            self.funnels[funnel.id] = funnel
            segment_ids = []
            for stage_name, stage_rule in stages:
                sid = self.add_segment(ps.id, f"{name}: {stage_name}", stage_rule, folder_id=folder,
                                       kind="funnel_stage", updated_by=updated_by, now=now)
                funnel.stages.append({"id": self._new_id(), "name": stage_name, "segment_id": sid})
                segment_ids.append(sid)
            return funnel.id, segment_ids

    def add_entity(self, ps_id: str, entity_type: str, name: str, *, folder_id: str | None = None,
                   now: datetime | None = None) -> str:
        """A by-folder entity that is no segment (e.g. `mlSolution`, `journey`)."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            folder = str(folder_id) if folder_id is not None else ps.root_folder_id
            entity = FakeEntity(self._new_id(), ps.id, folder, entity_type, name, self._stamp(now))
            self.entities[entity.id] = entity
            return entity.id

    def add_journey(self, ps_id: str, name: str, stages: list[str | tuple[str, dict[date, int]]], *,
                    folder_id: str | None = None, now: datetime | None = None) -> tuple[str, list[str]]:
        """A journey of 1 to 8 stages, each a name or (name, {day: size}); returns (journey id, stage ids).

        A stage's current size is its latest day's size (0 without history); `record_journey_stage`
        adds days."""
        with self.lock:
            ps = self.parent_segment(ps_id)
            folder = str(folder_id) if folder_id is not None else ps.root_folder_id
            if folder not in self.folders or self.folders[folder].ps_id != ps.id:
                raise StateError(f"unknown folder {folder} in parent segment {ps_id}")
            if not 1 <= len(stages) <= 8:
                raise StateError("a journey has 1 to 8 stages")
            journey = FakeJourney(self._new_id(), ps.id, folder, name, self._stamp(now))
            self.journeys[journey.id] = journey
            for stage in stages:
                stage_name, history = (stage, {}) if isinstance(stage, str) else stage
                journey.stages.append({"id": self._new_id(), "name": stage_name, "size": 0, "history": {}})
                for day, size in sorted(history.items()):
                    self.record_journey_stage(journey.id, journey.stages[-1]["id"], day, size)
            return journey.id, [st["id"] for st in journey.stages]

    def record_journey_stage(self, journey_id: str, stage_id: str, day: date, size: int) -> None:
        """One day of a journey stage's history; the latest day's size is its current size."""
        with self.lock:
            journey = self.journeys.get(str(journey_id))
            stage = next((st for st in journey.stages if st["id"] == str(stage_id)), None) if journey else None
            if stage is None:
                raise StateError(f"unknown stage {stage_id} of journey {journey_id}")
            stage["history"][day.isoformat()] = int(size)
            stage["size"] = stage["history"][max(stage["history"])]

    def set_population(self, segment_id: str, population: int | None) -> None:
        with self.lock:
            self.segment(segment_id).population = population

    def record_population(self, segment_id: str, day: date, population: int, *, measured: bool = True) -> None:
        """One day of population history, served by the statistics endpoint."""
        with self.lock:
            self.segment(segment_id).history[day.isoformat()] = [int(population), bool(measured)]

    # -- persistence ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "parent_segments": [asdict(p) for p in self.parent_segments.values()],
                "folders": [asdict(f) for f in self.folders.values()],
                "segments": [asdict(s) for s in self.segments.values()],
                "users": self.users,
                "omit_rule_in_lists": sorted(self.omit_rule_in_lists),
                "empty_rule_in_v5_reads": sorted(self.empty_rule_in_v5_reads),
                "funnels": [asdict(f) for f in self.funnels.values()],
                "entities": [asdict(e) for e in self.entities.values()],
                "journeys": [asdict(j) for j in self.journeys.values()],
            }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FakeState:
        state = cls()
        for p in data.get("parent_segments", []):
            state.parent_segments[str(p["id"])] = FakeParentSegment(**p)
        for f in data.get("folders", []):
            state.folders[str(f["id"])] = FakeFolder(**f)
        for s in data.get("segments", []):
            state.segments[str(s["id"])] = FakeSegment(**s)
        state.users = {str(k): v for k, v in (data.get("users") or {}).items()}
        state.omit_rule_in_lists = set(data.get("omit_rule_in_lists") or [])
        state.empty_rule_in_v5_reads = set(data.get("empty_rule_in_v5_reads") or [])
        for f in data.get("funnels", []):
            state.funnels[str(f["id"])] = FakeFunnel(**f)
        for e in data.get("entities", []):
            state.entities[str(e["id"])] = FakeEntity(**e)
        for j in data.get("journeys", []):
            state.journeys[str(j["id"])] = FakeJourney(**j)
        used = [int(i) for i in (*state.parent_segments, *state.folders, *state.segments, *state.funnels,
                                 *state.entities, *state.journeys)]
        used += [int(st["id"]) for j in state.journeys.values() for st in j.stages]
        state._ids = itertools.count(max([100000, *used]) + 1)
        return state

    @classmethod
    def load(cls, path: str | Path) -> FakeState:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _referenced_ids(rule: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(rule, dict):
        if rule.get("type") == "Reference" and rule.get("id") is not None:
            found.add(str(rule["id"]))
        for value in rule.values():
            found |= _referenced_ids(value)
    elif isinstance(rule, list):
        for value in rule:
            found |= _referenced_ids(value)
    return found
