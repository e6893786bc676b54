"""publish() against the fake Treasure Insights API and DuckDB marts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrate.http import HttpClient
from orchestrate.insights.client import InsightsApi
from orchestrate.publish import PublishError, publish
from segment_analytics_sandbox.fake_api.insights_routes import insights_state
from tests.fixtures.fake_api import FAST_POLICY, TEST_API_KEY

MODEL_KEY = "4242/modelkeyreadsonlythemarts0123"
INSIGHTS = {
    "model_name": "segment_analytics",
    "tables": ["final_metrics_table", "ps_stats", "population_tracker", "population_daily", "rule_changes"],
    "shared_users": ["ana@example.com", "ben@example.com"],
    "change_schema_cols": {"date": ["event_date", "run_date", "date"], "text": ["segment_id"], "float": [],
                           "bigint": ["version"]},
    "join_relations": [["population_tracker.segment_id", "final_metrics_table.segment_id"]],
}


@pytest.fixture()
def client(server):
    return HttpClient(server.url, TEST_API_KEY, policy=FAST_POLICY, region="test", seed=1)


def run(client, marts, tmp_path: Path, config=None, **kwargs):
    lines: list[str] = []
    kwargs.setdefault("model_api_key", MODEL_KEY)
    kwargs.setdefault("lookup_wait", 0)
    result = publish(client, config or INSIGHTS, marts, prefix="segment_analytics", database="main",
                     state_path=tmp_path / "state" / "insights_models.json", poll_interval=0, say=lines.append,
                     **kwargs)
    return result, lines


def bodies(server, method: str, pattern: str) -> list[dict]:
    return [json.loads(r.body) for r in server.requests_matching(method, pattern) if r.body]


def test_create_share_build(server, client, marts, tmp_path):
    result, lines = run(client, marts, tmp_path)
    state = insights_state(server.state)
    (model,) = state.models.values()
    assert result.action == "created" and result.oid == model.oid
    assert result.build_status == "done" and model.last_built is not None
    assert model.shared_with == ["ana@example.com", "ben@example.com"]
    assert bodies(server, "PUT", r"/shares$") == [{"emails": ["ana@example.com", "ben@example.com"]}]
    assert bodies(server, "POST", r"/builds$") == [{"buildType": "full"}]
    (create,) = bodies(server, "POST", r"^/reporting/datamodels$")
    assert create["apikey"] == MODEL_KEY and model.apikey == MODEL_KEY  # the model's own key, TD's shape
    tables = create["datamodel"]["datasets"]["main"]["tables"]
    assert create["datamodel"]["datasets"]["main"]["type"] == "presto"
    assert list(tables) == [f"segment_analytics_{t}" for t in INSIGHTS["tables"]]
    final = tables["segment_analytics_final_metrics_table"]["columns"]
    # Types from the warehouse, then the overrides.
    assert final["event_date"] == {"type": "timestamp"}  # date column, override date
    assert final["segment_population"] == {"type": "bigint"}
    assert final["basket_value_total"] == {"type": "float"}
    assert final["ps_name"] == {"type": "text"}
    assert final["segment_id"] == {"type": "text"}
    assert tables["segment_analytics_rule_changes"]["columns"]["valid_from"] == {"type": "timestamp"}
    assert create["datamodel"]["relations"] == [[
        {"dataset": "main", "table": "segment_analytics_population_tracker", "column": "segment_id"},
        {"dataset": "main", "table": "segment_analytics_final_metrics_table", "column": "segment_id"},
    ]]
    # Sizes reported before publishing.
    assert [s.table for s in result.sizes] == list(tables)
    for table in tables:
        assert any(line.startswith(f"publish: {table}: ") and "rows, about" in line for line in lines), table
    assert result.sizes[1].rows == 8  # ps_stats: one row per current segment


def test_the_publishing_key_is_never_in_a_body_or_the_state_file(server, client, marts, tmp_path):
    result, lines = run(client, marts, tmp_path)
    secret = TEST_API_KEY.split("/", 1)[1]
    model_secret = MODEL_KEY.split("/", 1)[1]
    for entry in server.request_log:
        assert secret not in entry.body.decode("utf-8")
    # The model key travels only as the create's `apikey`, and is never printed.
    carrying = [r for r in server.request_log if model_secret in r.body.decode("utf-8")]
    assert [(r.method, r.path) for r in carrying] == [("POST", "/reporting/datamodels")]
    state_text = (tmp_path / "state" / "insights_models.json").read_text()
    for text in (state_text, *lines):
        assert secret not in text and model_secret not in text
    assert TEST_API_KEY.split("/")[0] not in state_text.replace(result.oid, "")
    saved = json.loads(state_text)["models"]
    assert [set(v) for v in saved.values()] == [{"host", "model_name", "oid"}]
    assert result.payload["apikey"] == "***"  # what the caller gets back holds no key
    # GET of the model does not show the key either (the fake keeps it apart from the definition).
    detail = client.request("GET", f"/reporting/datamodels/{result.oid}")
    assert model_secret not in json.dumps(detail)


def test_missing_model_key_fails_before_any_request(server, client, marts, tmp_path):
    with pytest.raises(PublishError, match=r"SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY is not set.*Nothing was sent"):
        run(client, marts, tmp_path, model_api_key=None)
    with pytest.raises(PublishError, match=r"SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY is not set"):
        run(client, marts, tmp_path, model_api_key="   ")
    assert server.request_log == [] and not (tmp_path / "state").exists()


@pytest.mark.parametrize("same", [TEST_API_KEY, f" {TEST_API_KEY} ", "999/" + TEST_API_KEY.split("/", 1)[1]],
                         ids=["equal", "padded", "same-secret"])
def test_the_publishing_key_is_refused_as_model_key(server, client, marts, tmp_path, same):
    with pytest.raises(PublishError, match=r"is the key publish runs with \(TD_API_KEY\).*Nothing was sent") as err:
        run(client, marts, tmp_path, model_api_key=same)
    assert TEST_API_KEY.split("/", 1)[1] not in str(err.value)
    assert server.request_log == []


def test_update_sends_the_documented_shape_and_rotates_the_key(server, client, marts, tmp_path):
    first, _ = run(client, marts, tmp_path)
    rotated = "4242/rotatedmodelkey99887766"
    second, lines = run(client, marts, tmp_path, model_api_key=rotated)
    (put,) = bodies(server, "PUT", r"^/reporting/datamodels/[0-9a-f-]+$")
    assert set(put) == {"datamodel"}
    assert set(put["datamodel"]) == {"description", "apikey", "datasets", "relations"}
    assert put["datamodel"]["apikey"] == rotated
    tables = put["datamodel"]["datasets"]["main"]["tables"]
    assert list(tables) == [f"segment_analytics_{t}" for t in INSIGHTS["tables"]]
    model = insights_state(server.state).models[second.oid]
    assert model.apikey == rotated and second.build_status == "done"
    assert all(rotated.split("/")[1] not in line for line in lines)


def test_fake_refuses_a_create_shaped_update(server, client, marts, tmp_path):
    """The fake makes the old mistake visible: the create body re-sent as an update is a 400."""
    from orchestrate.http import ApiError

    result, _ = run(client, marts, tmp_path)
    expected = r"go under a \"datamodel\" key.*unexpected top-level fields: apikey, description, name, type"
    with pytest.raises(ApiError, match=expected):
        client.request("PUT", f"/reporting/datamodels/{result.oid}", json_body=result.payload)


@pytest.mark.parametrize("mode", ["build_fails", "rejected"])
def test_fake_models_a_create_without_a_key(server, client, mode):
    """What TD's docs imply for a model without `apikey`: it cannot be built (or is refused)."""
    from orchestrate.http import ApiError

    state = insights_state(server.state)
    state.missing_apikey = mode
    body = {"name": "no key", "type": "elasticube", "datamodel": {"datasets": {"main": {
        "type": "presto", "database": "main", "tables": {"t": {"columns": {"a": {"type": "text"}}}}}}}}
    if mode == "rejected":
        with pytest.raises(ApiError, match=r"400.*apikey is required"):
            client.request("POST", "/reporting/datamodels", json_body=body)
        assert state.models == {}
        return
    created = client.request("POST", "/reporting/datamodels", json_body=body)
    with pytest.raises(PublishError, match=r"failed: Build failed: the data model has no TD API key"):
        InsightsApi(client, say=lambda _: None).run_build(created["oid"], poll_interval=0, timeout=10)


def test_publishing_twice_keeps_one_model(server, client, marts, tmp_path):
    first, _ = run(client, marts, tmp_path)
    second, _ = run(client, marts, tmp_path)
    assert second.action == "updated" and second.oid == first.oid
    assert len(insights_state(server.state).models) == 1
    # Without the state file the model is still found by name.
    (tmp_path / "state" / "insights_models.json").unlink()
    third, _ = run(client, marts, tmp_path)
    assert third.action == "updated" and third.oid == first.oid
    assert len(insights_state(server.state).models) == 1
    assert len(server.requests_matching("PUT", r"^/reporting/datamodels/[0-9a-f-]+$")) == 2
    assert len(server.requests_matching("POST", r"^/reporting/datamodels$")) == 1


def test_update_changes_the_model_definition(server, client, marts, tmp_path):
    run(client, marts, tmp_path)
    narrower = {**INSIGHTS, "tables": ["ps_stats"], "join_relations": []}
    result, _ = run(client, marts, tmp_path, config=narrower)
    model = insights_state(server.state).models[result.oid]
    assert list(model.body["datamodel"]["datasets"]["main"]["tables"]) == ["segment_analytics_ps_stats"]


def test_duplicate_names_of_other_users_need_the_remembered_oid(server, client, marts, tmp_path):
    state = insights_state(server.state)
    one = state.add_model("segment_analytics", user="ana@example.com")
    two = state.add_model("segment_analytics", user="ben@example.com")
    with pytest.raises(PublishError, match=rf"2 Insights models are named 'segment_analytics'.*{one.oid}"):
        run(client, marts, tmp_path)
    assert server.requests_matching("DELETE", ".*") == []
    path = tmp_path / "state" / "insights_models.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": {f"{client.base_url} segment_analytics": {
        "host": client.base_url, "model_name": "segment_analytics", "oid": two.oid}}}))
    result, lines = run(client, marts, tmp_path)
    assert result.oid == two.oid and result.action == "updated"
    assert set(state.models) == {one.oid, two.oid}  # another user's model is never deleted
    assert any("other Insights models are also named" in line and one.oid in line for line in lines)


def test_duplicates_it_made_are_recovered(server, client, marts, tmp_path):
    """Left by creates whose answers were lost: same creator, never built. Publish keeps one, deletes
    the others, and carries on (it used to stop on the duplicate name)."""
    state = insights_state(server.state)
    kept = state.add_model("segment_analytics", user="api-user@example.com")
    kept.last_built = "2026-01-01T00:00:00.000000Z"
    orphans = [state.add_model("segment_analytics", user="api-user@example.com") for _ in range(2)]
    other = state.add_model("another model", user="api-user@example.com")
    result, lines = run(client, marts, tmp_path)
    assert result.oid == kept.oid and result.action == "updated" and result.build_status == "done"
    assert set(state.models) == {kept.oid, other.oid}
    for orphan in orphans:
        assert any(f"deleted duplicate model {orphan.oid}" in line for line in lines)
    # Without a built one, the oldest is kept.
    fresh = [state.add_model("fresh", user="api-user@example.com") for _ in range(3)]
    result, _ = run(client, marts, tmp_path, config={**INSIGHTS, "model_name": "fresh"})
    assert result.oid == fresh[0].oid and [m.oid for m in state.models_named("fresh")] == [fresh[0].oid]


def test_failed_build_reports_the_api_error(server, client, marts, tmp_path):
    state = insights_state(server.state)
    state.build_outcome = "failed"
    with pytest.raises(PublishError, match=r"failed: Build failed: table segment_analytics_ps_stats: Access denied"):
        run(client, marts, tmp_path)
    assert len(state.models) == 1 and next(iter(state.models.values())).status == "failed"


def test_unknown_user_is_named(server, client, marts, tmp_path):
    insights_state(server.state).insights_users = {"ana@example.com"}
    with pytest.raises(PublishError, match=r"ben@example.com.*fix insights.shared_users"):
        run(client, marts, tmp_path)
    assert not server.requests_matching("POST", r"/builds$")


def test_no_insights_access_is_explained(server, client, marts, tmp_path):
    insights_state(server.state).denied_keys = {TEST_API_KEY}
    with pytest.raises(PublishError, match=r"403.*Insights role"):
        run(client, marts, tmp_path)


def test_dry_run_sends_nothing(server, client, marts, tmp_path):
    result, lines = run(client, marts, tmp_path, dry_run=True, model_api_key="42/modelkeyfordryrun")
    assert result.action == "dry-run" and server.request_log == []
    assert any('"apikey": "***"' in line for line in lines)
    assert all("modelkeyfordryrun" not in line for line in lines)


def test_dry_run_says_the_model_key_is_missing(server, client, marts, tmp_path):
    result, lines = run(client, marts, tmp_path, dry_run=True, model_api_key=None)
    assert result.action == "dry-run" and server.request_log == []
    assert any("SEGMENT_ANALYTICS_INSIGHTS_MODEL_KEY is not set: a real publish would stop here" in line
               for line in lines)
    assert "apikey" not in result.payload


def test_missing_table_and_bad_relation_name_the_field(client, marts, tmp_path):
    with pytest.raises(PublishError, match=r"insights.tables: main.segment_analytics_nope does not exist"):
        run(client, marts, tmp_path, config={**INSIGHTS, "tables": ["nope"], "join_relations": []})
    bad = {**INSIGHTS, "join_relations": [["population_tracker.no_such", "final_metrics_table.segment_id"]]}
    with pytest.raises(PublishError, match=r"insights.join_relations: .*no column 'no_such'"):
        run(client, marts, tmp_path, config=bad)


def test_build_that_never_finishes_times_out(server, client):
    state = insights_state(server.state)
    state.polls_until_finished = 10_000
    model = state.add_model("m")
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with pytest.raises(PublishError, match=r"still 'building' after 60s"):
        InsightsApi(client, say=lambda _: None, sleep=sleep).run_build(model.oid, poll_interval=10, timeout=60,
                                                                       sleep=sleep, clock=lambda: now[0])
    assert waits[:5] == [1.0, 2.0, 4.0, 8.0, 10.0]
