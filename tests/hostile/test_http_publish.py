"""Hostile network and hostile configuration for the HTTP policy and `publish`, end to end.

Fake Treasure Insights API on 127.0.0.1 (sandbox/segment_analytics_sandbox/fake_api) with injected faults, DuckDB marts
(tests/integration/report/marts_fixture.py), and a scripted server that drips bytes
(tests/fixtures/slow_server.py). The `drop` fault answers after the server has done the work, then
cuts the answer in half: the client sees a lost answer to a write that took effect.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from orchestrate.cli import main
from orchestrate.http import HttpClient, HttpPolicy
from orchestrate.publish import PublishError, publish
from segment_analytics_sandbox.fake_api.insights_routes import insights_state
from tests.fixtures.fake_api import FAST_POLICY, TEST_API_KEY
from tests.fixtures.publish import publish_argv, publish_cli_env
from tests.fixtures.slow_server import drip_body, scripted

MODEL_KEY = "7373/hostilemodelkeyreadonly9876"
CREATE = r"^/reporting/datamodels$"
BUILDS = r"^/reporting/datamodels/[0-9a-f-]+/builds$"
INSIGHTS = {
    "model_name": "segment_analytics",
    "tables": ["final_metrics_table", "ps_stats", "population_daily"],
    "shared_users": ["ana@example.com"],
    "change_schema_cols": {"date": ["event_date", "run_date", "date"]},
    "join_relations": [],
}


def _publish(server_or_url, marts, tmp_path: Path, *, policy: HttpPolicy = FAST_POLICY, **kwargs):
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    client = HttpClient(url, TEST_API_KEY, policy=policy, region="test", seed=5)
    lines: list[str] = []
    kwargs.setdefault("lookup_wait", 0)
    result = publish(client, INSIGHTS, marts, prefix="segment_analytics", database="main",
                     state_path=tmp_path / "state" / "insights_models.json", model_api_key=MODEL_KEY,
                     poll_interval=0, say=lines.append, **kwargs)
    return result, lines


def _sent(server, method: str, pattern: str) -> int:
    return len(server.requests_matching(method, pattern))


def test_lost_answers_to_create_and_build_leave_one_model_and_one_build(server, marts, tmp_path):
    server.faults.add("drop", CREATE, method="POST", count=1)
    server.faults.add("drop", BUILDS, method="POST", count=1)
    server.faults.add("drop", r"/shares$", method="PUT", count=1)  # idempotent: simply retried
    result, lines = _publish(server, marts, tmp_path)
    state = insights_state(server.state)
    (model,) = state.models.values()
    (build,) = state.builds.values()
    assert result.action == "created" and result.oid == model.oid
    assert result.build_oid == build.oid and result.build_status == "done" and model.last_built
    assert _sent(server, "POST", CREATE) == 1 and _sent(server, "POST", BUILDS) == 1  # looked up, not re-sent
    assert _sent(server, "PUT", r"/shares$") == 2 and model.shared_with == ["ana@example.com"]
    assert any("looking up whether it was created" in line for line in lines)
    assert any(f"it did: build {build.oid}" in line for line in lines)
    # The next publish updates that model and starts one more build.
    again, _ = _publish(server, marts, tmp_path)
    assert again.action == "updated" and again.oid == model.oid
    assert len(state.models) == 1 and len(state.builds) == 2


def test_a_create_that_failed_on_the_server_is_sent_again_once(server, marts, tmp_path):
    # A 503 before the handler ran: the look-up finds nothing, so the create is sent again.
    server.faults.add("5xx", CREATE, method="POST", count=1, status=503)
    server.faults.add("5xx", BUILDS, method="POST", count=1, status=502)
    result, lines = _publish(server, marts, tmp_path)
    state = insights_state(server.state)
    assert len(state.models) == 1 and len(state.builds) == 1
    assert _sent(server, "POST", CREATE) == 2 and _sent(server, "POST", BUILDS) == 2
    assert any("sending the create again" in line for line in lines)


def test_a_create_still_running_when_the_client_gives_up_is_adopted(server, marts, tmp_path):
    # The server takes 0.8 s; the client times out at 0.3 s, waits 1.2 s, and finds the model.
    server.faults.add("slow", CREATE, method="POST", count=1, delay=0.8)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "read_timeout": 0.3})
    result, _ = _publish(server, marts, tmp_path, policy=policy, lookup_wait=1.2)
    state = insights_state(server.state)
    assert len(state.models) == 1 and len(state.builds) == 1 and _sent(server, "POST", CREATE) == 1


def test_a_duplicate_made_by_a_lost_create_is_removed_by_the_next_publish(server, marts, tmp_path):
    # The look-up comes too early (no wait): the create is sent again and the first one lands later.
    server.faults.add("slow", CREATE, method="POST", count=1, delay=0.8)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "read_timeout": 0.3})
    first, first_lines = _publish(server, marts, tmp_path, policy=policy, lookup_wait=0)
    state = insights_state(server.state)
    ends = time.monotonic() + 5
    while len(server.requests_matching("POST", CREATE)) < 2 or len(state.models) < 2:
        if len(state.models) == 1 and time.monotonic() > ends:
            break
        time.sleep(0.05)
    assert _sent(server, "POST", CREATE) == 2
    # The first publish may already have tidied it (if it landed before the build ended); the next
    # publish must leave exactly the built model either way.
    second, lines = _publish(server, marts, tmp_path)
    assert second.action == "updated" and second.oid == first.oid
    assert [m.oid for m in state.models.values()] == [first.oid]
    assert sum("deleted duplicate model" in line for line in first_lines + lines) == 1
    assert all(b.model_oid == first.oid for b in state.builds.values()) and len(state.builds) == 2


def test_removing_a_duplicate_survives_a_lost_answer_to_the_delete(server, marts, tmp_path):
    state = insights_state(server.state)
    kept = state.add_model("segment_analytics", user="api-user@example.com")
    kept.last_built = "2026-01-01T00:00:00.000000Z"
    orphan = state.add_model("segment_analytics", user="api-user@example.com")
    # The first DELETE outlasts the client's 0.3 s timeout; it is sent again (DELETE is idempotent).
    server.faults.add("slow", r"^/reporting/datamodels/[0-9a-f-]+$", method="DELETE", count=1, delay=0.6)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "read_timeout": 0.3})
    result, _ = _publish(server, marts, tmp_path, policy=policy)
    assert result.oid == kept.oid and list(state.models) == [kept.oid] and result.build_status == "done"
    ends = time.monotonic() + 5
    while len(server.requests_matching("DELETE", orphan.oid)) < 2 and time.monotonic() < ends:
        time.sleep(0.05)
    assert sorted(r.status for r in server.requests_matching("DELETE", orphan.oid)) == [204, 404]


def test_a_delete_answered_404_counts_as_done(server):
    from orchestrate.insights.client import InsightsApi

    client = HttpClient(server.url, TEST_API_KEY, policy=FAST_POLICY, region="test")
    InsightsApi(client)._delete("00000000-0000-0000-0000-000000000000")  # already gone: no error
    insights_state(server.state).denied_keys = {TEST_API_KEY}
    with pytest.raises(PublishError, match=r"403 Forbidden on DELETE"):
        InsightsApi(client)._delete("00000000-0000-0000-0000-000000000000")


def test_publish_against_a_dripping_api_stops_within_the_budget(marts, tmp_path):
    policy = HttpPolicy(connect_timeout=1.0, read_timeout=0.5, request_timeout=0.8, max_attempts=20,
                        backoff_base=0.01, backoff_max=0.05, total_timeout=2.0, requests_per_second=0)
    with scripted(drip_body(interval=0.05)) as slow:
        start = time.monotonic()
        with pytest.raises(PublishError, match=r"per-request deadline.*|budget") as err:
            _publish(slow.url, marts, tmp_path, policy=policy)
        elapsed = time.monotonic() - start
    assert elapsed < 3.0, elapsed
    assert TEST_API_KEY.split("/")[1] not in str(err.value) and MODEL_KEY.split("/")[1] not in str(err.value)
    assert "GET" in slow.requests[0].decode("latin-1").split(" ", 1)[0]  # only the listing was tried


@pytest.fixture()
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server):
    profiles = publish_cli_env(tmp_path, monkeypatch, MODEL_KEY)
    monkeypatch.setattr("orchestrate.insights.client.LOOKUP_WAIT", 0.0)
    return publish_argv(server.url, profiles)


def test_neither_key_is_in_any_output_log_or_file(cli, server, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    server.faults.add("drop", CREATE, method="POST", count=1)
    server.faults.add("drop", BUILDS, method="POST", count=1)
    assert main(cli) == 0
    insights_state(server.state).build_outcome = "failed"  # a failing run prints errors too
    assert main(cli) == 1
    assert main([*cli, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    state = insights_state(server.state)
    assert len(state.models) == 1 and len(state.builds) == 2
    (model,) = state.models.values()
    assert model.apikey == MODEL_KEY  # the model holds its own key, never TD_API_KEY
    texts = {"stdout": out, "stderr": err, "log": caplog.text}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    assert any(name.endswith("insights_models.json") for name in texts)
    for secret in (TEST_API_KEY.split("/", 1)[1], MODEL_KEY.split("/", 1)[1]):
        for name, text in texts.items():
            assert secret not in text, f"a key is in {name}"
    # The fake's own request log: the publishing key never in a body, the model key only as `apikey`.
    for entry in server.request_log:
        body = entry.body.decode("utf-8")
        assert TEST_API_KEY.split("/", 1)[1] not in body
        if MODEL_KEY in body:
            assert entry.method in ("POST", "PUT") and '"apikey": "' + MODEL_KEY + '"' in body
