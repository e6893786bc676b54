"""The Trino landing writer against the local Trino (Iceberg): complete landing, the switch to a new
pull, failure safety, and a kill at every statement of the switch (old or new landing, never a mix;
`pull_runs` says success only for the landing readers see)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrate.dbt_runner import run_dbt
from orchestrate.pull import PullError, run_pull
from orchestrate.warehouse import for_target
from orchestrate.warehouse.trino import TrinoLandingWriter
from tests.fixtures.dbt_project import PROJECT_DIR, fixture_config
from tests.fixtures.fake_api import FAST_POLICY, make_client
from tests.hostile.landing_switch import kill_everywhere
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
    first = run_pull(client=client, writer=writer, v5_flag="both", run_date=RUN_DATE, sql_source="auto",
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

    # second pull with a change: the replaced tables hold only the new pull, accumulating ones only grow
    fake_state.delete_segment(ids["rt"])
    second = run_pull(client=client, writer=writer, v5_flag="both", run_date=RUN_DATE, sql_source="auto",
                      dialect="trino")
    assert second.sql_rows == 0
    assert {r[0] for r in _table(trino_server, "cdp_landing__segments")} == set(fake_state.segments)
    for table in ("cdp_landing__parent_segments", "cdp_landing__folders", "cdp_landing__segments"):
        pulls = {r[0] for r in trino_server.query(f'select distinct pull_id from "{trino_server.catalog}".'
                                                  f'"{SCHEMA}"."{table}"')}
        assert pulls == {second.pull_id}, table
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
        run_pull(client=failing, writer=writer, v5_flag="both", run_date=RUN_DATE, sql_source="auto",
                 dialect="trino")
    assert {t: _table(trino_server, t, "1, 2, 3") for t in before} == before
    statuses = [r[0] for r in trino_server.query(
        f'select status from "{trino_server.catalog}"."{SCHEMA}"."cdp_landing__pull_runs" order by started_at')]
    assert statuses == ["success", "success", "failed"]
    writer.close()


def _landed_pull_sql(trino_server, tmp_path: Path, schema: str) -> str:
    """The project's `sa_landed_pull()` (what the stg_cdp__ models filter on), compiled for Trino."""
    folder = tmp_path / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(
        "segment_analytics:\n  target: trino\n  outputs:\n"
        f"    trino: {{type: trino, method: none, host: {trino_server.host}, port: {trino_server.port}, "
        f"user: segment_analytics_test, catalog: {trino_server.catalog}, schema: {schema}, threads: 1, "
        "views_enabled: false}\n", encoding="utf-8")
    result = run_dbt(["compile", "--inline", "{{ sa_landed_pull() }}", "--quiet",
                      "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                     project_dir=PROJECT_DIR, profiles_dir=folder, target="trino",
                     vars={"segment_analytics": fixture_config()})
    return str(result.result.results[0].node.compiled_code).strip()


@pytest.mark.timeout(1800)
def test_a_kill_at_every_statement_of_the_switch_leaves_old_or_new_complete(trino_server, tmp_path):
    """H14 on Trino: kill the landing write at statement 0, 1, 2, ... (one new pull each time) until
    a write finishes; after every kill the reader sees exactly the previous or the new pull, and
    pull_runs says success for the new one exactly when readers see it."""
    schema = "cdp_landing_kill"
    landed_pull_sql = _landed_pull_sql(trino_server, tmp_path, schema)
    writer = TrinoLandingWriter(host=trino_server.host, port=trino_server.port, user="segment_analytics_test",
                                catalog=trino_server.catalog, schema=schema)
    writer.max_statement_chars = 700  # several INSERTs per table, so kills also fall between them
    outcomes = kill_everywhere(writer, trino_server.query, writer.target, landed_pull_sql)
    assert outcomes["old"] >= 8 and outcomes["new"] >= 3, outcomes
    tables = {r[0] for r in trino_server.query(
        f"select table_name from {trino_server.catalog}.information_schema.tables where table_schema = '{schema}'")}
    assert tables == {"cdp_landing__parent_segments", "cdp_landing__folders", "cdp_landing__segments",
                      "cdp_landing__segment_sql", "cdp_landing__segment_statistics", "cdp_landing__pull_runs"}
    writer.close()
