"""Fetch a whole account into memory: parent segments, folders, segments (v4 and/or v5).

Nothing is written here. Unusable records become problems (kind, id, reason); errors that make
the account incomplete (retries exhausted, 401, a 403 on a tree) raise `ApiError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from orchestrate.cdp.client import CdpClient
from orchestrate.cdp.progress import Progress
from orchestrate.cdp.records import (
    V5_FOLDER_TYPE,
    V5_SEGMENT_TYPES,
    Folder,
    ParentSegment,
    RecordProblem,
    Segment,
    parse_v4_audience,
    parse_v4_folder,
    parse_v4_segment,
    parse_v5_folder,
    parse_v5_parent_segment,
    parse_v5_segment,
)
from orchestrate.http import ApiError

log = logging.getLogger("orchestrate.pull")

# by-folder entity types that are not segments or folders: skipped on purpose (counted, logged).
NON_SEGMENT_TYPES = frozenset({
    "composable-segment", "funnel", "predictive-segment", "token", "journey", "activation-template",
    "realtime-journey", "realtime-personalization", "ml-solution", "composable-journey",
})
V5_FLAGS = ("v5", "v4", "both")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Account:
    parent_segments: list[ParentSegment] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    skipped_entities: int = 0

    def problem(self, exc: RecordProblem) -> None:
        log.warning("unusable record: %s", exc)
        self.problems.append(exc.as_dict())

    @property
    def api_versions(self) -> list[str]:
        return sorted({p.api_version for p in self.parent_segments})


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


def _users(included: list[Any]) -> dict[str, str]:
    users: dict[str, str] = {}
    for user in included:
        attrs = user.get("attributes") or {}
        if user.get("type") == "user" and attrs.get("name"):
            users[str(user.get("id"))] = str(attrs["name"])
    return users


def _v5_tree(client: CdpClient, ps: ParentSegment, account: Account) -> tuple[list[Folder], list[Segment]]:
    entities, included = client.folder_tree_v5(str(ps.root_folder_id))
    users = _users(included)
    folders: list[Folder] = []
    segments: list[Segment] = []
    for item in entities:
        try:
            if not isinstance(item, dict):
                raise RecordProblem("entity", None, f"not an object in by-folder of parent segment {ps.ps_id}")
            kind = str(item.get("type"))
            if kind == V5_FOLDER_TYPE:
                folders.append(parse_v5_folder(item, ps.ps_id))
            elif kind in V5_SEGMENT_TYPES:
                segments.append(parse_v5_segment(item, ps.ps_id, users))
            elif kind in NON_SEGMENT_TYPES:
                account.skipped_entities += 1
            else:
                raise RecordProblem("entity", str(item.get("id")), f"unknown entity type {kind!r}; not landed")
        except RecordProblem as exc:
            account.problem(exc)
    return folders, segments


def _v4_tree(client: CdpClient, ps: ParentSegment, account: Account) -> tuple[list[Folder], list[Segment]]:
    folders = _parse_each(client.list_folders_v4(ps.ps_id), lambda i: parse_v4_folder(i, ps.ps_id), account)
    segments = _parse_each(client.list_segments_v4(ps.ps_id), lambda i: parse_v4_segment(i, ps.ps_id), account)
    if ps.root_folder_id is None:
        roots = [f.folder_id for f in folders if f.parent_folder_id is None]
        ps.root_folder_id = roots[0] if len(roots) == 1 else None
    return folders, segments


def _plan(client: CdpClient, v5_flag: str, account: Account) -> list[ParentSegment]:
    if v5_flag not in V5_FLAGS:
        raise ValueError(f"filters.v5_flag must be one of {', '.join(V5_FLAGS)}, not {v5_flag!r}")
    planned: dict[str, ParentSegment] = {}
    if v5_flag in ("v5", "both"):
        for ps in _parse_each(client.list_parent_segments_v5(), parse_v5_parent_segment, account):
            if ps.root_folder_id is None:
                if v5_flag == "both":
                    continue  # v5 not enabled for it: the v4 listing brings it in
                account.problem(RecordProblem("parent_segment", ps.ps_id, "no root folder in v5; use v5_flag both"))
                continue
            planned.setdefault(ps.ps_id, ps)
    if v5_flag in ("v4", "both"):
        for ps in _parse_each(client.list_audiences_v4(), parse_v4_audience, account):
            planned.setdefault(ps.ps_id, ps)  # a parent segment in both is landed once, as v5
    return list(planned.values())


def _complete_rules(client: CdpClient, segments: list[Segment], account: Account, workers: int,
                    progress: Progress) -> list[Segment]:
    """Fetch alone each segment whose list read had no usable rule."""
    missing = [s for s in segments if s.rule_missing]
    if not missing:
        return segments
    log.info("fetching %d segment(s) whose list read had no rule", len(missing))
    progress.phase("segments without rule", len(missing))

    def fetch(seg: Segment) -> Segment | None:
        try:
            if seg.api_version == "v5":
                payload = client.get_segment_v5(seg.segment_id)
                full = parse_v5_segment(payload["data"], seg.ps_id, _users(payload.get("included") or []))
            else:
                full = parse_v4_segment(client.get_segment_v4(seg.ps_id, seg.segment_id), seg.ps_id)
        except ApiError as exc:
            if exc.status == 404:
                account.problem(RecordProblem("segment", seg.segment_id, "listed but gone when fetched alone"))
                return None
            raise
        except RecordProblem as exc:
            account.problem(exc)
            return None
        full.rule_missing = False
        if full.rule is None:
            full.rule = {}
        return full

    fetched = dict(zip((s.segment_id for s in missing), parallel(missing, fetch, workers, progress), strict=True))
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


def fetch_account(client: CdpClient, v5_flag: str, *, workers: int = 4, progress: Progress | None = None) -> Account:
    """Everything the pull lands, except statistics and SQL."""
    progress = progress or Progress(enabled=False)
    account = Account()
    plan = _plan(client, v5_flag, account)
    progress.phase("parent segments", len(plan))

    def tree(ps: ParentSegment) -> tuple[list[Folder], list[Segment]]:
        if ps.api_version == "v5":
            return _v5_tree(client, ps, account)
        return _v4_tree(client, ps, account)

    trees = parallel(plan, tree, workers, progress)
    progress.close()
    seen_folders: set[str] = set()
    seen_segments: set[str] = set()
    segments: list[Segment] = []
    for ps, (folders, segs) in zip(plan, trees, strict=True):
        account.parent_segments.append(ps)
        for folder in folders:
            if folder.folder_id not in seen_folders:
                seen_folders.add(folder.folder_id)
                account.folders.append(folder)
        for seg in segs:
            if seg.segment_id in seen_segments:
                account.problem(RecordProblem("segment", seg.segment_id, "listed twice; landed once"))
                continue
            seen_segments.add(seg.segment_id)
            segments.append(seg)
    account.segments = _complete_rules(client, segments, account, workers, progress)
    if account.skipped_entities:
        log.info("skipped %d non-segment entities (funnels, journeys, ...)", account.skipped_entities)
    return account
