"""dbt-trino materializations on the local Trino, in plain mode and in Treasure Data mode.

The same small project (tests/integration/trino/mini_project.py) is built three times (three snapshot
times, the source changing in between) in two schemas: once with dbt-trino's own macros (MERGE for
snapshots and the merge strategy) and once with `td_mode: true` (macros/td/). Both must leave identical
tables; the TD run's statements, read back from system.runtime.queries, must contain no MERGE, UPDATE,
CREATE VIEW, DELETE without WHERE, statement over 1,000,000 characters or hidden system table.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.integration.trino import mini_project
from tests.integration.trino.dbt_cli import run_dbt
from tests.integration.trino.query_log import TD_MAX_STATEMENT_CHARS, statements_of, td_violations

pytestmark = pytest.mark.trino

T1, T2, T3 = "2024-01-02 00:00:00", "2024-01-03 00:00:00", "2024-01-04 00:00:00"

# Source changes before each build: (snapshot time, statements on <src>.people).
ROUNDS = [
    (T1, [
        "create table {src}.people as select * from (values "
        "(1, 'a', 1.5e0, timestamp '2024-01-01 00:00:00'), "
        "(2, 'b', 2.5e0, timestamp '2024-01-01 00:00:00'), "
        "(3, 'c''q ✓', 3.5e0, timestamp '2024-01-01 00:00:00')) t(id, name, score, updated_at)",
        "create table {src}.events as select * from (values "
        "(1, bigint '1704067199'), (2, bigint '1704067200'), (3, bigint '1704157199'), (4, bigint '1704157200')"
        ") t(id, time)",
    ]),
    (T2, [
        "update {src}.people set name = 'a2', updated_at = timestamp '2024-01-02 12:00:00' where id = 1",
        "delete from {src}.people where id = 2",
        "insert into {src}.people values (4, 'd', 4.5e0, timestamp '2024-01-02 12:00:00')",
    ]),
    (T3, [
        "update {src}.people set score = 9.5e0, updated_at = timestamp '2024-01-03 12:00:00' where id = 1",
        "insert into {src}.people values (2, 'b', 2.5e0, timestamp '2024-01-03 12:00:00')",
    ]),
]

COMPARED = [
    "people_table", "people_from_ephemeral", "people_delete_insert", "people_delete_insert_composite",
    "people_merge", "people_append", "events_in_window", "probe_seed", "seed_copy",
    "snp_people_check", "snp_people_timestamp",
]

MODES = {"plain": False, "td": True}


def _setup(server, src: str, statements: list[str]) -> None:
    conn = server.connect()
    try:
        for statement in statements:
            cur = conn.cursor()
            cur.execute(statement.format(src=src))
            cur.fetchall()
    finally:
        conn.close()


def _env(server, schema: str) -> dict[str, str]:
    return {**server.profile_env(schema), "TRINO_USER": f"probe_{schema}", "TRINO_PREPARED": "false"}


@pytest.fixture(scope="module")
def probe(trino_server, tmp_path_factory) -> dict:
    """Build the probe project in both modes; returns {mode: schema} plus the project folder."""
    folder = mini_project.write_project(tmp_path_factory.mktemp("td_probe"))
    schemas = {}
    for mode, td in MODES.items():
        schema = f"probe_{mode}"
        src = f"iceberg.{schema}_src"
        _setup(trino_server, src, [f"create schema if not exists {src}"])
        for snap_time, statements in ROUNDS:
            _setup(trino_server, src, statements)
            run_dbt(["build"], project_dir=folder, env=_env(trino_server, schema),
                    vars_={"td_mode": td, "snap_time": snap_time})
        run_dbt(["docs", "generate", "--target-path", str(folder / f"target_{mode}")], project_dir=folder,
                env=_env(trino_server, schema), vars_={"td_mode": td, "snap_time": T3})
        schemas[mode] = schema
    return {"schemas": schemas, "folder": folder}


def _rows(server, schema: str, table: str) -> list[tuple]:
    rows = server.query(f"select * from iceberg.{schema}.{table}")
    return sorted((tuple(r) for r in rows), key=repr)


def test_td_mode_issues_no_merge_update_view_or_oversized_statement(trino_server, probe):
    statements = statements_of(trino_server, f"probe_{probe['schemas']['td']}")
    verbs = {st.verb for st in statements}
    assert len(statements) > 50, "the query log should hold every statement of three dbt builds"
    assert {"create", "insert", "delete", "select"} <= verbs
    assert td_violations(statements) == []
    assert max(len(st.text) for st in statements) <= TD_MAX_STATEMENT_CHARS


def test_plain_mode_uses_merge_so_the_log_check_sees_it(trino_server, probe):
    statements = statements_of(trino_server, f"probe_{probe['schemas']['plain']}")
    problems = td_violations(statements)
    assert any("MERGE is not allowed" in p for p in problems)
    assert any("system table" in p for p in problems)


@pytest.mark.parametrize("table", COMPARED)
def test_td_mode_leaves_the_same_tables_as_dbt_trino(trino_server, probe, table):
    plain = _rows(trino_server, probe["schemas"]["plain"], table)
    td = _rows(trino_server, probe["schemas"]["td"], table)
    assert plain, f"{table} is empty"
    assert td == plain


def test_td_mode_docs_catalog_lists_every_column(probe):
    catalog = json.loads((probe["folder"] / "target_td" / "catalog.json").read_text())
    nodes = {node["metadata"]["name"]: node for node in catalog["nodes"].values()}
    assert set(nodes["people_table"]["columns"]) == {"id", "name", "score"}
    assert {"dbt_valid_from", "dbt_valid_to", "dbt_scd_id"} <= set(nodes["snp_people_check"]["columns"])
    plain = json.loads((probe["folder"] / "target_plain" / "catalog.json").read_text())
    assert set(plain["nodes"]) == set(catalog["nodes"])


def test_td_check_snapshot_history_is_exact(trino_server, probe):
    schema = probe["schemas"]["td"]
    rows = trino_server.query(
        f"select id, name, score, dbt_valid_from, dbt_valid_to from iceberg.{schema}.snp_people_check"
    )
    got = sorted(tuple(r) for r in rows)
    t1, t2, t3 = (datetime.fromisoformat(t) for t in (T1, T2, T3))
    assert got == sorted([
        (1, "a", 1.5, t1, t2),
        (1, "a2", 1.5, t2, t3),
        (1, "a2", 9.5, t3, None),
        (2, "b", 2.5, t1, t2),  # hard delete closes the version
        (2, "b", 2.5, t3, None),  # and the returning row opens a new one
        (3, "c'q ✓", 3.5, t1, None),
        (4, "d", 4.5, t2, None),
    ])


def test_td_incremental_strategies_hold_the_latest_rows(trino_server, probe):
    schema = probe["schemas"]["td"]
    latest = [(1, "a2", 9.5), (2, "b", 2.5), (3, "c'q ✓", 3.5), (4, "d", 4.5)]
    for table in ("people_merge", "people_delete_insert"):
        rows = trino_server.query(f"select id, name, score, loaded_at from iceberg.{schema}.{table}")
        got = sorted(tuple(r) for r in rows)
        assert [r[:3] for r in got] == latest, table
        # delete+insert and merge both replace every row present in the last batch
        assert {r[3] for r in got} == {T3}, table
    appended = trino_server.query(f"select count(*) from iceberg.{schema}.people_append")
    assert appended == [[3 + 3 + 4]]


def test_td_time_range_prunes_to_the_window(trino_server, probe):
    schema = probe["schemas"]["td"]
    td_sql = [st.body for st in statements_of(trino_server, f"probe_{schema}") if "events_in_window" in st.body]
    assert any("td_time_range(time, '2024-01-01', '2024-01-02 01:00:00')" in sql for sql in td_sql)
    plain_sql = [st.body for st in statements_of(trino_server, f"probe_{probe['schemas']['plain']}")
                 if "events_in_window" in st.body]
    assert any("time >= 1704067200 and time < 1704157200" in sql for sql in plain_sql)
    assert sorted(trino_server.query(f"select id from iceberg.{schema}.events_in_window")) == [[2], [3]]


def test_td_mode_refuses_view_models_with_a_clear_error(trino_server, probe):
    proc = run_dbt(["run", "--select", "people_view"], project_dir=probe["folder"],
                   env=_env(trino_server, probe["schemas"]["td"]),
                   vars_={"td_mode": True, "snap_time": T3, "with_view": True}, expect_ok=False)
    assert proc.returncode != 0
    assert "Treasure Data mode" in proc.stdout and "CREATE VIEW" in proc.stdout


def test_wide_seed_is_split_below_the_statement_limit_in_td_mode(trino_server, tmp_path):
    folder = mini_project.write_project(tmp_path / "wide")
    seed = mini_project.write_wide_seed(folder, rows=40, width=30_000)  # 1.2 M characters of values
    schema = "probe_wide"
    _setup(trino_server, f"iceberg.{schema}_src", [f"create schema if not exists iceberg.{schema}_src"])
    plain = run_dbt(["seed", "--select", seed], project_dir=folder, env=_env(trino_server, schema),
                    vars_={"snap_time": T1}, expect_ok=False)
    assert plain.returncode != 0 and "QUERY_TEXT_TOO_LARGE" in plain.stdout
    run_dbt(["seed", "--select", seed, "--full-refresh"], project_dir=folder, env=_env(trino_server, schema),
            vars_={"td_mode": True, "snap_time": T1})
    assert trino_server.query(f"select count(*), sum(length(payload)) from iceberg.{schema}.{seed}") == [
        [40, 40 * 30_000]
    ]
    inserts = [st for st in statements_of(trino_server, f"probe_{schema}")
               if st.verb == "insert" and seed in st.body and st.state == "FINISHED"]
    assert len(inserts) >= 2
    assert max(len(st.text) for st in inserts) <= TD_MAX_STATEMENT_CHARS
