"""`CdpClient`: the CDP API calls the shim makes, on top of the one HTTP policy.

Shapes follow real Treasure Data code where the OpenAPI spec differs (reference/cdp_api.md):
`/entities/parent_segments` answers `{"data": [...]}` (the spec says an array of `{data}`; both are
accepted here).

A response that cannot be read at all (an unknown charset, JSON nested deeper than the parser
goes, the wrong overall shape) raises `ShapeError`, an `ApiError` without a status, naming the
request; the caller decides whether that loses one record, one parent segment or the account.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from orchestrate.http import ApiError, HttpClient, redact

JSONAPI = "application/vnd.treasuredata.v1+json"
JSON = "application/json"
DEFAULT_DEPTH = 32
# by-folder requests per parent segment: a tree deeper than 32 levels costs one more request per
# cut-off folder; an answer that keeps reporting new cut-off folders stops here.
MAX_TREE_REQUESTS = 200
_DIGITS = frozenset("0123456789")


class ShapeError(ApiError):
    """A response whose overall shape is unusable (not the per-record kind)."""


class TreeTooLargeError(ShapeError):
    """by-folder kept reporting cut-off folders past the request cap."""


def unreadable(exc: BaseException, what: str) -> ShapeError:
    """A ShapeError for a response the HTTP layer could not decode or parse."""
    if isinstance(exc, LookupError):
        reason = f"the response declares a charset Python does not know ({redact(exc)})"
    elif isinstance(exc, RecursionError):
        reason = "the response JSON is nested too deeply to parse"
    else:
        reason = f"{type(exc).__name__}: {redact(exc)}"
    return ShapeError(f"unreadable response for {what}: {reason}")


def is_digit_id(value: str) -> bool:
    """A path-safe id: 1 to 19 ASCII digits."""
    return 0 < len(value) <= 19 and set(value) <= _DIGITS


def _data_list(payload: Any, what: str) -> list[Any]:
    """`{"data": [...]}` or `[{"data": {...}}, ...]` or a bare list → list of resources."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return list(payload["data"])
    if isinstance(payload, list):
        return [item["data"] if isinstance(item, dict) and "data" in item else item for item in payload]
    raise ShapeError(f"unexpected response shape for {what}: expected a list of resources")


class CdpClient:
    """Read (and for `rules revert`, write) Audience Studio objects. Built by the one client factory,
    `orchestrate.clients.cdp_client` (region or base URL, key, HTTP policy)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @property
    def request_count(self) -> int:
        return self.http.request_count

    def _read(self, path: str, what: str, *, params: dict[str, Any] | None = None,
              media_type: str = JSON) -> Any:
        """One GET; a body that cannot be decoded or parsed becomes a ShapeError."""
        try:
            return self.http.request("GET", path, params=params, what=what, media_type=media_type)
        except (LookupError, RecursionError, UnicodeError) as exc:
            raise unreadable(exc, f"GET {path}") from None

    # -- parent segments ------------------------------------------------------------------------
    def list_parent_segments_v5(self) -> list[Any]:
        payload = self._read("/entities/parent_segments", "parent segments", media_type=JSONAPI)
        return _data_list(payload, "GET /entities/parent_segments")

    def list_audiences_v4(self) -> list[Any]:
        """Parent-segment *configurations*: a view-only user may get 403 here."""
        payload = self._read("/audiences", "parent segment configurations (v4)")
        if not isinstance(payload, list):
            raise ShapeError("unexpected response shape for GET /audiences: expected an array")
        return payload

    def list_master_segments(self) -> list[Any]:
        """Parent segments whose produced data (segments, profiles) the user may view."""
        payload = self._read("/master_segments", "parent segments the user may view (v4)")
        if not isinstance(payload, list):
            raise ShapeError("unexpected response shape for GET /master_segments: expected an array")
        return payload

    # -- folders and segments, v5 -----------------------------------------------------------------
    def by_folder(self, folder_id: str, depth: int = DEFAULT_DEPTH, *, with_rule: bool = True) -> dict[str, Any]:
        if not is_digit_id(str(folder_id)):
            raise ShapeError(f"folder id {str(folder_id)[:40]!r} is not a numeric id")
        path = f"/entities/by-folder/{folder_id}"
        payload = self._read(path, f"folder {folder_id}", media_type=JSONAPI,
                             params={"depth": depth, "with_rule": "true" if with_rule else "false"})
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise ShapeError(f"unexpected response shape for GET {path}")
        return payload

    def folder_tree_v5(self, root_folder_id: str, depth: int = DEFAULT_DEPTH, *, with_rule: bool = True,
                       max_requests: int = MAX_TREE_REQUESTS) -> tuple[list[Any], list[Any]]:
        """Every entity under a root folder, at any depth.

        by-folder returns at most `depth` folder levels below the folder asked for. Folders on the
        last returned level may hold more, so the tree is asked again from each of them, until no
        folder is cut off; after `max_requests` answers that still report cut-off folders it stops
        with `TreeTooLargeError`. Returns (entities, included users), each entity once.
        """
        entities: dict[tuple[str, str], Any] = {}
        users: list[Any] = []
        pending = [str(root_folder_id)]
        asked: set[str] = set()
        while pending:
            folder_id = pending.pop()
            if folder_id in asked:
                continue
            if len(asked) >= max_requests:
                raise TreeTooLargeError(
                    f"GET /entities/by-folder/{root_folder_id}: still {len(pending) + 1} cut-off folder(s) "
                    f"after {max_requests} requests; the tree was not read completely")
            asked.add(folder_id)
            payload = self.by_folder(folder_id, depth, with_rule=with_rule)
            included = payload.get("included")
            if isinstance(included, list):
                users.extend(u for u in included if isinstance(u, dict))
            data = [d for d in payload["data"] if isinstance(d, dict)]
            for item in payload["data"]:
                if isinstance(item, dict):
                    entities.setdefault((str(item.get("type")), str(item.get("id"))), item)
                else:
                    entities.setdefault(("<invalid>", repr(item)[:40]), item)
            pending.extend(f for f in cut_off_folders(data, folder_id, depth) if f not in asked)
        return list(entities.values()), users

    def get_segment_v5(self, segment_id: str) -> dict[str, Any]:
        payload = self.http.request("GET", f"/entities/segments/{segment_id}", what=f"segment {segment_id}",
                                    media_type=JSONAPI)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise ShapeError(f"unexpected response shape for GET /entities/segments/{segment_id}")
        return payload

    # -- folders and segments, v4 -----------------------------------------------------------------
    def list_folders_v4(self, ps_id: str) -> list[Any]:
        payload = self._read(f"/audiences/{ps_id}/folders", f"folders of parent segment {ps_id}")
        if not isinstance(payload, list):
            raise ShapeError(f"unexpected response shape for GET /audiences/{ps_id}/folders")
        return payload

    def list_segments_v4(self, ps_id: str) -> list[Any]:
        payload = self._read(f"/audiences/{ps_id}/segments", f"segments of parent segment {ps_id}")
        if not isinstance(payload, list):
            raise ShapeError(f"unexpected response shape for GET /audiences/{ps_id}/segments")
        return payload

    def get_segment_v4(self, ps_id: str, segment_id: str) -> dict[str, Any]:
        payload = self.http.request("GET", f"/audiences/{ps_id}/segments/{segment_id}",
                                    what=f"segment {segment_id} of parent segment {ps_id}")
        if not isinstance(payload, dict):
            raise ShapeError(f"unexpected response shape for GET /audiences/{ps_id}/segments/{segment_id}")
        return payload

    # -- statistics and SQL -------------------------------------------------------------------------
    def segment_statistics(
        self, ps_id: str, segment_id: str, from_date: date | None = None, to_date: date | None = None
    ) -> Any:
        return self._read(f"/audiences/{ps_id}/segments/{segment_id}/statistics",
                          f"statistics of segment {segment_id} of parent segment {ps_id}",
                          params=_date_range(from_date, to_date))

    def funnel_stage_statistics(self, funnel_id: str, stage_id: str, from_date: date | None = None,
                                to_date: date | None = None) -> Any:
        """A funnel stage's population history (the segment statistics route has none for them)."""
        return self._read(f"/entities/funnels/{funnel_id}/stages/{stage_id}/statistics",
                          f"statistics of stage {stage_id} of funnel {funnel_id}",
                          params=_date_range(from_date, to_date))  # the spec declares application/json

    def journey_statistics(self, journey_id: str) -> Any:
        """A journey's statistics: each stage's current size and history (no date range in the spec)."""
        return self._read(f"/entities/journeys/{journey_id}/statistics", f"statistics of journey {journey_id}",
                          media_type=JSONAPI)

    def rule_to_sql(self, ps_id: str, rule: Any, kind: int = 0) -> str:
        body: dict[str, Any] = {"format": "sql", "kind": kind}
        if rule not in (None, {}):
            body["rule"] = rule
        payload = self.http.request("POST", f"/audiences/{ps_id}/segments/query", json_body=body,
                                    what=f"rule-to-SQL of parent segment {ps_id}",
                                    idempotent=True)  # a read that happens to be a POST: safe to repeat
        if not isinstance(payload, dict) or not isinstance(payload.get("sql"), str):
            raise ShapeError(f"unexpected response shape for POST /audiences/{ps_id}/segments/query")
        return payload["sql"]

    # -- writes (rules revert) ----------------------------------------------------------------------
    # A v4 PUT replaces the segment: a field left out of the body is reset (a partial PUT wipes the
    # rule, td-skills PR #191). So the v4 write always sends the whole segment, built from a
    # single-segment GET (list reads may return empty rules). v5 PATCH is partial (JSON:API).
    # Writes are sent once (`idempotent=False`): after a lost response the caller re-reads the
    # segment and decides, so a write is never repeated blind over someone else's edit.
    def update_segment_v4(self, ps_id: str, segment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """`PUT /audiences/{ps}/segments/{id}` with a complete `SegmentParameters` body."""
        payload = self.http.request(
            "PUT", f"/audiences/{ps_id}/segments/{segment_id}", json_body=body,
            what=f"segment {segment_id} of parent segment {ps_id}", idempotent=False,
        )
        if not isinstance(payload, dict):
            raise ShapeError(f"unexpected response shape for PUT /audiences/{ps_id}/segments/{segment_id}")
        return payload

    def update_segment_rule_v4(
        self, ps_id: str, segment_id: str, rule: Any, *, current: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Replace only the rule: the whole segment as `current` (default: read now) with `rule`."""
        record = self.get_segment_v4(ps_id, segment_id) if current is None else current
        return self.update_segment_v4(ps_id, segment_id, v4_update_body(record, rule))

    def update_segment_rule_v5(self, segment_id: str, rule: Any, segment_type: str = "segment-batch") -> Any:
        """`PATCH /entities/segments/{id}` with the rule only (a PATCH leaves other fields as they are)."""
        body = {"id": str(segment_id), "type": segment_type, "attributes": {"rule": rule}}
        return self.http.request("PATCH", f"/entities/segments/{segment_id}", json_body=body,
                                 what=f"segment {segment_id}", media_type=JSONAPI, idempotent=False)


def _spec_int(value: Any, field: str, segment_id: Any) -> int:
    """The spec types ids in `SegmentParameters` as integers; responses carry digit strings."""
    text = str(value)
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise ShapeError(f"segment {segment_id}: {field} {value!r:.40} is not an id; cannot build the update")
    return int(text)


def v4_update_body(current: dict[str, Any], rule: Any) -> dict[str, Any]:
    """The complete v4 `SegmentParameters` of a segment as read (`GET` one), with `rule` swapped in.

    Every field the PUT would otherwise reset is carried over: name, kind, description, folder,
    visibility (`isVisible`, in responses though not in the spec), `countPopulation` and
    `funnel_stage` when the read returned them. A record without a name cannot be rebuilt, so it
    is refused rather than sent half-empty.
    """
    sid = current.get("id")
    name = current.get("name")
    if not isinstance(name, str) or not name:
        raise ShapeError(f"segment {sid}: the read returned no name; refusing to send a partial PUT")
    raw_kind = current.get("kind")
    if isinstance(raw_kind, int) and not isinstance(raw_kind, bool):
        kind = raw_kind
    else:
        kind = 1 if current.get("realtime") is True else 0
    body: dict[str, Any] = {"name": name, "kind": kind, "rule": rule}
    if current.get("audienceId") is not None:
        body["audienceId"] = _spec_int(current["audienceId"], "audienceId", sid)
    if current.get("segmentFolderId") is not None:
        body["segmentFolderId"] = _spec_int(current["segmentFolderId"], "segmentFolderId", sid)
    if isinstance(current.get("description"), str):
        body["description"] = current["description"]
    for key in ("isVisible", "countPopulation"):
        if isinstance(current.get(key), bool):
            body[key] = current[key]
    if isinstance(current.get("funnel_stage"), dict):
        body["funnel_stage"] = current["funnel_stage"]
    return body


def _date_range(from_date: date | None, to_date: date | None) -> dict[str, Any] | None:
    params: dict[str, str] = {}
    if from_date is not None:
        params["from"] = from_date.isoformat()
    if to_date is not None:
        params["to"] = to_date.isoformat()
    return params or None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def cut_off_folders(data: list[dict[str, Any]], asked_folder: str, depth: int) -> list[str]:
    """Folders whose content the response may have cut off.

    When a folder lists its `children`, it is cut off exactly when a child is missing from the
    response. Without that list, a folder `depth` or more levels below the folder asked for is
    assumed cut off (and asked again; an empty answer costs one request). Only folders with a
    numeric id are returned (an odd id is reported when the entity is parsed, never put in a URL).
    """
    present = {(str(item.get("type")), str(item.get("id"))) for item in data}
    present_ids = {i for _, i in present}
    parent: dict[str, str | None] = {}
    children: dict[str, list[str] | None] = {}
    for item in data:
        if item.get("type") != "folder-segment":
            continue
        fid = str(item.get("id"))
        rels = _dict(item.get("relationships"))
        rel = _dict(rels.get("parentFolder")).get("data")
        parent[fid] = str(rel["id"]) if isinstance(rel, dict) and "id" in rel else None
        listed = _dict(rels.get("children")).get("data")
        if isinstance(listed, list):
            ids = []
            for child in listed:
                ref = child.get("data", child) if isinstance(child, dict) else None
                if isinstance(ref, dict) and ref.get("id") is not None:
                    ids.append(str(ref["id"]))
            children[fid] = ids
        else:
            children[fid] = None
    cut: list[str] = []
    for folder_id in parent:
        if folder_id == asked_folder or not is_digit_id(folder_id):
            continue
        listed_children = children[folder_id]
        if listed_children is not None:
            if any(c not in present_ids for c in listed_children):
                cut.append(folder_id)
            continue
        level, node, seen = 0, folder_id, set()
        while node != asked_folder and node is not None and node not in seen:
            seen.add(node)
            node = parent.get(node)
            level += 1
        if node == asked_folder and level >= depth:
            cut.append(folder_id)
    return cut
