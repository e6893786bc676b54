"""Fetch a whole account into memory: parent segments, folders, segments (v4 and/or v5).

Nothing is written here. What cannot be used becomes a problem at the smallest grain it affects:

- one record (a bad id, a name missing, a rule no read returns): a problem of its kind with its id;
  the record is not landed, so history keeps its previous state;
- one parent segment (403 or 404 on its tree, a tree that cannot be read completely): a problem
  of kind `parent_segment`; none of its folders or segments are landed;
- the account (401, retries exhausted, no listing readable): `ApiError`, and the pull fails.

Entity type names are the spec's (`EntitiesGetByFolderJsonApiResponse`, vendored in
tests/integration/cdp/spec; a contract test keeps the lists below equal to it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from orchestrate.cdp.client import CdpClient, ShapeError, TreeTooLargeError
from orchestrate.cdp.progress import Progress
from orchestrate.cdp.records import (
    JOURNEY_STAGE_KIND,
    V5_FOLDER_TYPE,
    V5_FUNNEL_TYPE,
    V5_JOURNEY_TYPE,
    V5_SEGMENT_TYPES,
    Folder,
    FunnelStageRef,
    Journey,
    ParentSegment,
    PopulationPoint,
    RecordProblem,
    Segment,
    journey_stage_segment_id,
    parse_journey_statistics,
    parse_v4_audience,
    parse_v4_folder,
    parse_v4_segment,
    parse_v5_folder,
    parse_v5_funnel,
    parse_v5_journey,
    parse_v5_parent_segment,
    parse_v5_segment,
    resolve_timezone,
    rule_is_blank,
)
from orchestrate.http import ApiError

log = logging.getLogger("orchestrate.pull")

# by-folder entity types (spec) that hold no segment rule: skipped on purpose (counted, logged).
NON_SEGMENT_TYPES = frozenset({
    "composable-segment", "predictive-segment", "token", "activation-template",
    "realtime-journey", "realtime-personalization", "mlSolution",
})
# other v5 entity types of the spec that hold no segment rule, should by-folder ever list them.
OTHER_NON_SEGMENT_TYPES = frozenset({"composable-segment-journey"})
V5_FLAGS = ("v5", "v4", "both")
# A read that says "not for this key" or "not there (any more)": one parent segment or record lost.
RECORD_STATUSES = frozenset({403, 404})
# Errors the HTTP layer may raise for a body it cannot decode or parse (unknown charset, deep JSON).
UNREADABLE = (ShapeError, LookupError, RecursionError, UnicodeError)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Account:
    parent_segments: list[ParentSegment] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    skipped_entities: int = 0
    # population history of journey stages, read with the journeys (their route has no date range)
    journey_points: list[PopulationPoint] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def problem(self, exc: RecordProblem) -> None:
        log.warning("unusable record: %s", exc)
        with self._lock:
            self.problems.append(exc.as_dict())

    def skipped(self) -> None:
        with self._lock:
            self.skipped_entities += 1

    @property
    def api_versions(self) -> list[str]:
        return sorted({p.api_version for p in self.parent_segments})


@dataclass
class _Tree:
    folders: list[Folder] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    funnel_stages: list[FunnelStageRef] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)


def parallel(items: Iterable[T], fn: Callable[[T], R], workers: int, progress: Progress | None = None) -> list[R]:
    """fn over items on a small thread pool, results in input order; the first error propagates."""
    items = list(items)

    def run(item: T) -> R:
        try:
            return fn(item)
        finally:
            if progress is not None:
                progress.advance()

    if workers <= 1 or len(items) <= 1:
        return [run(i) for i in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pull") as pool:
        return list(pool.map(run, items))


def _parse_each(items: list[Any], parse: Callable[[Any], T], account: Account) -> list[T]:
    out: list[T] = []
    for item in items:
        try:
            out.append(parse(item))
        except RecordProblem as exc:
            account.problem(exc)
    return out


def _users(included: Any) -> dict[str, str]:
    """user id → name from a JSON:API `included` list; anything that is not a user object is ignored."""
    users: dict[str, str] = {}
    if not isinstance(included, list):
        return users
    for user in included:
        if not isinstance(user, dict) or user.get("type") != "user":
            continue
        attrs = user.get("attributes")
        name = attrs.get("name") if isinstance(attrs, dict) else None
        if isinstance(name, str) and name:
            users[str(user.get("id"))[:40]] = name[:200]
    return users


def _v5_entities(client: CdpClient, ps: ParentSegment) -> tuple[list[Any], list[Any]]:
    """by-folder of the root; when the answer cannot be parsed, again without rules (each rule is
    then read alone, so one unreadable rule costs its segment, not the parent segment)."""
    try:
        return client.folder_tree_v5(str(ps.root_folder_id))
    except TreeTooLargeError:
        raise
    except UNREADABLE as exc:
        log.warning("parent segment %s: by-folder unreadable (%s); asking again without rules", ps.ps_id, exc)
        return client.folder_tree_v5(str(ps.root_folder_id), with_rule=False)


def _v5_tree(client: CdpClient, ps: ParentSegment, account: Account) -> _Tree:
    entities, included = _v5_entities(client, ps)
    users = _users(included)
    tree = _Tree()
    for item in entities:
        try:
            if not isinstance(item, dict):
                raise RecordProblem("entity", None, f"not an object in by-folder of parent segment {ps.ps_id}")
            kind = item.get("type")
            kind = kind if isinstance(kind, str) else repr(kind)[:40]
            if kind == V5_FOLDER_TYPE:
                tree.folders.append(parse_v5_folder(item, ps.ps_id))
            elif kind in V5_SEGMENT_TYPES:
                tree.segments.append(parse_v5_segment(item, ps.ps_id, users))
            elif kind == V5_FUNNEL_TYPE:
                tree.funnel_stages.extend(parse_v5_funnel(item))
            elif kind == V5_JOURNEY_TYPE:
                tree.journeys.append(parse_v5_journey(item, ps.ps_id))
            elif kind in NON_SEGMENT_TYPES or kind in OTHER_NON_SEGMENT_TYPES:
                account.skipped()
            else:
                raise RecordProblem("entity", str(item.get("id"))[:40],
                                    f"unknown entity type {kind!r}; not landed")
        except RecordProblem as exc:
            account.problem(exc)
    return tree


def _v4_tree(client: CdpClient, ps: ParentSegment, account: Account) -> _Tree:
    folders = _parse_each(client.list_folders_v4(ps.ps_id), lambda i: parse_v4_folder(i, ps.ps_id), account)
    segments = _parse_each(client.list_segments_v4(ps.ps_id), lambda i: parse_v4_segment(i, ps.ps_id), account)
    if ps.root_folder_id is None:
        roots = [f.folder_id for f in folders if f.parent_folder_id is None]
        ps.root_folder_id = roots[0] if len(roots) == 1 else None
    return _Tree(folders, segments)


def _tree_or_problem(client: CdpClient, ps: ParentSegment, account: Account) -> _Tree | None:
    """The parent segment's tree, or None (and a `parent_segment` problem) when only it is lost."""
    try:
        if ps.api_version == "v5":
            return _v5_tree(client, ps, account)
        return _v4_tree(client, ps, account)
    except ApiError as exc:
        if exc.status in RECORD_STATUSES or isinstance(exc, ShapeError):
            account.problem(RecordProblem("parent_segment", ps.ps_id, f"not landed: {exc}"))
            return None
        raise
    except (LookupError, RecursionError, UnicodeError) as exc:
        account.problem(RecordProblem("parent_segment", ps.ps_id, f"not landed: unreadable response ({exc})"))
        return None


def _listing(read: Callable[[], list[Any]], what: str, account: Account) -> list[Any] | None:
    """A parent-segment listing, or None when the key may not read it (403)."""
    try:
        return read()
    except ApiError as exc:
        if exc.status != 403:
            raise
        log.warning("%s: forbidden for this key (%s)", what, exc)
        return None


def _plan(client: CdpClient, v5_flag: str, account: Account) -> list[ParentSegment]:
    """The parent segments to read: every listing the key may read, each parent segment once.

    `/audiences` is the configuration list, which a view-only user may not read (403); then
    `/master_segments` (what the user may view) stands in. A 403 on every listing fails the pull.
    """
    if v5_flag not in V5_FLAGS:
        raise ValueError(f"filters.v5_flag must be one of {', '.join(V5_FLAGS)}, not {v5_flag!r}")
    planned: dict[str, ParentSegment] = {}
    forbidden: list[str] = []
    if v5_flag in ("v5", "both"):
        listed = _listing(client.list_parent_segments_v5, "GET /entities/parent_segments", account)
        if listed is None:
            forbidden.append("GET /entities/parent_segments")
        for ps in _parse_each(listed or [], parse_v5_parent_segment, account):
            if ps.root_folder_id is None:
                if v5_flag == "both":
                    continue  # v5 not enabled for it: the v4 listing brings it in
                account.problem(RecordProblem("parent_segment", ps.ps_id, "no root folder in v5; use v5_flag both"))
                continue
            planned.setdefault(ps.ps_id, ps)
    if v5_flag in ("v4", "both"):
        listed = _listing(client.list_audiences_v4, "GET /audiences", account)
        if listed is None:
            listed = _listing(client.list_master_segments, "GET /master_segments", account)
            if listed is None:
                forbidden.append("GET /audiences and GET /master_segments")
        for ps in _parse_each(listed or [], parse_v4_audience, account):
            planned.setdefault(ps.ps_id, ps)  # a parent segment in both is landed once, as v5
    if forbidden and not planned:
        raise ApiError(f"403 Forbidden on {' and '.join(forbidden)}: the key's user may list no parent "
                       f"segment. Grant the user view access to the parent segments in Audience Studio",
                       status=403)
    for listing in forbidden:
        account.problem(RecordProblem("listing", listing, "forbidden for this key; parent segments only "
                                                          "listed there are not landed"))
    return list(planned.values())


def _read_alone(client: CdpClient, seg: Segment) -> Segment:
    """The segment from its own v5 read (funnel stages, list reads without a rule)."""
    payload = client.get_segment_v5(seg.segment_id)
    full = parse_v5_segment(payload["data"], seg.ps_id, _users(payload.get("included")))
    full.folder_id = full.folder_id or seg.folder_id
    full.funnel_stage = seg.funnel_stage
    if seg.kind == "funnel_stage":
        full.kind, full.realtime = "funnel_stage", False
    return full


def _v4_rule(client: CdpClient, seg: Segment) -> Any:
    """The rule from `GET /audiences/{ps}/segments/{id}`, or None when that read has none."""
    try:
        return parse_v4_segment(client.get_segment_v4(seg.ps_id, seg.segment_id), seg.ps_id).rule
    except ApiError as exc:
        if exc.status in RECORD_STATUSES or isinstance(exc, ShapeError):
            return None
        raise
    except (RecordProblem, LookupError, RecursionError, UnicodeError):
        return None


def _complete(client: CdpClient, seg: Segment, account: Account) -> Segment | None:
    """A segment with its rule: v5 list → v5 read alone → v4 read alone; None (and a problem) if lost.

    A v4 read alone is authoritative (its `{}` is the whole parent segment). A v5 segment whose reads
    all come back empty lands `{}` only when `isEmptyRule` does not say false; otherwise it is a
    `segment` problem and history keeps its previous rule version.
    """
    try:
        if seg.api_version != "v5":
            full = parse_v4_segment(client.get_segment_v4(seg.ps_id, seg.segment_id), seg.ps_id)
            full.rule = {} if full.rule is None else full.rule
            full.rule_missing = False
            return full
        full = _read_alone(client, seg) if not seg.read_alone else seg
        if full.rule_missing:
            rule = _v4_rule(client, seg)
            if not rule_is_blank(rule):
                full.rule, full.rule_missing = rule, False
        if full.rule_missing:
            if False in (full.empty_rule_flag, seg.empty_rule_flag):
                account.problem(RecordProblem(
                    "segment", seg.segment_id, "no read returned its rule (by-folder, /entities/segments, "
                    "/audiences/.../segments) while isEmptyRule is false; previous rule version kept"))
                return None
            full.rule = {}  # every read agrees the rule is empty
            full.rule_missing = False
        return full
    except ApiError as exc:
        if exc.status == 404:
            account.problem(RecordProblem("segment", seg.segment_id, "listed but gone when fetched alone"))
            return None
        if exc.status == 403 or isinstance(exc, ShapeError):
            account.problem(RecordProblem("segment", seg.segment_id, f"could not be read alone: {exc}"))
            return None
        raise
    except (LookupError, RecursionError, UnicodeError) as exc:
        account.problem(RecordProblem("segment", seg.segment_id, f"could not be read alone: unreadable ({exc})"))
        return None
    except RecordProblem as exc:
        account.problem(exc)
        return None


def _complete_rules(client: CdpClient, segments: list[Segment], account: Account, workers: int,
                    progress: Progress) -> list[Segment]:
    """Fetch alone each segment whose list read had no usable rule."""
    missing = [s for s in segments if s.rule_missing]
    if not missing:
        return segments
    log.info("fetching %d segment(s) whose list read had no rule", len(missing))
    progress.phase("segments without rule", len(missing))
    completed = parallel(missing, lambda s: _complete(client, s, account), workers, progress)
    fetched = dict(zip((s.segment_id for s in missing), completed, strict=True))
    progress.close()
    out: list[Segment] = []
    for seg in segments:
        if seg.rule_missing:
            replacement = fetched.get(seg.segment_id)
            if replacement is not None:
                out.append(replacement)
        else:
            out.append(seg)
    return out


def _funnel_stage(client: CdpClient, ps_id: str, ref: FunnelStageRef, account: Account) -> Segment | None:
    """One funnel-stage segment of a v5 parent segment, read alone (by-folder lists the funnel only)."""
    stub = Segment(ref.segment_id, ps_id, ref.folder_id, ref.name, "v5", "funnel_stage", False, None,
                   None, None, None, None, {}, rule_missing=True,
                   funnel_stage=(ref.funnel_id, ref.stage_id) if ref.stage_id else None)
    try:
        seg = _read_alone(client, stub)
    except ApiError as exc:
        if exc.status in RECORD_STATUSES or isinstance(exc, ShapeError):
            account.problem(RecordProblem("segment", ref.segment_id,
                                          f"stage of funnel {ref.funnel_id} could not be read: {exc}"))
            return None
        raise
    except (LookupError, RecursionError, UnicodeError) as exc:
        account.problem(RecordProblem("segment", ref.segment_id, f"unreadable funnel stage ({exc})"))
        return None
    except RecordProblem as exc:
        account.problem(exc)
        return None
    seg.read_alone = True
    return seg


def _funnel_stages(client: CdpClient, wanted: list[tuple[str, FunnelStageRef]], known: dict[str, Segment],
                   account: Account, workers: int) -> list[Segment]:
    """Segments of funnel stages not listed already; a listed one (v4) only gains its statistics key."""
    todo: dict[str, tuple[str, FunnelStageRef]] = {}
    for ps_id, ref in wanted:
        if ref.segment_id in known:
            known[ref.segment_id].funnel_stage = (ref.funnel_id, ref.stage_id) if ref.stage_id else None
        else:
            todo.setdefault(ref.segment_id, (ps_id, ref))
    found = parallel(list(todo.values()), lambda item: _funnel_stage(client, item[0], item[1], account), workers)
    return [seg for seg in found if seg is not None]


def _journey_stages(client: CdpClient, ps: ParentSegment, journey: Journey,
                    account: Account) -> tuple[list[Segment], list[PopulationPoint]]:
    """One journey's stages as `journey_stage` segments (population: the stage's current size) and their
    population history, from one statistics read; ([], []) and a `journey` problem when it is lost."""
    if not journey.stages:
        return [], []
    notes: list[RecordProblem] = []
    try:
        payload = client.journey_statistics(journey.journey_id)
        sizes, points = parse_journey_statistics(payload, journey, resolve_timezone(ps.timezone)[0], notes)
    except ApiError as exc:
        if exc.status in RECORD_STATUSES or isinstance(exc, ShapeError):
            account.problem(RecordProblem("journey", journey.journey_id, f"statistics not read, stages not "
                                                                        f"landed: {exc}"))
            return [], []
        raise
    except (LookupError, RecursionError, UnicodeError) as exc:
        account.problem(RecordProblem("journey", journey.journey_id,
                                      f"statistics unreadable, stages not landed: {exc}"))
        return [], []
    except RecordProblem as exc:
        account.problem(RecordProblem("journey", journey.journey_id, f"{exc.reason}; stages not landed"))
        return [], []
    for note in notes:
        account.problem(note)
    stages: list[Segment] = []
    for stage_id, stage_name in journey.stages:
        segment_id = journey_stage_segment_id(journey.journey_id, stage_id)
        seg_notes: list[RecordProblem] = []
        if stage_id not in sizes:
            seg_notes.append(RecordProblem("segment_population", segment_id,
                                           "journey statistics have no size for this stage; landed as null"))
        raw = {"journey": {"id": journey.journey_id, "name": journey.name}, "stage": journey.raw_stages[stage_id]}
        stages.append(Segment(segment_id, journey.ps_id, journey.folder_id, f"{journey.name} / {stage_name}",
                              "v5", JOURNEY_STAGE_KIND, False, sizes.get(stage_id), {}, None, None, None, raw,
                              notes=seg_notes))
    return stages, points


def _journeys(client: CdpClient, wanted: list[tuple[ParentSegment, Journey]], account: Account,
              workers: int) -> list[Segment]:
    """The stages of every listed journey (one statistics read per journey); their points go to account."""
    found = parallel(wanted, lambda item: _journey_stages(client, item[0], item[1], account), workers)
    segments: list[Segment] = []
    for stages, points in found:
        segments.extend(stages)
        account.journey_points.extend(points)
    return segments


def fetch_account(client: CdpClient, v5_flag: str, *, workers: int = 4, progress: Progress | None = None) -> Account:
    """Everything the pull lands, except statistics and SQL."""
    progress = progress or Progress(enabled=False)
    account = Account()
    plan = _plan(client, v5_flag, account)
    progress.phase("parent segments", len(plan))
    trees = parallel(plan, lambda ps: _tree_or_problem(client, ps, account), workers, progress)
    progress.close()
    seen_folders: set[str] = set()
    seen_segments: dict[str, Segment] = {}
    segments: list[Segment] = []
    stages: list[tuple[str, FunnelStageRef]] = []
    journeys: dict[str, tuple[ParentSegment, Journey]] = {}
    for ps, tree in zip(plan, trees, strict=True):
        if tree is None:
            continue  # reported as a parent_segment problem; its segments keep their history
        account.parent_segments.append(ps)
        for folder in tree.folders:
            if folder.folder_id not in seen_folders:
                seen_folders.add(folder.folder_id)
                account.folders.append(folder)
        for seg in tree.segments:
            if seg.segment_id in seen_segments:
                account.problem(RecordProblem("segment", seg.segment_id, "listed twice; landed once"))
                continue
            seen_segments[seg.segment_id] = seg
            segments.append(seg)
        stages.extend((ps.ps_id, ref) for ref in tree.funnel_stages)
        for journey in tree.journeys:
            journeys.setdefault(journey.journey_id, (ps, journey))
    segments.extend(_funnel_stages(client, stages, seen_segments, account, workers))
    account.segments = _complete_rules(client, segments, account, workers, progress)
    account.segments.extend(_journeys(client, list(journeys.values()), account, workers))
    for record in [*account.parent_segments, *account.segments]:
        for note in record.notes:
            account.problem(note)
    if account.skipped_entities:
        log.info("skipped %d non-segment entities (predictive segments, tokens, ...)", account.skipped_entities)
    return account
