"""CDP API routes of the fake server (reference/cdp_api.md §11), shaped like the real service.

Where the OpenAPI spec and TD's own code disagree, the fake follows the code (documented here and
named in the contract tests):

- `GET /entities/parent_segments` answers `{"data": [resource, ...]}`; the spec says a bare array
  of `{"data": resource}` (every TD tool reads `res.json()["data"]` as a list).
- v4 folders carry `parentFolderId` (null at the root), which the spec leaves out.
- Duplicate segment names: v4 answers 400 `{"code", "message": "Name has already been taken"}`,
  v5 answers 400 JSON:API `validation-error` / `VIOLATES_UNIQUENESS_CONSTRAINT` (we picked the
  JSON:API form, not the Rails-style `{"errors": {"name": [...]}}` also seen).
- Rule → SQL answers with `orchestrate.rules.compile_rule(..., dialect="trino")`.

Behaviours of the real service it models (docs/api_fidelity.md gives the evidence for each):

- empty rules in list reads (`omit_rule_in_lists`), and in every v5 read (`empty_rule_in_v5_reads`,
  with `isEmptyRule` false; the v4 single read still has the rule);
- statistics days in the parent segment's timezone: each day's epoch is the local midnight plus
  `STATISTICS_TIME_OF_DAY`, so it is not a UTC midnight (nor, in Tokyo, even the same UTC date);
- a view-only key (`view_only_keys`): 403 on the configuration routes (`GET /audiences`,
  `GET /audiences/{id}`), while `/master_segments` and `/entities/parent_segments` answer;
  `forbidden_parent_segments`: 403 on every tree read of those parent segments;
- funnels: by-folder lists the `funnel` entity with its `stages[].segmentId`, never the
  `segment-funnel-stage` segments, which `GET /entities/segments/{id}` and v4 lists (kind 2) serve;
  their statistics are served by `/entities/funnels/{funnelId}/stages/{id}/statistics` only;
- journeys (`add_journey`): by-folder lists the `journey` entity with its `journeyStages`;
  `/entities/journeys/{id}/statistics` serves each stage's size and history (`updatedAt`: the
  stage's day at `STATISTICS_TIME_OF_DAY` in the parent segment's zone, as an ISO UTC instant);
  a 403 there is the spec's non-JSON:API `{"errors": "..."}`;
- other by-folder entities (`mlSolution`, `journey` without stages, ...) under their spec type names.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from segment_analytics_sandbox.fake_api.server import JSONAPI, Reply, RequestContext, Router
from segment_analytics_sandbox.fake_api.state import (
    FakeEntity,
    FakeFolder,
    FakeFunnel,
    FakeJourney,
    FakeParentSegment,
    FakeSegment,
    FakeState,
    StateError,
    iso,
)

ID = r"(?P<{}>[0-9]+)"
KIND_CODES = {"batch": 0, "realtime": 1, "funnel_stage": 2}
V5_TYPES = {"batch": "segment-batch", "realtime": "segment-realtime", "funnel_stage": "segment-funnel-stage"}
# The local time of day the statistics epochs carry (the spec's example, 1556382847, is 16:34:07 UTC).
STATISTICS_TIME_OF_DAY = time(5, 34, 7)


# -- error bodies ---------------------------------------------------------------------------------
def v4_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message})


def jsonapi_error(status: int, code: str, detail: str, meta: dict[str, Any] | None = None) -> Reply:
    err: dict[str, Any] = {"status": str(status), "code": code, "title": code.replace("-", " "), "detail": detail}
    if meta is not None:
        err["meta"] = meta
    return Reply(status, {"errors": [err]}, content_type=JSONAPI)


def not_found_v5() -> Reply:
    return jsonapi_error(404, "record-not-found-error", "Record not found")


def not_found_v4(what: str) -> Reply:
    return v4_error(404, "not_found", f"{what} not found")


def forbidden_v5() -> Reply:
    return jsonapi_error(403, "permission-error", "You don't have permission to view this folder",
                         {"permissionCode": "SEGMENT_FOLDER_VIEW_REQUIRED"})


def forbidden_v4(what: str) -> Reply:
    return v4_error(403, "forbidden", f"You don't have permission to access {what}")


def _key(ctx: RequestContext) -> str:
    value = ctx.headers.get("authorization", "")
    return value[4:].strip() if value.startswith("TD1 ") else ""


# -- serialisers ----------------------------------------------------------------------------------
def _user_ref(state: FakeState, name: str | None) -> dict[str, Any]:
    uid = state.user_id(name)
    return {"data": None if uid is None else {"id": uid, "type": "user"}}


def _v4_user(state: FakeState, name: str | None) -> dict[str, Any] | None:
    uid = state.user_id(name)
    if uid is None:
        return None
    return {"id": uid, "td_user_id": str(int(uid) + 1000), "name": name}


def _folder_ref(folder_id: str | None) -> dict[str, Any]:
    return {"data": None if folder_id is None else {"id": folder_id, "type": "folder-segment"}}


def ps_resource(ps: FakeParentSegment) -> dict[str, Any]:
    return {
        "id": ps.id,
        "type": "parentSegment",
        "attributes": {
            "name": ps.name,
            "description": ps.description,
            "matrixUpdatedAt": ps.updated_at,
            "population": ps.population,
            "scheduleType": "daily",
            "timezone": ps.timezone,
            "createdAt": ps.created_at,
            "updatedAt": ps.updated_at,
            "v4Id": int(ps.id),
            "allowActivationBehavior": False,
            "maxActivationBehaviorRow": 7,
            "customerGroup": None,
        },
        "relationships": {
            "parentFolder": _folder_ref(ps.root_folder_id),
            "parentSegmentFolder": _folder_ref(ps.root_folder_id),
        },
    }


def audience_item(ps: FakeParentSegment) -> dict[str, Any]:
    return {
        "id": ps.id,
        "name": ps.name,
        "description": ps.description,
        "scheduleType": "daily",
        "scheduleOption": None,
        "timezone": ps.timezone,
        "matrixUpdatedAt": ps.updated_at,
        "population": ps.population,
        "master": {"parentDatabaseName": "demo_db", "parentTableName": "customers"},
        "attributes": copy.deepcopy(ps.attributes),
        "behaviors": copy.deepcopy(ps.behaviors),
        "createdAt": ps.created_at,
        "updatedAt": ps.updated_at,
    }


def folder_resource(state: FakeState, folder: FakeFolder,
                    index: dict[str, list[tuple[str, str]]] | None = None) -> dict[str, Any]:
    index = state.children_index() if index is None else index
    children = [
        {"data": {"id": cid, "type": "folder-segment" if kind == "folder" else V5_TYPES.get(kind, kind)}}
        for kind, cid in index.get(folder.id, [])
    ]
    return {
        "id": folder.id,
        "type": "folder-segment",
        "attributes": {
            "audienceId": folder.ps_id,
            "name": folder.name,
            "description": folder.description,
            "createdAt": folder.created_at,
            "updatedAt": folder.updated_at,
            "permissions": {"view": True, "edit": True},
            "enrichments": None,
            "rule": None,
        },
        "relationships": {
            "parentFolder": _folder_ref(folder.parent_id),
            "createdBy": _user_ref(state, folder.created_by),
            "updatedBy": _user_ref(state, folder.updated_by),
            "children": {"data": children},
        },
    }


def v4_folder(state: FakeState, folder: FakeFolder) -> dict[str, Any]:
    return {
        "id": folder.id,
        "audienceId": folder.ps_id,
        "name": folder.name,
        "description": folder.description,
        "parentFolderId": folder.parent_id,
        "createdAt": folder.created_at,
        "updatedAt": folder.updated_at,
        "createdBy": _v4_user(state, folder.created_by),
        "updatedBy": _v4_user(state, folder.updated_by),
    }


def _rule_out(seg: FakeSegment, in_list: bool, state: FakeState) -> Any:
    if in_list and seg.id in state.omit_rule_in_lists:
        return {}
    if seg.id in state.empty_rule_in_v5_reads:
        return {}
    return seg.rule if seg.rule is not None else {}


def segment_resource(state: FakeState, seg: FakeSegment, *, in_list: bool = False) -> dict[str, Any]:
    rule = _rule_out(seg, in_list, state)
    attrs: dict[str, Any] = {
        "audienceId": seg.ps_id,
        "name": seg.name,
        "description": seg.description,
        "population": seg.population,
        "numSyndications": 0,
        "rule": rule,
        "createdAt": seg.created_at,
        "updatedAt": seg.updated_at,
        "countPopulation": True,
    }
    if seg.kind == "batch":
        attrs["segmentInsightDashboardId"] = None
        attrs["isEmptyRule"] = seg.rule in (None, {})
    return {
        "id": seg.id,
        "type": V5_TYPES[seg.kind],
        "attributes": attrs,
        "relationships": {
            "parentFolder": _folder_ref(seg.folder_id),
            "createdBy": _user_ref(state, seg.created_by),
            "updatedBy": _user_ref(state, seg.updated_by),
        },
    }


def funnel_resource(state: FakeState, funnel: FakeFunnel) -> dict[str, Any]:
    """A v5 `funnel` (FunnelJsonApiResource): its stages name the segments that hold their rules."""
    stages = [{"id": st["id"], "segmentId": st["segment_id"], "name": st["name"], "numSyndications": 0}
              for st in funnel.stages]
    return {
        "id": funnel.id,
        "type": "funnel",
        "attributes": {
            "audienceId": funnel.ps_id, "name": funnel.name, "description": None, "population": None,
            "numSyndications": 0, "createdAt": funnel.created_at, "updatedAt": funnel.updated_at,
            "countPopulation": False, "stages": stages,
        },
        "relationships": {"parentFolder": _folder_ref(funnel.folder_id)},
    }


def journey_resource(journey: FakeJourney) -> dict[str, Any]:
    """A v5 `journey` (JourneyJsonApiResource): its stages carry ids and names, no segment."""
    return {
        "id": journey.id,
        "type": "journey",
        "attributes": {
            "audienceId": journey.ps_id, "name": journey.name, "description": None, "state": "launched",
            "goal": None, "createdAt": journey.created_at, "updatedAt": journey.created_at,
            "launchedAt": journey.created_at, "paused": False, "pausedAt": None, "allowReentry": False,
            "journeyStages": [{"id": st["id"], "name": st["name"]} for st in journey.stages],
        },
        "relationships": {"parentFolder": _folder_ref(journey.folder_id)},
    }


def entity_resource(entity: FakeEntity) -> dict[str, Any]:
    """A by-folder entity that is no segment, under its spec type name (e.g. `mlSolution`)."""
    return {
        "id": entity.id,
        "type": entity.type,
        "attributes": {"audienceId": entity.ps_id, "name": entity.name, "description": None,
                       "createdAt": entity.created_at, "updatedAt": entity.created_at},
        "relationships": {"parentFolder": _folder_ref(entity.folder_id)},
    }


def v4_segment(state: FakeState, seg: FakeSegment, *, in_list: bool = False,
               refs: dict[str, list[str]] | None = None) -> dict[str, Any]:
    refs = state.reference_index() if refs is None else refs
    item: dict[str, Any] = {
        "audienceId": seg.ps_id,
        "id": seg.id,
        "name": seg.name,
        "realtime": seg.kind == "realtime",
        "isVisible": seg.visible,
        "numSyndications": 0,
        "description": seg.description,
        "segmentFolderId": seg.folder_id,
        "population": seg.population,
        "createdAt": seg.created_at,
        "updatedAt": seg.updated_at,
        "createdBy": _v4_user(state, seg.created_by),
        "updatedBy": _v4_user(state, seg.updated_by),
        "kind": KIND_CODES[seg.kind],
        "referencedBy": [{"id": r} for r in refs.get(seg.id, [])],
    }
    if not (in_list and seg.id in state.omit_rule_in_lists):
        item["rule"] = seg.rule if seg.rule is not None else {}
    return item


def included_users(state: FakeState, names: set[str | None]) -> list[dict[str, Any]]:
    out = []
    for name in sorted(n for n in names if n):
        uid = state.user_id(name)
        out.append({"id": uid, "type": "user", "attributes": {"tdUserId": str(int(uid) + 1000), "name": name}})
    return out


def _v5_ps(state: FakeState, ps_id: str) -> FakeParentSegment | None:
    ps = state.parent_segments.get(ps_id)
    return ps if ps is not None and ps.v5 else None


def _folder_level_map(state: FakeState, root: FakeFolder) -> dict[str, int]:
    kids: dict[str, list[str]] = {}
    for f in state.folders.values():
        if f.parent_id is not None:
            kids.setdefault(f.parent_id, []).append(f.id)
    levels = {root.id: 0}
    frontier = [root.id]
    while frontier:
        nxt = []
        for fid in frontier:
            for child in kids.get(fid, []):
                if child not in levels:
                    levels[child] = levels[fid] + 1
                    nxt.append(child)
        frontier = nxt
    return levels


# -- v5 handlers ----------------------------------------------------------------------------------
def list_parent_segments(ctx: RequestContext) -> Reply:
    data = [ps_resource(ps) for ps in ctx.state.parent_segments.values() if ps.v5]
    return Reply(200, {"data": data}, content_type=JSONAPI)


def get_parent_segment(ctx: RequestContext) -> Reply:
    ps = _v5_ps(ctx.state, ctx.params["id"])
    return not_found_v5() if ps is None else Reply(200, {"data": ps_resource(ps)}, content_type=JSONAPI)


def by_folder(ctx: RequestContext) -> Reply:
    """The folder itself plus everything down to `depth` folder levels below it."""
    state = ctx.state
    folder = state.folders.get(ctx.params["id"])
    if folder is None or _v5_ps(state, folder.ps_id) is None:
        return not_found_v5()
    if folder.ps_id in state.forbidden_parent_segments:
        return forbidden_v5()
    raw_depth = ctx.arg("depth")
    if raw_depth is None or not raw_depth.isdigit():
        return jsonapi_error(400, "bad-parameter-error", "depth parameter is required",
                             {"parameterCode": "INVALID_FORMAT"})
    depth = int(raw_depth)
    with_rule = (ctx.arg("with_rule") or "true").lower() != "false"
    levels = _folder_level_map(state, folder)
    index = state.children_index()
    data: list[dict[str, Any]] = []
    names: set[str | None] = set()
    for fid, level in sorted(levels.items(), key=lambda item: (item[1], int(item[0]))):
        if level <= depth:
            f = state.folders[fid]
            data.append(folder_resource(state, f, index))
            names |= {f.created_by, f.updated_by}
    for seg in sorted(state.segments.values(), key=lambda s: int(s.id)):
        level = levels.get(seg.folder_id)
        if seg.kind == "funnel_stage":
            continue  # by-folder lists the funnel (below), not its stage segments
        if level is not None and level + 1 <= depth:
            res = segment_resource(state, seg, in_list=True)
            if not with_rule:
                res["attributes"]["rule"] = {}
            data.append(res)
            names |= {seg.created_by, seg.updated_by}
    for other in (*state.funnels.values(), *state.entities.values()):
        level = levels.get(other.folder_id)
        if level is not None and level + 1 <= depth:
            data.append(funnel_resource(state, other) if isinstance(other, FakeFunnel) else entity_resource(other))
    for journey in state.journeys.values():
        level = levels.get(journey.folder_id)
        if level is not None and level + 1 <= depth:
            data.append(journey_resource(journey))
    data.extend(copy.deepcopy(state.extra_by_folder.get(folder.id, [])))
    # The spec declares by-folder as application/json (the other /entities routes as the vendor type).
    return Reply(200, {"data": data, "included": included_users(state, names)})


def get_folder(ctx: RequestContext) -> Reply:
    folder = ctx.state.folders.get(ctx.params["id"])
    if folder is None:
        return not_found_v5()
    users = included_users(ctx.state, {folder.created_by, folder.updated_by})
    return Reply(200, {"data": folder_resource(ctx.state, folder), "included": users}, content_type=JSONAPI)


def _bare_resource(ctx: RequestContext) -> dict[str, Any]:
    body = ctx.json() or {}
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"]  # the {"data": ...} wrapper some clients send
    return body if isinstance(body, dict) else {}


def _parent_from(resource: dict[str, Any]) -> str | None:
    data = ((resource.get("relationships") or {}).get("parentFolder") or {}).get("data")
    return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None


def create_folder(ctx: RequestContext) -> Reply:
    res = _bare_resource(ctx)
    attrs = res.get("attributes") or {}
    parent_id = _parent_from(res)
    if parent_id is None:
        return jsonapi_error(422, "unprocessable-entity-error", "parent_folder id parameter is required")
    parent = ctx.state.folders.get(parent_id)
    if parent is None:
        return not_found_v5()
    if not attrs.get("name"):
        return jsonapi_error(400, "validation-error", "Name can't be blank", {"validationCode": "CANNOT_BE_BLANK"})
    fid = ctx.state.add_folder(parent.ps_id, attrs["name"], parent_folder_id=parent.id,
                               description=attrs.get("description"))
    return Reply(200, {"data": folder_resource(ctx.state, ctx.state.folders[fid]), "included": []},
                 content_type=JSONAPI)


def patch_folder(ctx: RequestContext) -> Reply:
    folder = ctx.state.folders.get(ctx.params["id"])
    if folder is None:
        return not_found_v5()
    res = _bare_resource(ctx)
    attrs = res.get("attributes") or {}
    if "name" in attrs:
        folder.name = str(attrs["name"])
    if "description" in attrs:
        folder.description = attrs["description"]
    new_parent = _parent_from(res)
    if new_parent is not None:
        target = ctx.state.folders.get(new_parent)
        if target is None or target.ps_id != folder.ps_id or new_parent == folder.id:
            return jsonapi_error(422, "unprocessable-entity-error", "cannot move folder there",
                                 {"unprocessableEntityCode": "CANNOT_MOVE"})
        folder.parent_id = new_parent
    return Reply(200, {"data": folder_resource(ctx.state, folder), "included": []}, content_type=JSONAPI)


def delete_folder(ctx: RequestContext) -> Reply:
    folder = ctx.state.folders.get(ctx.params["id"])
    if folder is None:
        return not_found_v5()
    body = {"data": folder_resource(ctx.state, folder), "included": []}
    try:
        ctx.state.delete_folder(folder.id)
    except StateError as exc:
        return jsonapi_error(409, "conflict-error", f"Deletion {exc}", {"referencedBySegments": []})
    return Reply(200, body, content_type=JSONAPI)


def get_segment_v5(ctx: RequestContext) -> Reply:
    seg = ctx.state.segments.get(ctx.params["id"])
    if seg is None:
        return not_found_v5()
    users = included_users(ctx.state, {seg.created_by, seg.updated_by})
    return Reply(200, {"data": segment_resource(ctx.state, seg), "included": users}, content_type=JSONAPI)


def _kind_from_type(value: Any) -> str | None:
    return {"segment-batch": "batch", "segment-realtime": "realtime"}.get(str(value))


def create_segment_v5(ctx: RequestContext) -> Reply:
    res = _bare_resource(ctx)
    attrs = res.get("attributes") or {}
    kind = _kind_from_type(res.get("type") or "segment-batch")
    parent_id = _parent_from(res)
    parent = ctx.state.folders.get(parent_id or "")
    if kind is None or parent is None:
        return jsonapi_error(422, "unprocessable-entity-error", "parent_folder id parameter is required")
    if not attrs.get("name"):
        return jsonapi_error(400, "validation-error", "Name can't be blank", {"validationCode": "CANNOT_BE_BLANK"})
    try:
        sid = ctx.state.add_segment(parent.ps_id, attrs["name"], attrs.get("rule"), folder_id=parent.id, kind=kind,
                                    description=attrs.get("description"))
    except StateError as exc:
        return jsonapi_error(400, "validation-error", str(exc), {"validationCode": "VIOLATES_UNIQUENESS_CONSTRAINT"})
    return Reply(200, {"data": segment_resource(ctx.state, ctx.state.segments[sid]), "included": []},
                 content_type=JSONAPI)


def patch_segment_v5(ctx: RequestContext) -> Reply:
    seg = ctx.state.segments.get(ctx.params["id"])
    if seg is None:
        return not_found_v5()
    res = _bare_resource(ctx)
    attrs = res.get("attributes") or {}
    kwargs: dict[str, Any] = {"updated_by": _caller(ctx)}
    if "rule" in attrs:
        kwargs["rule"] = attrs["rule"]
    if "name" in attrs:
        kwargs["name"] = str(attrs["name"])
    if "description" in attrs:
        kwargs["description"] = attrs["description"]
    if _parent_from(res) is not None:
        kwargs["folder_id"] = _parent_from(res)
    try:
        ctx.state.update_segment(seg.id, **kwargs)
    except StateError as exc:
        return jsonapi_error(400, "validation-error", str(exc), {"validationCode": "VIOLATES_UNIQUENESS_CONSTRAINT"})
    return Reply(200, {"data": segment_resource(ctx.state, seg), "included": []}, content_type=JSONAPI)


def delete_segment_v5(ctx: RequestContext) -> Reply:
    seg = ctx.state.segments.get(ctx.params["id"])
    if seg is None:
        return not_found_v5()
    refs = ctx.state.referencing_segments(seg.id)
    if refs:
        return jsonapi_error(409, "conflict-error", f"Segment is referenced by other segments: {', '.join(refs)}",
                             {"referencedBySegments": [{"id": r} for r in refs]})
    body = {"data": segment_resource(ctx.state, seg), "included": []}
    ctx.state.delete_segment(seg.id)
    return Reply(200, body, content_type=JSONAPI)


def _caller(ctx: RequestContext) -> str:
    """Writes through the API are attributed to the key's user, "API User" in the fake."""
    return "API User"


def tree_segment_folders(ctx: RequestContext) -> Reply:
    """`GET /tree/audiences/{id}/segment_folders`: flat folders, depth then name, cursor-paginated."""
    ps = _v5_ps(ctx.state, ctx.params["ps"])
    if ps is None:
        return not_found_v5()
    try:
        size = int(ctx.arg("page[size]") or 100)
    except ValueError:
        size = 0
    if not 1 <= size <= 1000:
        return jsonapi_error(400, "bad-parameter-error", "page[size] must be 1..1000",
                             {"parameterCode": "INVALID_FORMAT"})
    levels = _folder_level_map(ctx.state, ctx.state.folders[ps.root_folder_id])
    ordered = sorted((fid for fid in levels if fid != ps.root_folder_id),
                     key=lambda fid: (levels[fid], ctx.state.folders[fid].name, int(fid)))
    after = ctx.arg("page[after]")
    start = ordered.index(after) + 1 if after in ordered else 0
    page = ordered[start:start + size]
    items = []
    for fid in page:
        folder = ctx.state.folders[fid]
        parent = None if folder.parent_id == ps.root_folder_id else folder.parent_id
        items.append({"id": fid, "name": folder.name, "parentFolderId": parent})
    next_page = None
    if start + size < len(ordered):
        next_page = f"/tree/audiences/{ps.id}/segment_folders?page[size]={size}&page[after]={page[-1]}"
    return Reply(200, {"data": items, "pagination": {"nextPage": next_page}}, content_type=JSONAPI)


# -- v4 handlers ----------------------------------------------------------------------------------
def _ps_v4(ctx: RequestContext) -> FakeParentSegment | None:
    return ctx.state.parent_segments.get(ctx.params["ps"])


def _tree_forbidden(ctx: RequestContext) -> bool:
    return ctx.params.get("ps") in ctx.state.forbidden_parent_segments


def list_master_segments(ctx: RequestContext) -> Reply:
    return Reply(200, [
        {"id": ps.id, "name": ps.name, "description": ps.description, "population": ps.population,
         "updatedAt": ps.updated_at, "matrixUpdatedAt": ps.updated_at, "scheduleType": "daily"}
        for ps in ctx.state.parent_segments.values()
    ])


def list_audiences(ctx: RequestContext) -> Reply:
    if _key(ctx) in ctx.state.view_only_keys:
        return forbidden_v4("parent segment configurations")
    return Reply(200, [audience_item(ps) for ps in ctx.state.parent_segments.values()])


def get_audience(ctx: RequestContext) -> Reply:
    if _key(ctx) in ctx.state.view_only_keys:
        return forbidden_v4(f"the configuration of parent segment {ctx.params['ps']}")
    ps = _ps_v4(ctx)
    return not_found_v4(f"Audience {ctx.params['ps']}") if ps is None else Reply(200, audience_item(ps))


def list_attributes(ctx: RequestContext) -> Reply:
    """`[AudienceAttributeWithVisibility]`: the configuration's attributes with matrixColumnName."""
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    return Reply(200, [{**a, "matrixColumnName": a["name"], "visibility": "clear"} for a in ps.attributes])


def list_behaviors(ctx: RequestContext) -> Reply:
    """`[AudienceBehaviorWithVisibility]`; `?realtime=true|false` keeps that kind only."""
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    wanted = ctx.arg("realtime")
    out = []
    for b in ps.behaviors:
        if wanted is not None and str(b.get("isRealtime", False)).lower() != str(wanted).lower():
            continue
        item = {k: v for k, v in copy.deepcopy(b).items() if k != "isRealtime"}
        item["schema"] = [{**c, "matrixColumnName": c["name"], "visibility": "clear"} for c in item["schema"]]
        out.append(item)
    return Reply(200, out)


def list_folders_v4(ctx: RequestContext) -> Reply:
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    if _tree_forbidden(ctx):
        return forbidden_v4(f"the folders of parent segment {ps.id}")
    folders = sorted((f for f in ctx.state.folders.values() if f.ps_id == ps.id), key=lambda f: int(f.id))
    return Reply(200, [v4_folder(ctx.state, f) for f in folders])


def get_folder_v4(ctx: RequestContext) -> Reply:
    folder = ctx.state.folders.get(ctx.params["fid"])
    if folder is None or folder.ps_id != ctx.params["ps"]:
        return not_found_v4(f"SegmentFolder {ctx.params['fid']}")
    return Reply(200, v4_folder(ctx.state, folder))


def list_folder_segments_v4(ctx: RequestContext) -> Reply:
    folder = ctx.state.folders.get(ctx.params["fid"])
    if folder is None or folder.ps_id != ctx.params["ps"]:
        return not_found_v4(f"SegmentFolder {ctx.params['fid']}")
    segs = sorted((s for s in ctx.state.segments.values() if s.folder_id == folder.id), key=lambda s: int(s.id))
    refs = ctx.state.reference_index()
    return Reply(200, [v4_segment(ctx.state, s, refs=refs) for s in segs])


def list_segments_v4(ctx: RequestContext) -> Reply:
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    if _tree_forbidden(ctx):
        return forbidden_v4(f"the segments of parent segment {ps.id}")
    segs = sorted((s for s in ctx.state.segments.values() if s.ps_id == ps.id), key=lambda s: int(s.id))
    refs = ctx.state.reference_index()
    items = [v4_segment(ctx.state, s, in_list=True, refs=refs) for s in segs]
    return Reply(200, items + copy.deepcopy(ctx.state.extra_v4_segments.get(ps.id, [])))


def _segment_v4(ctx: RequestContext) -> FakeSegment | None:
    seg = ctx.state.segments.get(ctx.params["sid"])
    return seg if seg is not None and seg.ps_id == ctx.params["ps"] else None


def get_segment_v4(ctx: RequestContext) -> Reply:
    seg = _segment_v4(ctx)
    return not_found_v4(f"Segment {ctx.params['sid']}") if seg is None else Reply(200, v4_segment(ctx.state, seg))


def create_segment_v4(ctx: RequestContext) -> Reply:
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    body = ctx.json() or {}
    if not isinstance(body, dict) or not body.get("name"):
        return v4_error(400, "bad_request", "name is required")
    kind = {0: "batch", 1: "realtime"}.get(body.get("kind", 0))
    if kind is None:
        return v4_error(400, "bad_request", "kind must be 0 (batch) or 1 (realtime)")
    folder = body.get("segmentFolderId")
    try:
        sid = ctx.state.add_segment(ps.id, str(body["name"]), body.get("rule"), kind=kind,
                                    folder_id=None if folder is None else str(folder),
                                    description=body.get("description"), updated_by=_caller(ctx))
    except StateError as exc:
        return v4_error(400, "bad_request", str(exc))
    return Reply(200, v4_segment(ctx.state, ctx.state.segments[sid]))


def put_segment_v4(ctx: RequestContext) -> Reply:
    """`PUT` replaces the segment (`SegmentParameters`): a field left out is reset, not kept.

    The rule becomes empty (`{}`: the whole parent segment), the description null, the folder the
    parent segment's root, the kind batch and the segment visible. A partial PUT therefore wipes
    the rule, as td-skills warns (PR #191: "a partial v4 PUT wipes the rule"). `name` is required.
    `isVisible` is not in the spec's `SegmentParameters` but is in every real response; the fake
    accepts it and resets it when absent.
    """
    seg = _segment_v4(ctx)
    if seg is None:
        return not_found_v4(f"Segment {ctx.params['sid']}")
    body = ctx.json()
    if not isinstance(body, dict):
        return v4_error(400, "bad_request", "body must be an object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return v4_error(400, "bad_request", "Name can't be blank")
    if body.get("audienceId") is not None and str(body["audienceId"]) != seg.ps_id:
        return v4_error(400, "bad_request", "audienceId does not match the segment's parent segment")
    raw_kind = body.get("kind")
    if raw_kind is None:
        kind = "realtime" if body.get("realtime") is True else "batch"
    else:
        kind = {0: "batch", 1: "realtime"}.get(raw_kind) if isinstance(raw_kind, int) else None
        if kind is None or isinstance(raw_kind, bool):
            return v4_error(400, "bad_request", "kind must be 0 (batch) or 1 (realtime)")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        return v4_error(400, "bad_request", "description must be a string")
    visible = body.get("isVisible", True)
    if not isinstance(visible, bool):
        return v4_error(400, "bad_request", "isVisible must be a boolean")
    folder = body.get("segmentFolderId")
    rule = body.get("rule")
    try:
        ctx.state.replace_segment(
            seg.id, name=name, rule={} if rule is None else rule, kind=kind, description=description,
            folder_id=None if folder is None else str(folder), visible=visible, updated_by=_caller(ctx),
        )
    except StateError as exc:
        return v4_error(400, "bad_request", str(exc))
    return Reply(200, v4_segment(ctx.state, seg))


def delete_segment_v4(ctx: RequestContext) -> Reply:
    seg = _segment_v4(ctx)
    if seg is None:
        return not_found_v4(f"Segment {ctx.params['sid']}")
    try:
        ctx.state.delete_segment(seg.id)
    except StateError as exc:
        return v4_error(409, "conflict", str(exc))
    return Reply(204, None)


def _date_arg(ctx: RequestContext, name: str) -> date | None:
    value = ctx.arg(name)
    return None if value is None else date.fromisoformat(value)


def _zone(ps: FakeParentSegment) -> Any:
    try:
        return ZoneInfo(ps.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def stat_epoch(day: date, ps: FakeParentSegment) -> int:
    """The epoch a statistics point of `day` carries: that day in the parent segment's zone."""
    return int(datetime.combine(day, STATISTICS_TIME_OF_DAY, tzinfo=_zone(ps)).timestamp())


def _history_points(ctx: RequestContext, seg: FakeSegment) -> Reply:
    try:
        start, end = _date_arg(ctx, "from"), _date_arg(ctx, "to")
    except ValueError:
        return v4_error(400, "bad_request", "from/to must be YYYY-MM-DD")
    ps = ctx.state.parent_segment(seg.ps_id)
    points = []
    for day, (population, measured) in sorted(seg.history.items()):
        d = date.fromisoformat(day)
        if (start is None or d >= start) and (end is None or d <= end):
            points.append([stat_epoch(d, ps), int(population), bool(measured)])
    return Reply(200, points)


def segment_statistics(ctx: RequestContext) -> Reply:
    seg = _segment_v4(ctx)
    if seg is None:
        return not_found_v4(f"Segment {ctx.params['sid']}")
    if _tree_forbidden(ctx):
        return forbidden_v4(f"the segments of parent segment {seg.ps_id}")
    if seg.kind == "funnel_stage":  # spec: "funnel_stage kind doesn't have statistics via this endpoint"
        return v4_error(400, "bad_request", "funnel_stage segments have no statistics here")
    return _history_points(ctx, seg)


def funnel_stage_statistics(ctx: RequestContext) -> Reply:
    funnel = ctx.state.funnels.get(ctx.params["fid"])
    stage = next((st for st in funnel.stages if st["id"] == ctx.params["id"]), None) if funnel else None
    if funnel is None or stage is None or stage["segment_id"] not in ctx.state.segments:
        return not_found_v5()
    if funnel.ps_id in ctx.state.forbidden_parent_segments:
        return forbidden_v5()
    return _history_points(ctx, ctx.state.segments[stage["segment_id"]])


def journey_statistics(ctx: RequestContext) -> Reply:
    """`EntitiesGetJourneyStatisticsJsonApiResponse`: per stage its size and daily history."""
    journey = ctx.state.journeys.get(ctx.params["id"])
    if journey is None:
        return not_found_v5()
    if journey.ps_id in ctx.state.forbidden_parent_segments:
        return Reply(403, {"errors": "You don't have permission to view this journey"})
    ps = ctx.state.parent_segment(journey.ps_id)
    stages = []
    for st in journey.stages:
        history = [{"updatedAt": iso(datetime.fromtimestamp(stat_epoch(date.fromisoformat(day), ps), UTC)),
                    "journeyStageId": st["id"], "size": size, "exitSizes": None, "entryInflux": 0,
                    "milestoneInflux": 0, "exitInflux": 0, "jumpInflux": 0}
                   for day, size in sorted(st["history"].items())]
        stages.append({"id": st["id"], "enteredSize": st["size"], "milestoneSize": 0, "completeMilestoneRate": 0,
                       "exitOrJumpSize": 0, "exitOrJumpRate": 0, "history": history, "stepSizes": {},
                       "stepInfluxes": {}, "size": st["size"]})
    total = sum(st["size"] for st in journey.stages)
    attrs = {"size": total, "goalSize": 0, "enteredSize": total, "completionRate": 0, "exitOrJumpSize": 0,
             "exitOrJumpRate": 0, "history": [], "journeyStageStatistics": stages}
    return Reply(200, {"data": {"id": journey.id, "type": "journeyStatistic", "attributes": attrs},
                       "included": []}, content_type=JSONAPI)


def audience_statistics(ctx: RequestContext) -> Reply:
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    today = ctx.state.clock().date()
    points = []
    if ps.population is not None:
        for back in range(7, -1, -1):
            points.append([stat_epoch(today - timedelta(days=back), ps), ps.population, True])
    return Reply(200, points)


def segment_query(ctx: RequestContext) -> Reply:
    """Rule → SQL through the project's compiler (Trino dialect), as TD answers with Trino SQL."""
    ps = _ps_v4(ctx)
    if ps is None:
        return not_found_v4(f"Audience {ctx.params['ps']}")
    body = ctx.json() or {}
    if not isinstance(body, dict) or body.get("format", "sql") != "sql":
        return v4_error(400, "bad_request", "format must be sql")
    rule = body.get("rule")
    state = ctx.state

    def resolve(segment_id: Any) -> Any:
        return state.segments[str(segment_id)].rule  # KeyError: unknown segment, as the compiler expects

    try:
        from orchestrate.rules import compile_rule

        sql = compile_rule(rule, audience_id=ps.id, dialect="trino", now=state.clock(), resolve_reference=resolve,
                           timezone=ps.timezone)
    except ImportError as exc:  # the compiler module is not installed
        return v4_error(500, "internal_error", f"rule compiler unavailable: {exc}")
    except Exception as exc:  # noqa: BLE001 - any compiler failure is the rule's fault, as on TD
        return v4_error(400, "bad_request", f"cannot convert rule to SQL: {exc}")
    if body.get("kind") == 1:
        return Reply(200, {"sql": sql, "statement": {}, "batch_workflows": {}})
    return Reply(200, {"sql": sql})


def _with_overrides(handler: Any) -> Any:
    """The route's handler, after any matching `state.route_overrides` (tests' hostile answers)."""

    def handle(ctx: RequestContext) -> Reply:
        for method, pattern, override in list(ctx.state.route_overrides):
            if method == ctx.method and re.search(pattern, ctx.path):
                reply = override(ctx)
                if reply is not None:
                    return reply
        return handler(ctx)

    return handle


def register(router: Router) -> None:
    """Register every CDP route on the router."""

    def r(method: str, pattern: str, handler: Any) -> None:
        router.add(method, pattern, _with_overrides(handler))

    r("GET", "/entities/parent_segments", list_parent_segments)
    r("GET", "/entities/parent_segments/" + ID.format("id"), get_parent_segment)
    r("GET", "/entities/by-folder/" + ID.format("id"), by_folder)
    r("POST", "/entities/folders", create_folder)
    r("GET", "/entities/folders/" + ID.format("id"), get_folder)
    r("PATCH", "/entities/folders/" + ID.format("id"), patch_folder)
    r("DELETE", "/entities/folders/" + ID.format("id"), delete_folder)
    r("POST", "/entities/segments", create_segment_v5)
    r("GET", "/entities/segments/" + ID.format("id"), get_segment_v5)
    r("PATCH", "/entities/segments/" + ID.format("id"), patch_segment_v5)
    r("DELETE", "/entities/segments/" + ID.format("id"), delete_segment_v5)
    r("GET", "/tree/audiences/" + ID.format("ps") + "/segment_folders", tree_segment_folders)
    r("GET", "/entities/funnels/" + ID.format("fid") + "/stages/" + ID.format("id") + "/statistics",
      funnel_stage_statistics)
    r("GET", "/entities/journeys/" + ID.format("id") + "/statistics", journey_statistics)
    r("GET", "/master_segments", list_master_segments)
    r("GET", "/audiences", list_audiences)
    ps = "/audiences/" + ID.format("ps")
    r("GET", ps, get_audience)
    r("GET", ps + "/attributes", list_attributes)
    r("GET", ps + "/behaviors", list_behaviors)
    r("GET", ps + "/statistics", audience_statistics)
    r("GET", ps + "/folders", list_folders_v4)
    r("GET", ps + "/folders/" + ID.format("fid"), get_folder_v4)
    r("GET", ps + "/folders/" + ID.format("fid") + "/segments", list_folder_segments_v4)
    r("GET", ps + "/segments", list_segments_v4)
    r("POST", ps + "/segments", create_segment_v4)
    r("POST", ps + "/segments/query", segment_query)
    r("GET", ps + "/segments/" + ID.format("sid"), get_segment_v4)
    r("PUT", ps + "/segments/" + ID.format("sid"), put_segment_v4)
    r("DELETE", ps + "/segments/" + ID.format("sid"), delete_segment_v4)
    r("GET", ps + "/segments/" + ID.format("sid") + "/statistics", segment_statistics)
