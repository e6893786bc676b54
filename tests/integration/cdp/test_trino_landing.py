"""The Trino landing writer against the local Trino (Iceberg): complete landing, swap, failure safety."""

from __future__ import annotations

import pytest

from orchestrate.pull import PullError, run_pull
from orchestrate.warehouse import for_target
from orchestrate.warehouse.trino import TrinoLandingWriter
from tests.fixtures.fake_api import FAST_POLICY, make_client
from tests.integration.cdp.helpers import RUN_DATE, small_account

pytestmark = pytest.mark.trino

SCHEMA = "cdp_landing_test"


def _writer(trino_server) -> TrinoLandingWriter:
    writer = for_target({"type": "trino", "host": trino_server.host, "port": trino_server.port,
                         "user": "segment_analytics_test", "database": trino_server.catalog, "schema": SCHEMA,
                         "http_scheme": "http"})
    assert isinstance(writer, TrinoLandingWriter)
    return writer


def _table(trino_server, table: str, order: str = "1") -> list[list]:
    return trino_server.query(f'select * from "{trino_server.catalog}"."{SCHEMA}"."{table}" order by {order}')


def test_pull_lands_into_trino_and_keeps_it_on_failure(trino_server, fake_api, fake_state):
    ids = small_account(fake_state)
    writer = _writer(trino_server)
    client = make_client(fake_api)
    config = {"filters": {"v5_flag": "both"}}
    first = run_pull(client=client, writer=writer, config=config, run_date=RUN_DATE, sql_source="auto",
                     dialect="trino")
    assert first.status == "success"
    segments = {r[0]: r for r in _table(trino_server, "cdp_landing__segments")}
    assert set(segments) == set(fake_state.segments)
    names = {r[0]: r[1] for r in _table(trino_server, "cdp_landing__parent_segments")}
    assert names[ids["legacy"]] == 'Légacy "PS"'
    assert len(_table(trino_server, "cdp_landing__segment_statistics")) == 3
    assert writer.statistics_max_dates()[(ids["both"], ids["men"])].isoformat() == "2026-11-27"
    sql_keys = writer.existing_sql_keys()
    assert {k[2] for k in sql_keys} == {"compiler"} and len(sql_keys) == 4

    # second pull with a change: the live tables are swapped, accumulating ones only grow
    fake_state.delete_segment(ids["rt"])
    second = run_pull(client=client, writer=writer, config=config, run_date=RUN_DATE, sql_source="auto",
                      dialect="trino")
    assert second.sql_rows == 0
    assert {r[0] for r in _table(trino_server, "cdp_landing__segments")} == set(fake_state.segments)
    tables = {r[0] for r in trino_server.query(
        f"select table_name from {trino_server.catalog}.information_schema.tables where table_schema = '{SCHEMA}'")}
    assert not {t for t in tables if t.endswith("__new") or t.endswith("__old")}

    # a failing pull leaves every table as it was
    before = {t: _table(trino_server, t, "1, 2, 3") for t in ("cdp_landing__segments", "cdp_landing__folders",
                                                           "cdp_landing__segment_sql")}
    fake_api.faults.add("5xx", r"/statistics$", count=None, status=500)
    from orchestrate.http import HttpPolicy

    failing = make_client(fake_api, HttpPolicy(**{**FAST_POLICY.__dict__, "max_attempts": 2}))
    fake_state.record_population(ids["men"], RUN_DATE, 999)
    with pytest.raises(PullError):
        run_pull(client=failing, writer=writer, config=config, run_date=RUN_DATE, sql_source="auto",
                 dialect="trino")
    assert {t: _table(trino_server, t, "1, 2, 3") for t in before} == before
    statuses = [r[0] for r in trino_server.query(
        f'select status from "{trino_server.catalog}"."{SCHEMA}"."cdp_landing__pull_runs" order by started_at')]
    assert statuses == ["success", "success", "failed"]
    writer.close()
