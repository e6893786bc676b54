"""`sa_not_null_columns` (macros/generic_tests/): ONE data test per model checks every column that
must never be null. On the landing fixture (DuckDB): it passes on the built staging model, fails
once a key is nulled, and each failing row names its null columns (`null_columns`, in the order
listed); column names with quotes, unicode or a keyword stay valid SQL. Every model's per-column
not-null checks are this one test (the manifest shows no `not_null` test left)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestrate.dbt_runner import DbtFailed
from tests.fixtures.dbt_project import DbtWorkspace
from tests.fixtures.landing_fixture import build_landing_fixture

MODEL = "stg_cdp__segments"
TABLE = "sa_stg_cdp__segments"
SELECT = ["--select", f"{MODEL},test_name:sa_not_null_columns"]
AUDIT_SCHEMA = "main_dbt_test__audit"  # where `--store-failures` writes a test's failing rows


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DbtWorkspace:
    root: Path = tmp_path_factory.mktemp("not_null_columns")
    ws = DbtWorkspace(root=root, db_path=root / "not_null.duckdb")
    ws.write_profile()
    build_landing_fixture(ws.db_path)
    ws.dbt(["run", "--select", MODEL])
    return ws


def _execute(workspace: DbtWorkspace, *statements: str) -> None:
    con = duckdb.connect(str(workspace.db_path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def test_one_test_per_model_and_no_per_column_not_null_left(workspace: DbtWorkspace) -> None:
    workspace.dbt(["parse"])
    manifest = json.loads((workspace.root / "target" / "manifest.json").read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    names = [(n.get("test_metadata") or {}).get("name") for n in tests]
    assert "not_null" not in names
    per_parent: dict[str, int] = {}
    for node in tests:
        if (node.get("test_metadata") or {}).get("name") == "sa_not_null_columns":
            for parent in node["depends_on"]["nodes"]:
                per_parent[parent] = per_parent.get(parent, 0) + 1
    assert per_parent[f"model.segment_analytics.{MODEL}"] == 1
    assert "source.segment_analytics.cdp_landing.cdp_landing__segments" in per_parent
    assert set(per_parent.values()) == {1}


def test_fails_when_a_key_is_null_naming_the_null_columns(workspace: DbtWorkspace) -> None:
    workspace.dbt(["test", *SELECT])  # the built model has no null key
    _execute(workspace,
             f"update {TABLE} set ps_id = null where segment_id = 's1'",
             f"update {TABLE} set ps_id = null, rule_hash = null where segment_id = 's2'")
    with pytest.raises(DbtFailed) as failed:
        workspace.dbt(["test", *SELECT, "--store-failures"])
    message = str(failed.value)
    assert f"sa_not_null_columns_{MODEL}_segment_id__ps_id__rule_hash" in message
    assert "Got 2 results" in message
    (audit,) = workspace.query(
        f"select table_name from information_schema.tables where table_schema = '{AUDIT_SCHEMA}'")
    rows = workspace.query(f'select segment_id, null_columns from {AUDIT_SCHEMA}."{audit[0]}" order by 1')
    assert rows == [("s1", "ps_id"), ("s2", "ps_id, rule_hash")]


def test_names_with_quotes_unicode_and_keywords(workspace: DbtWorkspace) -> None:
    _execute(workspace,
             """create or replace table odd_names ("it's" varchar, "naïve ü" varchar, "a""b" varchar,
                "select" varchar)""",
             "insert into odd_names values ('x', 'y', 'z', 'w'), (null, 'y', null, 'w'), ('x', null, 'z', null)")
    columns = json.dumps(["it's", "naïve ü", 'a"b', "select"], ensure_ascii=False)
    inline = ("{{ segment_analytics.test_sa_not_null_columns(api.Relation.create(database=target.database, "
              f"schema=target.schema, identifier='odd_names'), {columns}) }}}}")
    result = workspace.dbt(["show", "--inline", inline, "--limit", "10"]).result.results[0]
    table = result.agate_table
    assert list(table.column_names) == ["it's", "naïve ü", 'a"b', "select", "null_columns"]
    assert sorted(row["null_columns"] for row in table.rows) == ["it's, a\"b", "naïve ü, select"]
