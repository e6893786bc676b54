"""Every request the client sends and every response the fake returns, checked against the spec."""

from __future__ import annotations

from datetime import date

import pytest

from orchestrate.pull import run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from segment_analytics_sandbox.synthetic.account import build_account
from tests.integration.cdp import contract


@pytest.fixture(scope="module")
def spec():
    return contract.openapi()


def _traffic(fake_api, fake_state, cdp_client, tmp_path):
    build_account(fake_state, parent_segments=3, segments=30, folder_depth=3, folders_per_ps=5)
    first = next(iter(fake_state.segments))
    v5_segment = next(s.id for s in fake_state.segments.values() if fake_state.parent_segments[s.ps_id].v5)
    fake_state.omit_rule_in_lists |= {first, v5_segment}  # forces single-segment GETs, v4 and v5
    writer = DuckDbLandingWriter(tmp_path / "landing.duckdb")
    run_pull(client=cdp_client, writer=writer, v5_flag="both",
             run_date=date(2026, 11, 28), sql_source="api", dialect="trino")
    seg = fake_state.segments[first]
    cdp_client.update_segment_rule_v4(seg.ps_id, seg.id, seg.rule)
    cdp_client.update_segment_rule_v5(seg.id, seg.rule)
    cdp_client.get_segment_v4(seg.ps_id, seg.id)
    return list(fake_api.request_log)


def test_every_request_and_response_matches_the_spec(spec, fake_api, fake_state, cdp_client, tmp_path):
    log = _traffic(fake_api, fake_state, cdp_client, tmp_path)
    routes = {(e.method, e.path.split("/")[1]) for e in log}
    # the pull exercised both API generations, statistics, rule-to-SQL and the writes
    assert {("GET", "entities"), ("GET", "audiences"), ("POST", "audiences"), ("PUT", "audiences"),
            ("PATCH", "entities")} <= routes
    assert any("/statistics" in e.path for e in log)
    assert any(e.path.endswith("/segments/query") for e in log)
    assert any(e.path.startswith("/entities/by-folder/") for e in log)
    assert any(e.method == "GET" and e.path.startswith("/entities/segments/") for e in log)
    failures = []
    used: set[str] = set()
    for entry in log:
        assert entry.status < 400, (entry.method, entry.path, entry.status, entry.response_body[:200])
        for check in (contract.validate_request, contract.validate_response):
            try:
                used |= check(entry)
            except Exception as exc:  # noqa: BLE001 - collect every mismatch, then fail once
                failures.append(f"{check.__name__} {entry.method} {entry.path}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures[:20])
    # only the named spec-vs-real-TD exceptions were needed, and each is listed in contract.py
    assert used <= {contract.PARENT_SEGMENTS_LIST_SHAPE, contract.ARRAY_MATCHING_OMITTED,
                    contract.TIME_VALUE_NUMBER, contract.BETWEEN_WITHOUT_RIGHT_VALUE,
                    contract.COUNT_WITHOUT_GROUPING_COLUMNS}
    assert contract.PARENT_SEGMENTS_LIST_SHAPE in used


def test_parent_segment_list_is_the_named_exception(spec, fake_api, cdp_client):
    cdp_client.list_parent_segments_v5()
    entry = fake_api.request_log[-1]
    assert contract.known_exception(entry) == contract.PARENT_SEGMENTS_LIST_SHAPE
    # as served (the real service's shape) it does not match the spec's declared array ...
    from openapi_core.testing import MockResponse

    raw = MockResponse(entry.response_body, status_code=200, content_type="application/vnd.treasuredata.v1+json")
    with pytest.raises(Exception):  # noqa: B017 - openapi-core raises its own validation error types
        spec.validate_response(contract.as_request(entry), raw)
    # ... and re-wrapped into the spec's shape every resource validates.
    contract.validate_response(entry)


def test_error_responses_match_the_spec(spec, fake_api, cdp_client):
    from orchestrate.http import ApiError

    with pytest.raises(ApiError):
        cdp_client.get_segment_v4("999999", "1")
    entry = fake_api.request_log[-1]
    assert entry.status == 404
    contract.validate_response(entry)


@pytest.mark.parametrize("kind, status", [("5xx", 503), ("429", 429), ("401", 401)])
def test_injected_error_responses_match_the_spec(spec, fake_api, fake_state, cdp_client, kind, status):
    from orchestrate.http import ApiError

    ps = fake_state.add_parent_segment("PS")
    fake_api.faults.add(kind, r"^/audiences/\d+/segments$", count=None, status=status)
    with pytest.raises(ApiError):
        cdp_client.list_segments_v4(ps)
    entry = fake_api.request_log[-1]
    assert entry.status == status
    contract.validate_response(entry)


def _schema_types(spec_dict, schema):
    """The `type` enum values of a schema and of everything it composes."""
    schemas = spec_dict["components"]["schemas"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].split("/")[-1]]
    found = set()
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            found |= _schema_types(spec_dict, part)
    type_prop = schema.get("properties", {}).get("type", {})
    if "$ref" in type_prop:
        type_prop = schemas[type_prop["$ref"].split("/")[-1]]
    return found | set(type_prop.get("enum", []))


def test_entity_type_names_are_the_specs():
    import yaml

    from orchestrate.cdp import fetch, records

    spec_dict = yaml.safe_load(contract.SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec_dict["components"]["schemas"]
    by_folder = set()
    for item in schemas["EntitiesGetByFolderJsonApiResponse"]["properties"]["data"]["items"]["oneOf"]:
        by_folder |= _schema_types(spec_dict, item)
    handled = {records.V5_FOLDER_TYPE, records.V5_FUNNEL_TYPE, records.V5_JOURNEY_TYPE, *records.V5_SEGMENT_TYPES}
    assert by_folder - handled == fetch.NON_SEGMENT_TYPES  # every other by-folder type is skipped, by its name
    assert "mlSolution" in fetch.NON_SEGMENT_TYPES and "ml-solution" not in fetch.NON_SEGMENT_TYPES
    assert "journey" not in fetch.NON_SEGMENT_TYPES  # journeys are read: their stages are landed
    one_segment = schemas["EntitiesGetSegmentJsonApiResponse"]["properties"]["data"]
    assert _schema_types(spec_dict, one_segment) == set(records.V5_SEGMENT_TYPES)
    composable = schemas["EntitiesGetComposableSegmentJsonApiResponse"]["properties"]["data"]
    assert _schema_types(spec_dict, composable) - {"composable-segment"} == fetch.OTHER_NON_SEGMENT_TYPES


def test_funnels_stage_statistics_and_view_only_traffic_match_the_spec(spec, fake_api, fake_state, cdp_client,
                                                                     tmp_path):
    from orchestrate.pull import run_pull as pull
    from tests.fixtures.fake_api import TEST_API_KEY
    from tests.integration.cdp.helpers import GENDER_RULE, small_account

    ids = small_account(fake_state)
    fake_state.parent_segments[ids["both"]].timezone = "Asia/Tokyo"
    _, stage_segments = fake_state.add_funnel(ids["both"], "Funnel", [("a", GENDER_RULE), ("b", {}), ("c", None)])
    fake_state.record_population(stage_segments[0], date(2026, 11, 27), 5)
    fake_state.empty_rule_in_v5_reads.add(ids["buyers"])
    fake_state.view_only_keys.add(TEST_API_KEY)
    pull(client=cdp_client, writer=DuckDbLandingWriter(tmp_path / "landing.duckdb"),
         v5_flag="both", run_date=date(2026, 11, 28), sql_source="compiler",
         dialect="duckdb")
    log = list(fake_api.request_log)
    assert any("/stages/" in e.path and e.path.endswith("/statistics") for e in log)
    assert any(e.path == "/master_segments" for e in log)
    assert any(b'"type": "funnel"' in e.response_body for e in log if e.path.startswith("/entities/by-folder/"))
    failures = []
    for entry in log:
        if entry.status >= 400:
            assert (entry.method, entry.path, entry.status) == ("GET", "/audiences", 403)
        for check in (contract.validate_request, contract.validate_response):
            try:
                check(entry)
            except Exception as exc:  # noqa: BLE001 - collect every mismatch, then fail once
                failures.append(f"{check.__name__} {entry.method} {entry.path}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures[:20])


def test_journeys_and_their_statistics_match_the_spec(spec, fake_api, fake_state, cdp_client, tmp_path):
    from orchestrate.pull import run_pull as pull
    from tests.integration.cdp.helpers import small_account

    ids = small_account(fake_state)
    fake_state.parent_segments[ids["both"]].timezone = "Asia/Tokyo"
    fake_state.add_journey(ids["both"], "Journey", [("a", {date(2026, 11, 27): 5}), "b"], folder_id=ids["marketing"])
    forbidden_ps = fake_state.add_parent_segment("Forbidden journeys", ps_id=400001)
    forbidden, _ = fake_state.add_journey(forbidden_ps, "Hidden", ["x"])
    result = pull(client=cdp_client, writer=DuckDbLandingWriter(tmp_path / "landing.duckdb"),
                  v5_flag="both", run_date=date(2026, 11, 28), sql_source="compiler",
                  dialect="duckdb")
    assert result.status == "success", result.problems
    # a 403 on the statistics route (the spec's non-JSON:API body), asked directly
    fake_state.forbidden_parent_segments.add(forbidden_ps)
    with pytest.raises(Exception):  # noqa: B017, PT011 - any ApiError: only the traffic is checked
        cdp_client.journey_statistics(forbidden)
    log = list(fake_api.request_log)
    asked = [e for e in log if e.path.startswith("/entities/journeys/")]
    assert {e.status for e in asked} == {200, 403}
    assert any(b'"type": "journey"' in e.response_body for e in log if e.path.startswith("/entities/by-folder/"))
    failures = []
    for entry in log:
        for check in (contract.validate_request, contract.validate_response):
            try:
                check(entry)
            except Exception as exc:  # noqa: BLE001 - collect every mismatch, then fail once
                failures.append(f"{check.__name__} {entry.method} {entry.path}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures[:20])
