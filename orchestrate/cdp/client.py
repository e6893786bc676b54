"""`CdpClient`: the CDP API calls the shim makes, on top of the one HTTP policy.

Shapes follow real Treasure Data code where the OpenAPI spec differs (reference/cdp_api.md):
`/entities/parent_segments` answers `{"data": [...]}` (the spec says an array of `{data}`; both are
accepted here).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from orchestrate.http import ApiError, HttpClient, HttpPolicy
from orchestrate.regions import DEFAULT_REGION, cdp_base_url

JSONAPI = "application/vnd.treasuredata.v1+json"
JSON = "application/json"
DEFAULT_DEPTH = 32


class ShapeError(ApiError):
    """A response whose overall shape is unusable (not the per-record kind)."""


def _data_list(payload: Any, what: str) -> list[Any]:
    """`{"data": [...]}` or `[{"data": {...}}, ...]` or a bare list → list of resources."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return list(payload["data"])
    if isinstance(payload, list):
        return [item["data"] if isinstance(item, dict) and "data" in item else item for item in payload]
    raise ShapeError(f"unexpected response shape for {what}: expected a list of resources")


class CdpClient:
    """Read (and for `rules revert`, write) Audience Studio objects."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @classmethod
    def for_region(
        cls,
        *,
        region: str | None = None,
        api_url: str | None = None,
        api_key: str,
        max_rps: float | None = None,
        policy: HttpPolicy | None = None,
    ) -> CdpClient:
        """A client for a region's CDP host (or an explicit `api_url`) with the one HTTP policy."""
        base = policy or HttpPolicy()
        if max_rps is not None:
            base = replace(base, requests_per_second=max_rps)
        name = "custom" if api_url else (region or DEFAULT_REGION)
        return cls(HttpClient(cdp_base_url(region, api_url), api_key, policy=base, region=name))

    @property
    def request_count(self) -> int:
        return self.http.request_count

    # -- parent segments ------------------------------------------------------------------------
    def list_parent_segments_v5(self) -> list[Any]:
        payload = self.http.request("GET", "/entities/parent_segments", what="parent segments",
                                    media_type=JSONAPI)
        return _data_list(payload, "GET /entities/parent_segments")

    def list_audiences_v4(self) -> list[Any]:
        payload = self.http.request("GET", "/audiences", what="parent segments (v4)")
        if not isinstance(payload, list):
            raise ShapeError("unexpected response shape for GET /audiences: expected an array")
        return payload

    # -- folders and segments, v5 -----------------------------------------------------------------
    def by_folder(self, folder_id: str, depth: int = DEFAULT_DEPTH) -> dict[str, Any]:
        payload = self.http.request(
            "GET", f"/entities/by-folder/{folder_id}", params={"depth": depth, "with_rule": "true"},
            what=f"folder {folder_id}", media_type=JSONAPI,
        )
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise ShapeError(f"unexpected response shape for GET /entities/by-folder/{folder_id}")
        return payload

    def folder_tree_v5(self, root_folder_id: str, depth: int = DEFAULT_DEPTH) -> tuple[list[Any], list[Any]]:
        """Every entity under a root folder, at any depth.

        by-folder returns at most `depth` folder levels below the folder asked for. Folders on the
        last returned level may hold more, so the tree is asked again from each of them, until no
        folder is cut off. Returns (entities, included users), each entity once.
        """
        entities: dict[tuple[str, str], Any] = {}
        users: list[Any] = []
        pending = [str(root_folder_id)]
        asked: set[str] = set()
        while pending:
            folder_id = pending.pop()
            if folder_id in asked:
                continue
            asked.add(folder_id)
            payload = self.by_folder(folder_id, depth)
            users.extend(u for u in payload.get("included") or [] if isinstance(u, dict))
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
        payload = self.http.request("GET", f"/audiences/{ps_id}/folders",
                                    what=f"folders of parent segment {ps_id}")
        if not isinstance(payload, list):
            raise ShapeError(f"unexpected response shape for GET /audiences/{ps_id}/folders")
        return payload

    def list_segments_v4(self, ps_id: str) -> list[Any]:
        payload = self.http.request("GET", f"/audiences/{ps_id}/segments",
                                    what=f"segments of parent segment {ps_id}")
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
        params: dict[str, str] = {}
        if from_date is not None:
            params["from"] = from_date.isoformat()
        if to_date is not None:
            params["to"] = to_date.isoformat()
        return self.http.request(
            "GET", f"/audiences/{ps_id}/segments/{segment_id}/statistics", params=params or None,
            what=f"statistics of segment {segment_id} of parent segment {ps_id}",
        )

    def rule_to_sql(self, ps_id: str, rule: Any, kind: int = 0) -> str:
        body: dict[str, Any] = {"format": "sql", "kind": kind}
        if rule not in (None, {}):
            body["rule"] = rule
        payload = self.http.request("POST", f"/audiences/{ps_id}/segments/query", json_body=body,
                                    what=f"rule-to-SQL of parent segment {ps_id}")
        if not isinstance(payload, dict) or not isinstance(payload.get("sql"), str):
            raise ShapeError(f"unexpected response shape for POST /audiences/{ps_id}/segments/query")
        return payload["sql"]

    # -- writes (rules revert) ----------------------------------------------------------------------
    def update_segment_rule_v4(self, ps_id: str, segment_id: str, rule: Any) -> dict[str, Any]:
        return self.http.request(
            "PUT", f"/audiences/{ps_id}/segments/{segment_id}", json_body={"rule": rule},
            what=f"segment {segment_id} of parent segment {ps_id}",
        )

    def update_segment_rule_v5(self, segment_id: str, rule: Any, segment_type: str = "segment-batch") -> Any:
        body = {"id": str(segment_id), "type": segment_type, "attributes": {"rule": rule}}
        return self.http.request("PATCH", f"/entities/segments/{segment_id}", json_body=body,
                                 what=f"segment {segment_id}", media_type=JSONAPI)


def cut_off_folders(data: list[dict[str, Any]], asked_folder: str, depth: int) -> list[str]:
    """Folders whose content the response may have cut off.

    When a folder lists its `children`, it is cut off exactly when a child is missing from the
    response. Without that list, a folder `depth` or more levels below the folder asked for is
    assumed cut off (and asked again; an empty answer costs one request).
    """
    present = {(str(item.get("type")), str(item.get("id"))) for item in data}
    present_ids = {i for _, i in present}
    parent: dict[str, str | None] = {}
    children: dict[str, list[str] | None] = {}
    for item in data:
        if item.get("type") != "folder-segment":
            continue
        fid = str(item.get("id"))
        rels = item.get("relationships") or {}
        rel = (rels.get("parentFolder") or {}).get("data")
        parent[fid] = str(rel["id"]) if isinstance(rel, dict) and "id" in rel else None
        listed = (rels.get("children") or {}).get("data") if isinstance(rels.get("children"), dict) else None
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
        if folder_id == asked_folder:
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
