"""A missing Treasure Data database is created through the region's TD API (`POST
/v3/database/create/<name>`, 409 when it exists), before the landing write and before `dbt build`;
a key that may not create databases gets an error saying how to create it; the key is never logged."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orchestrate import pipeline
from orchestrate.context import RunContext
from orchestrate.warehouse import for_target
from orchestrate.warehouse.base import TargetError
from orchestrate.warehouse.credentials import TrinoParams
from orchestrate.warehouse.td import TdLandingWriter, ensure_td_database, ensure_td_target_database
from segment_analytics_sandbox.fake_api.server import FakeApiServer
from segment_analytics_sandbox.fake_api.td_routes import td_state
from tests.fixtures.fake_api import FAST_POLICY, TEST_API_KEY

TD_PROFILE: dict[str, Any] = {
    "type": "trino", "method": "none", "user": TEST_API_KEY, "password": "dummy",
    "host": "api-presto.eu01.treasuredata.com", "port": 443, "http_scheme": "https", "database": "td",
    "schema": "acme_segments", "target_name": "prod",
}


def _creates(fake_api: FakeApiServer) -> list[str]:
    return [r.path for r in fake_api.request_log if r.method == "POST" and r.path.startswith("/v3/database")]


def test_a_missing_database_is_created_and_an_existing_one_left_alone(fake_api: FakeApiServer,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake_api.state.accepted_keys = {TEST_API_KEY}  # the server checks the key it is sent
    assert ensure_td_database(fake_api.url, TEST_API_KEY, "acme_segments", policy=FAST_POLICY) is True
    assert td_state(fake_api.state).databases == {"acme_segments"}
    assert ensure_td_database(fake_api.url, TEST_API_KEY, "acme_segments", policy=FAST_POLICY) is False  # 409
    assert _creates(fake_api) == ["/v3/database/create/acme_segments"] * 2
    with pytest.raises(TargetError, match="401"):
        ensure_td_database(fake_api.url, "1/another-key-entirely", "acme_other", policy=FAST_POLICY)
    assert TEST_API_KEY not in caplog.text and TEST_API_KEY.split("/")[1] not in caplog.text
    assert "created the Treasure Data database acme_segments" in caplog.text


def test_a_key_that_may_not_create_databases_gets_the_way_to_create_it(fake_api: FakeApiServer) -> None:
    td_state(fake_api.state).can_create = False
    with pytest.raises(TargetError) as caught:
        ensure_td_database(fake_api.url, TEST_API_KEY, "acme_segments", policy=FAST_POLICY)
    message = str(caught.value)
    assert "'acme_segments' could not be created" in message and "403" in message
    assert "td db:create acme_segments" in message and "console" in message
    assert TEST_API_KEY not in message and TEST_API_KEY.split("/")[1] not in message


def test_a_name_td_refuses_is_an_error_before_any_request(fake_api: FakeApiServer) -> None:
    for bad in ("Acme", "ab", "acme-segments", 'x"; drop'):
        with pytest.raises(TargetError, match="not a Treasure Data database name"):
            ensure_td_database(fake_api.url, TEST_API_KEY, bad, policy=FAST_POLICY)
    assert _creates(fake_api) == []


def test_the_td_writer_creates_its_database_once_before_writing(fake_api: FakeApiServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    params = TrinoParams(host="api-presto.eu01.treasuredata.com", port=443, user=TEST_API_KEY, catalog="td",
                         schema="acme_landing", http_scheme="https")
    writer = TdLandingWriter(apikey=TEST_API_KEY, endpoint=fake_api.url, database="acme_landing", params=params)
    monkeypatch.setattr(writer, "execute", lambda sql: statements.append(sql) or [])
    writer.ensure_schema()
    writer.ensure_schema()
    assert td_state(fake_api.state).databases == {"acme_landing"}
    assert _creates(fake_api) == ["/v3/database/create/acme_landing"]
    assert not any("create schema" in s for s in statements)  # TD databases are not made by SQL


def test_td_mode_on_a_plain_trino_creates_the_schema_with_sql(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = for_target({**TD_PROFILE, "host": "127.0.0.1", "port": 8080, "http_scheme": "http",
                         "database": "td"})
    assert isinstance(writer, TdLandingWriter) and writer.endpoint is None
    statements: list[str] = []
    monkeypatch.setattr(writer, "execute", lambda sql: statements.append(sql) or [])
    writer.ensure_schema()
    assert statements == ['create schema if not exists "td"."acme_segments"']


def test_build_on_treasure_data_creates_the_targets_database_first(fake_api: FakeApiServer, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("orchestrate.regions.td_api_url_for_trino_host", lambda host: fake_api.url)
    assert ensure_td_target_database(TD_PROFILE) is True
    assert td_state(fake_api.state).databases == {"acme_segments"}
    assert ensure_td_target_database({**TD_PROFILE, "host": "127.0.0.1"}) is None  # not Treasure Data's
    assert ensure_td_target_database({"type": "duckdb", "path": "x.duckdb"}) is None

    order: list[str] = []
    monkeypatch.setattr(pipeline, "ensure_td_target_database", lambda profile: order.append("database"))
    monkeypatch.setattr("orchestrate.dbt_runner.run_dbt", lambda args, **kw: order.append(args[0]))
    ctx = RunContext(project_dir=tmp_path, profiles_dir=tmp_path, target="prod", target_profile=TD_PROFILE,
                     config={}, run_date=date(2026, 5, 1))  # type: ignore[arg-type] - build reads no config
    pipeline.build(ctx)
    assert order == ["database", "build"]
