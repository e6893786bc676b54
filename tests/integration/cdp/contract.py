"""Validate logged fake-API traffic against the official CDP OpenAPI spec with openapi-core.

Known differences between the spec and the real service are handled here, each named:

- PARENT_SEGMENTS_LIST_SHAPE: the spec declares `GET /entities/parent_segments` as an array of
  `{"data": resource}`; the real service (every TD tool reads `res.json()["data"]`) answers
  `{"data": [resource, ...]}`. The fake answers the real shape; the test re-wraps it into the
  spec's shape so each resource is still validated against `ParentSegmentJsonApiResource`.
- ARRAY_MATCHING_OMITTED: the spec's `valueCondition` and `columnFilter` require `arrayMatching`; real rules leave it
  out (reference §6.2, TD's starter pack and mcp fixtures). Rules are sent and echoed verbatim, so
  the test adds `"arrayMatching": null` before validating.
- TIME_VALUE_NUMBER: the spec types `TimeWithinPast.value` as a string; real rules send a number
  (reference §6.3). The test turns it into a string before validating.
- BETWEEN_WITHOUT_RIGHT_VALUE: the spec also requires `rightValue` on `Between` (a spec quirk,
  reference §6.3); real rules carry only `minValue`/`maxValue`. The test adds `rightValue`.
- COUNT_WITHOUT_GROUPING_COLUMNS: the spec requires `groupingColumns` on a `Count` aggregation;
  real rules send just `{"type": "Count"}` (reference §6.2). The test adds an empty list.
- VENDOR_MEDIA_TYPE: `application/vnd.treasuredata.v1+json` is JSON; openapi-core is told so.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from segment_analytics_sandbox.fake_api.server import LoggedRequest

# A vendored copy of the official bundle (shared/api-specs/treasure-data-cdp-api-openapi.yml, as
# harvested by api-evangelist from docs.treasure.ai), so the contract tests run from a fresh clone.
SPEC_PATH = Path(__file__).resolve().parent / "spec" / "treasure-data-cdp-api-openapi.yml"
SPEC_HOST = "https://api-cdp.treasuredata.com"

PARENT_SEGMENTS_LIST_SHAPE = "PARENT_SEGMENTS_LIST_SHAPE"
ARRAY_MATCHING_OMITTED = "ARRAY_MATCHING_OMITTED"
TIME_VALUE_NUMBER = "TIME_VALUE_NUMBER"
BETWEEN_WITHOUT_RIGHT_VALUE = "BETWEEN_WITHOUT_RIGHT_VALUE"
COUNT_WITHOUT_GROUPING_COLUMNS = "COUNT_WITHOUT_GROUPING_COLUMNS"
JSONAPI = "application/vnd.treasuredata.v1+json"


def _spec_shaped_node(node: Any, used: set[str]) -> Any:
    if isinstance(node, list):
        return [_spec_shaped_node(n, used) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _spec_shaped_node(v, used) for k, v in node.items()}
    leaf = (out.get("type") == "Value" and "leftValue" in out) or (out.get("type") == "Column" and "column" in out)
    if leaf and "arrayMatching" not in out:
        out["arrayMatching"] = None
        used.add(ARRAY_MATCHING_OMITTED)
    if out.get("type") in {"TimeWithinPast", "TimeWithinNext"} and isinstance(out.get("value"), int | float):
        out["value"] = str(out["value"])
        used.add(TIME_VALUE_NUMBER)
    if out.get("type") == "Between" and "rightValue" not in out and "minValue" in out:
        out["rightValue"] = out["minValue"] if isinstance(out["minValue"], int | float) else 0
        used.add(BETWEEN_WITHOUT_RIGHT_VALUE)
    if out.get("type") == "Count" and "groupingColumns" not in out and "number" not in out:
        out["groupingColumns"] = []
        used.add(COUNT_WITHOUT_GROUPING_COLUMNS)
    return out


def spec_shaped(body: Any, used: set[str]) -> Any:
    """Apply the named rule exceptions to every `rule` found in a JSON body."""
    if isinstance(body, list):
        return [spec_shaped(b, used) for b in body]
    if not isinstance(body, dict):
        return body
    return {k: (_spec_shaped_node(v, used) if k == "rule" else spec_shaped(v, used)) for k, v in body.items()}


def _reshaped_bytes(raw: bytes, used: set[str]) -> bytes:
    if not raw:
        return raw
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    return json.dumps(spec_shaped(body, used)).encode("utf-8")


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        config = Config(extra_media_type_deserializers={JSONAPI: json.loads})
        return OpenAPI.from_dict(yaml.safe_load(handle), config=config)


def _media(value: str | None) -> str:
    return (value or "application/json").split(";")[0].strip()


def as_request(entry: LoggedRequest, used: set[str] | None = None) -> MockRequest:
    used = set() if used is None else used
    args = {k: v[0] for k, v in parse_qs(entry.query).items()}
    headers = {"Authorization": "TD1 1234/redacted-in-log", "Accept": entry.headers.get("accept", "")}
    return MockRequest(SPEC_HOST, entry.method.lower(), entry.path, args=args, headers=headers,
                       data=_reshaped_bytes(entry.body, used) or None,
                       content_type=_media(entry.headers.get("content-type")))


def known_exception(entry: LoggedRequest) -> str | None:
    if entry.method == "GET" and entry.path == "/entities/parent_segments" and entry.status == 200:
        return PARENT_SEGMENTS_LIST_SHAPE
    return None


def as_response(entry: LoggedRequest, used: set[str] | None = None) -> MockResponse:
    used = set() if used is None else used
    body = _reshaped_bytes(entry.response_body, used)
    if known_exception(entry) == PARENT_SEGMENTS_LIST_SHAPE:
        body = json.dumps([{"data": r} for r in json.loads(body)["data"]]).encode("utf-8")
        used.add(PARENT_SEGMENTS_LIST_SHAPE)
    return MockResponse(body, status_code=entry.status, content_type=_media(entry.response_content_type))


def validate_request(entry: LoggedRequest) -> set[str]:
    """Validate; returns the named exceptions that had to be applied."""
    used: set[str] = set()
    openapi().validate_request(as_request(entry, used))
    return used


def validate_response(entry: LoggedRequest) -> set[str]:
    used: set[str] = set()
    openapi().validate_response(as_request(entry, set()), as_response(entry, used))
    return used
