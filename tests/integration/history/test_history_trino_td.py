"""The history models in Treasure Data mode on the local Trino give the same tables as on DuckDB.

Only the history part of the project runs here (`path:models/history` + `path:snapshots` and
the two marts built from them): its upstream tables (staging, selected segments, members, pull
runs) are written by hand, identically on both engines, for three run days: an edit (by a user
whose name has a quote), a deletion, a segment the pull could not land (must stay open), and
profiles entering and leaving. The whole
pipeline's engine parity is tests/integration/trino/test_pipeline_parity.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.cdp.canonical import canonical_rule_json, describe_rule, rule_hash
from orchestrate.dbt_runner import run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR

pytestmark = [pytest.mark.trino, pytest.mark.timeout(1500)]

SCHEMA = "sa_history_td"
CONFIG = {"project_prefix": "sa", "metrics": [{"metric": "orders", "agg": "count", "source": "demo_behaviors.orders",
                                                "join_key": "td_canonical_id", "unixtime_col": "time"}]}
SELECT = ["build", "--select", "path:models/history", "path:snapshots", "fct_segment_population_daily",
          "fct_segment_rule_changes"]
TABLES = ("sa_snp_segment_rules", "sa_snp_segment_membership", "sa_hist_rule_versions", "sa_rule_changes",
          "sa_population_daily", "sa_hist_query_change", "sa_hist_api_populations")
ENGINE_SPECIFIC = {"dbt_scd_id", "dbt_updated_at"}

UPSTREAM = {
    "stg_cdp__parent_segments": "(ps_id varchar, ps_name varchar, api_version varchar, pull_id varchar)",
    "stg_cdp__folders": "(folder_id varchar, ps_id varchar, folder_name varchar)",
    "stg_cdp__segments": "(segment_id varchar, ps_id varchar, folder_id varchar, segment_name varchar, "
                         "api_version varchar, population bigint, rule_json varchar, rule_hash varchar, "
                         "rule_conditions varchar, updated_at varchar, updated_by varchar, run_date date, "
                         "pull_id varchar)",
    "stg_cdp__segment_sql": "(ps_id varchar, rule_hash varchar, sql_source varchar, dialect varchar, "
                            "segment_sql varchar, fetched_at timestamp(6))",
    "stg_cdp__segment_statistics": "(ps_id varchar, segment_id varchar, stat_date date, population bigint, "
                                   "measured boolean, fetched_at timestamp(6))",
    "int_segment_members": "(segment_id varchar, profile_id varchar, ps_id varchar)",
    "int_segments__selected": "(segment_id varchar, is_selected boolean, member_sql varchar)",
    "cdp_landing__pull_runs": "(pull_id varchar, run_date date, problems varchar)",
}


def _rule(*leaves: tuple[str, str, Any]) -> dict[str, Any]:
    return {"type": "And", "conditions": [{"type": "And", "conditions": [
        {"type": "Value", "leftValue": {"name": n}, "operator": {"type": o, "rightValue": v}} for n, o, v in leaves]}]}


ADULTS = _rule(("age", "GreaterEqual", 30))
ADULTS_JP = _rule(("age", "GreaterEqual", 40), ("country", "Equal", "JP"))


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, dt.date):
        return f"date '{value}'"
    return "'" + str(value).replace("'", "''") + "'"


def _day(day: dt.date, segments: list[tuple[str, str, dict, str, int]], members: dict[str, list[str]],
         problems: str = "[]", stats: tuple = ()) -> dict[str, list[tuple]]:
    pull = f"pull-{day}"
    return {
        "stg_cdp__parent_segments": [("10", "Shop 'Q' ✓", "v5", pull)],
        "stg_cdp__folders": [("100", "10", "Root ☕")],
        "stg_cdp__segments": [
            (sid, "10", "100", name, "v5", pop, canonical_rule_json(r), rule_hash(r), describe_rule(r), str(day), by,
             day, pull) for sid, name, r, by, pop in segments],
        "stg_cdp__segment_sql": [],
        "stg_cdp__segment_statistics": list(stats),
        "int_segment_members": [(sid, p, "10") for sid, profiles in members.items() for p in profiles],
        "int_segments__selected": [(sid, True, "select 1") for sid, *_ in segments],
        "cdp_landing__pull_runs": [(pull, day, problems)],
    }


D1, D2, D3 = dt.date(2026, 6, 1), dt.date(2026, 6, 2), dt.date(2026, 6, 3)
DAYS = [
    (D1, _day(D1, [("1", 'A "x"', ADULTS, "al", 30), ("2", "B", ADULTS, "bo", 20), ("3", "C", ADULTS, "ca", 10)],
              {"1": ["a", "b", "c"], "2": ["a", "b"], "3": ["z"]},
              stats=[("10", "1", dt.date(2026, 5, 30), 25, False, dt.datetime(2026, 6, 1))])),
    (D2, _day(D2, [("1", 'A "x"', ADULTS_JP, "mal'lory", 10), ("3", "C", ADULTS, "ca", 10)],
              {"1": ["c"], "3": ["z"]}, problems='[{"id": "3", "kind": "segment_statistics", "reason": "x"}]')),
    (D3, _day(D3, [("1", 'A "x"', ADULTS_JP, "mal'lory", 10)], {"1": ["c", "d"]},
              problems='[{"id": "3", "kind": "segment", "reason": "name is missing or empty"}]')),
]


def _profiles(root: Path, port: int) -> Path:
    folder = root / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(
        "segment_analytics:\n  target: duckdb\n  outputs:\n"
        f"    duckdb: {{type: duckdb, path: '{root / 'history.duckdb'}', schema: main, threads: 1}}\n"
        f"    trino: {{type: trino, method: none, host: 127.0.0.1, port: {port}, user: sa_history_td, "
        f"catalog: iceberg, schema: {SCHEMA}, threads: 2, views_enabled: false}}\n", encoding="utf-8")
    return folder


def _warehouse_name(model: str) -> str:
    """The upstream models' tables carry the project prefix (sa_relation_alias); landing tables do not."""
    return model if model.startswith("cdp_landing__") else f"{CONFIG['project_prefix']}_{model}"


def _write_duckdb(path: Path, rows: dict[str, list[tuple]]) -> None:
    con = duckdb.connect(str(path))
    try:
        for model, values in rows.items():
            table = _warehouse_name(model)
            con.execute(f"create or replace table {table} {UPSTREAM[model].replace('timestamp(6)', 'timestamp')}")
            for row in values:
                con.execute(f"insert into {table} values ({', '.join(_literal(v) for v in row)})")
    finally:
        con.close()


def _write_trino(server: Any, rows: dict[str, list[tuple]]) -> None:
    server.query(f"create schema if not exists iceberg.{SCHEMA}")
    for model, values in rows.items():
        table = _warehouse_name(model)
        server.query(f"drop table if exists {table}", schema=SCHEMA)
        server.query(f"create table {table} {UPSTREAM[model]}", schema=SCHEMA)
        if values:
            server.query(f"insert into {table} values "
                         + ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in values), schema=SCHEMA)


def test_history_in_td_mode_equals_duckdb(trino_server, tmp_path: Path) -> None:
    profiles = _profiles(tmp_path, trino_server.port)
    flags = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    for day, rows in DAYS:
        _write_duckdb(tmp_path / "history.duckdb", rows)
        run_dbt(SELECT + flags, project_dir=PROJECT_DIR, profiles_dir=profiles, target="duckdb",
                vars={"segment_analytics": CONFIG, "run_date": str(day)})
        _write_trino(trino_server, rows)
        run_dbt(SELECT + flags, project_dir=PROJECT_DIR, profiles_dir=profiles, target="trino",
                vars={"segment_analytics": CONFIG, "run_date": str(day), "td_mode": True})

    con = duckdb.connect(str(tmp_path / "history.duckdb"), read_only=True)
    try:
        for table in TABLES:
            names = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
            columns = ", ".join(f'"{n}"' for n in names if n not in ENGINE_SPECIFIC)
            on_duckdb = sorted((tuple(r) for r in con.execute(f"select {columns} from {table}").fetchall()), key=repr)
            on_trino = sorted((tuple(r) for r in trino_server.query(f"select {columns} from {table}", schema=SCHEMA)),
                              key=repr)
            assert on_trino == on_duckdb, table
        changes = con.execute("select segment_id, change_type, version, cast(valid_from as date), changed_by, "
                              "rule_diff, population_before, population_after from sa_rule_changes "
                              "order by 1").fetchall()
        open_versions = con.execute(
            "select segment_id from sa_hist_rule_versions where is_current order by 1").fetchall()
    finally:
        con.close()
    assert changes == [
        ("1", "edit", 2, D2, "mal'lory", "~ conditions[0].conditions[0]: age GreaterEqual 30 -> age GreaterEqual 40"
         '\n+ conditions[0].conditions[1]: country Equal "JP"', 30, 10),
        ("2", "deletion", 1, D2, None, "- conditions[0].conditions[0]: age GreaterEqual 30", 20, None),
    ]
    # segment 3 could not be landed on day 3: unknown, not deleted
    assert open_versions == [("1",), ("3",)]
