"""Injected faults: each pull ends in a complete landing, or a clear error with the previous landing
untouched (checked by reading the DuckDB landing tables)."""

from __future__ import annotations

import json

import pytest

from orchestrate.http import HttpPolicy
from orchestrate.pull import PullError, run_pull
from orchestrate.warehouse.duckdb import DuckDbLandingWriter
from tests.fixtures.fake_api import FAST_POLICY, TEST_API_KEY, make_client
from tests.integration.cdp.helpers import RUN_DATE, dicts, landed_segment_ids, small_account, snapshot


@pytest.fixture
def landing(tmp_path):
    return tmp_path / "landing.duckdb"


def pull(client, landing, sql_source="api"):
    return run_pull(client=client, writer=DuckDbLandingWriter(landing), v5_flag="both",
                    run_date=RUN_DATE, sql_source=sql_source, dialect="trino")


def assert_complete(landing, state):
    assert landed_segment_ids(landing) == set(state.segments)
    assert {r["ps_id"] for r in dicts(landing, "cdp_landing__parent_segments")} == set(state.parent_segments)
    assert len(dicts(landing, "cdp_landing__folders")) == len(state.folders)
    assert dicts(landing, "cdp_landing__pull_runs", "started_at")[-1]["status"] == "success"


@pytest.mark.parametrize("fault", [
    dict(kind="429", pattern=r"^/entities/by-folder/", count=4, retry_after=0.05),
    dict(kind="429", pattern=r".*", count=5, retry_after=0.01),
    dict(kind="5xx", pattern=r".*", count=12, probability=0.3, status=503),
    dict(kind="5xx", pattern=r"/segments/query$", count=3, status=500),
    dict(kind="slow", pattern=r"^/audiences/\d+/segments$", count=1, delay=1.5),
    dict(kind="drop", pattern=r"^/entities/by-folder/", count=2),
    dict(kind="drop", pattern=r"/statistics$", count=3),
    dict(kind="malformed", pattern=r"^/audiences$", count=2),
], ids=["429-tree", "429-storm", "random-5xx", "5xx-sql", "slow-past-timeout", "drop-tree", "drop-stats",
        "malformed-once"])
def test_transient_faults_end_in_a_complete_landing(fake_api, fake_state, landing, fault):
    small_account(fake_state)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "read_timeout": 0.5, "max_attempts": 10})
    client = make_client(fake_api, policy)
    injected = fake_api.faults.add(**fault)
    result = pull(client, landing)
    assert injected.hits >= 1
    assert client.http.retry_count >= 1
    assert_complete(landing, fake_state)
    assert result.requests == dicts(landing, "cdp_landing__pull_runs", "started_at")[-1]["requests"]
    assert len(dicts(landing, "cdp_landing__segment_sql")) == result.sql_rows == 4


def test_retry_after_is_honoured(fake_api, fake_state, landing):
    small_account(fake_state)
    client = make_client(fake_api)
    fake_api.faults.add("429", r"^/audiences$", count=1, retry_after=0.6)
    import time

    start = time.monotonic()
    pull(client, landing)
    assert time.monotonic() - start >= 0.6
    assert_complete(landing, fake_state)


def _fails_cleanly(fake_api, fake_state, landing, client, expect: str):
    before = snapshot(landing)
    runs_before = len(dicts(landing, "cdp_landing__pull_runs", "started_at"))
    with pytest.raises(PullError) as err:
        pull(client, landing)
    message = str(err.value)
    assert expect in message
    assert TEST_API_KEY not in message and TEST_API_KEY.split("/")[1] not in message
    assert snapshot(landing) == before  # previous landing untouched
    runs = dicts(landing, "cdp_landing__pull_runs", "started_at")
    assert len(runs) == runs_before + 1 and runs[-1]["status"] == "failed"
    assert TEST_API_KEY.split("/")[1] not in runs[-1]["problems"]
    assert json.loads(runs[-1]["problems"])[0]["kind"] == "pull"
    return message


def test_401_fails_at_once_with_what_to_fix(fake_api, fake_state, landing):
    small_account(fake_state)
    pull(make_client(fake_api), landing)
    fake_api.faults.add("401", r"^/entities/by-folder/", count=None)
    client = make_client(fake_api)
    message = _fails_cleanly(fake_api, fake_state, landing, client, "401 Unauthorized")
    assert "rejected for this region" in message and "TD_API_KEY" in message
    assert len(fake_api.requests_matching("GET", r"^/entities/by-folder/")) - 1 <= 2  # no retries of a 401
    assert client.http.retry_count == 0


def test_wrong_key_is_rejected(fake_api, fake_state, landing):
    small_account(fake_state)
    pull(make_client(fake_api), landing)
    fake_state.accepted_keys = {TEST_API_KEY}
    _fails_cleanly(fake_api, fake_state, landing, make_client(fake_api, key="999/wrongsecretvalue"), "401")


def test_endless_429_gives_up_within_the_budget(fake_api, fake_state, landing):
    small_account(fake_state)
    pull(make_client(fake_api), landing)
    fake_api.faults.add("429", r"/statistics$", count=None, retry_after=0.05)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "max_attempts": 4})
    message = _fails_cleanly(fake_api, fake_state, landing, make_client(fake_api, policy), "failed after 4 attempt")
    assert "HTTP 429" in message


def test_persistent_malformed_json_is_a_clear_error(fake_api, fake_state, landing):
    small_account(fake_state)
    pull(make_client(fake_api), landing)
    fake_api.faults.add("malformed", r"^/entities/parent_segments$", count=None)
    message = _fails_cleanly(fake_api, fake_state, landing, make_client(fake_api), "malformed JSON")
    assert "/entities/parent_segments" in message


def test_total_time_budget_bounds_slow_responses(fake_api, fake_state, landing):
    small_account(fake_state)
    pull(make_client(fake_api), landing)
    fake_api.faults.add("slow", r"^/audiences$", count=None, delay=0.6)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "read_timeout": 0.2, "total_timeout": 1.0, "max_attempts": 50})
    _fails_cleanly(fake_api, fake_state, landing, make_client(fake_api, policy), "budget")


def test_failed_first_pull_lands_nothing(fake_api, fake_state, landing):
    small_account(fake_state)
    fake_api.faults.add("5xx", r"^/audiences/\d+/folders$", count=None, status=502)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "max_attempts": 2})
    with pytest.raises(PullError, match="502"):
        pull(make_client(fake_api, policy), landing)
    import duckdb

    with duckdb.connect(str(landing)) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert tables == {"cdp_landing__pull_runs"}


def test_in_flight_and_rate_caps_hold(fake_api, fake_state, landing):
    small_account(fake_state)
    for n in range(12):
        fake_state.add_segment(next(iter(fake_state.parent_segments)), f"extra {n}", None)
    fake_api.faults.add("slow", r"/statistics$", count=None, delay=0.15)
    policy = HttpPolicy(**{**FAST_POLICY.__dict__, "max_in_flight": 2, "requests_per_second": 0})
    client = make_client(fake_api, policy)
    run_pull(client=client, writer=DuckDbLandingWriter(landing), run_date=RUN_DATE,
             sql_source="compiler", dialect="duckdb", workers=6)
    assert fake_api.max_in_flight_seen == 2  # six worker threads, never more than two requests at once
    assert_complete(landing, fake_state)

    import time

    fake_api.faults.clear()
    limited = make_client(fake_api, HttpPolicy(**{**FAST_POLICY.__dict__, "requests_per_second": 25.0}))
    start = time.monotonic()
    for _ in range(11):
        limited.list_audiences_v4()
    assert time.monotonic() - start >= 10 / 25.0
