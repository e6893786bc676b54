"""The whole pipeline on the local Trino, plain and in Treasure Data mode, against DuckDB.

One demo account (fake CDP API + generated behaviour data) is run day by day through pull and
`dbt build` (every model, snapshot and test) on three engines in lock step: DuckDB (the reference),
Trino (dbt-trino's own macros) and Trino with `td_mode: true` (macros/td/). Then:
- every mart and snapshot is identical on all three (every row and column; floats within
  compare.FLOAT_TOLERANCE; snapshot ids, load timestamps and dialect-specific member SQL excluded);
- the TD-mode run's statements, read from system.runtime.queries, contain no MERGE, UPDATE,
  CREATE VIEW, DELETE without WHERE, system.metadata table, or statement over 1,000,000 characters,
  and its time windows use td_time_range;
- the marts with an enforced contract have exactly the declared column names and types on Trino.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml

from segment_analytics_sandbox.demo.run import run_demo
from tests.integration.trino.compare import differences, table_data
from tests.integration.trino.pipeline import Engine, lockstep_runner
from tests.integration.trino.query_log import statements_of, td_violations

pytestmark = pytest.mark.trino

RUN_DATES = [dt.date(2026, 3, 30) + dt.timedelta(days=i) for i in range(2)]
SEED = 11
PROFILES = 200
PREFIX = "segment_analytics"
MARTS = [f"{PREFIX}_{m}" for m in ("ps_stats", "population_tracker", "population_daily", "metrics_daily",
                                   "final_metrics_table", "rule_changes", "ab_test_results", "ab_test_daily",
                                   "segment_overlap", "kpis_period_over_period")]
SNAPSHOTS = [f"{PREFIX}_snp_segment_rules", f"{PREFIX}_snp_segment_membership"]
# Not compared: ids and load times of one engine's run, and the member SQL snapshotted with each rule
# version, which is written in the engine's own dialect (DuckDB vs Trino SQL, by design).
ENGINE_SPECIFIC = {"dbt_scd_id", "dbt_updated_at", "fetched_at", "pull_id", "segment_sql"}
REPO_ROOT = Path(__file__).resolve().parents[3]
USERS = {"trino": "sa_pipeline_plain", "trino_td": "sa_pipeline_td"}


@pytest.fixture(scope="module")
def pipeline(trino_server, tmp_path_factory):
    work = tmp_path_factory.mktemp("trino_pipeline")
    engines = [
        Engine("duckdb", "duckdb"),
        Engine("trino", "trino", env={**trino_server.profile_env("sa_plain"), "TRINO_USER": USERS["trino"]}),
        Engine("trino_td", "trino", env={**trino_server.profile_env("sa_td"), "TRINO_USER": USERS["trino_td"]},
               vars={"td_mode": True}),
    ]
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_TARGET_PATH", str(work / "target"))
    patch.setenv("DBT_LOG_PATH", str(work / "logs"))
    patch.setenv("SEGMENT_ANALYTICS_STATE_DIR", str(work / "state"))
    try:
        runner = lockstep_runner(engines, trino_server, work, seed_value=SEED, n_profiles=PROFILES,
                                 run_dates=RUN_DATES)
        result = run_demo(work, work / "demo.duckdb", RUN_DATES, seed_value=SEED, n_profiles=PROFILES,
                          runner=runner)
    finally:
        patch.undo()
    print("\n" + "; ".join(f"{e.name}: {e.seconds:.0f}s pull+build" for e in engines))
    return {"duckdb": result.duckdb_path, "schemas": {"trino": "sa_plain", "trino_td": "sa_td"}}


def _columns(names: list[str]) -> list[str]:
    return [n for n in names if n not in ENGINE_SPECIFIC]


def _duckdb_table(path, table: str):
    conn = duckdb.connect(str(path), read_only=True)
    try:
        cur = conn.cursor()
        names = [r[0] for r in cur.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
            [table]).fetchall()]
        cols = ", ".join(f'"{n}"' for n in _columns(names))
        return table_data(cur, f'select {cols} from main."{table}"')
    finally:
        conn.close()


def _trino_table(server, schema: str, table: str):
    names = [r[0] for r in server.query(
        f"select column_name from iceberg.information_schema.columns where table_schema = '{schema}' "
        f"and table_name = '{table}' order by ordinal_position")]
    cols = ", ".join(f'"{n}"' for n in _columns(names))
    conn = server.connect()
    try:
        return table_data(conn.cursor(), f'select {cols} from iceberg."{schema}"."{table}"')
    finally:
        conn.close()


@pytest.mark.parametrize("table", MARTS + SNAPSHOTS)
@pytest.mark.parametrize("engine", ["trino", "trino_td"])
def test_trino_marts_equal_duckdb(trino_server, pipeline, engine, table):
    reference = _duckdb_table(pipeline["duckdb"], table)
    got = _trino_table(trino_server, pipeline["schemas"][engine], table)
    if table != f"{PREFIX}_rule_changes":
        assert reference[1], f"{table} is empty on DuckDB"
    assert differences(reference, got) == []


def test_td_mode_pipeline_stays_inside_td_limits(trino_server, pipeline):
    statements = statements_of(trino_server, USERS["trino_td"])
    assert len(statements) > 100
    assert td_violations(statements) == []
    bodies = [st.body for st in statements]
    assert any("td_time_range(" in body for body in bodies), "time windows should use td_time_range in TD mode"
    assert any(body.startswith("delete from") for body in bodies), "snapshots should close rows by DELETE"


def test_plain_trino_run_differs_where_td_mode_must(trino_server, pipeline):
    problems = td_violations(statements_of(trino_server, USERS["trino"]))
    assert any("MERGE" in p for p in problems), "dbt-trino's snapshot MERGE should appear without TD mode"


# The marts whose contract is enforced (models/marts/_marts__models.yml) and their tables.
CONTRACTS = {"dim_segments": "ps_stats", "fct_segment_metrics_daily": "metrics_daily",
             "fct_segment_population_daily": "population_daily",
             "fct_segment_population_runs": "population_tracker", "fct_segment_rule_changes": "rule_changes"}


def _declared_columns(model: str) -> list[tuple[str, str]]:
    spec = yaml.safe_load((REPO_ROOT / "models" / "marts" / "_marts__models.yml").read_text(encoding="utf-8"))
    node = next(m for m in spec["models"] if m["name"] == model)
    assert node["config"]["contract"]["enforced"] is True, model
    return [(c["name"], c["data_type"]) for c in node["columns"]]


@pytest.mark.parametrize("model", sorted(CONTRACTS))
@pytest.mark.parametrize("engine", ["trino", "trino_td"])
def test_contract_marts_have_exactly_the_declared_columns_and_types_on_trino(trino_server, pipeline, engine, model):
    built = [(name, data_type) for name, data_type in trino_server.query(
        "select column_name, data_type from iceberg.information_schema.columns "
        f"where table_schema = '{pipeline['schemas'][engine]}' and table_name = '{PREFIX}_{CONTRACTS[model]}' "
        "order by ordinal_position")]
    assert built == _declared_columns(model)
