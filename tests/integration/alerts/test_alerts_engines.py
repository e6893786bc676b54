"""The alert maths on hand-written inputs, and the same `<prefix>_alerts` rows on DuckDB, on the local
Trino (iceberg) and in Treasure Data mode.

Only `fct_alerts` is built (its int_alerts__ steps are ephemeral): its inputs (the rule changes,
population and metrics marts and the landing's pull runs) are written by hand, identically on every
engine, for run date 2026-06-10 (a Wednesday):
  population  "1" 100 +- 3 for nine days, then 60 (-40 %: percent change fires); "2" flat 50;
              "3" has only today's value (no history: nothing); "4" 8 -> 4 (-50 % but under
              min_abs_change 10); "5" 200 +- 1, a spike to 260 yesterday, 200 today (z-score on the
              first detection day, the percent change today is only -23 %)
  metrics     orders of "1": 10..12 for nine days, 30 today (z-score, default rule); revenue
              (override: pct_change 50, no z-score, spikes only) of "1" drops 100 -> 40 (not a
              spike: nothing) and of "2" rises 100 -> 160 (+60 %: fires, muted: segment "2" is muted)
  rules       an edit of "1" by mal'lory (not authorised), a deletion of "6"; an edit the day
              before (not this run date's)
  pulls       a successful pull, then a failed one
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.dbt_runner import run_dbt
from tests.fixtures.dbt_project import PROJECT_DIR

pytestmark = pytest.mark.timeout(1500)

R = dt.date(2026, 6, 10)
DAYS = [R - dt.timedelta(days=n) for n in range(9, 0, -1)]  # 06-01 .. 06-09
CONFIG: dict[str, Any] = {
    "project_prefix": "sa",
    "metrics": [{"metric": m, "agg": "count", "source": "demo_behaviors.orders", "join_key": "td_canonical_id",
                 "unixtime_col": "time"} for m in ("orders", "revenue")],
    "alerts": {
        "authorized_editors": ["al"],
        "metrics": {"overrides": {"revenue": {"pct_change": 50, "zscore": None, "direction": "spike"}}},
        "stale_data": {"max_age_hours": 1000000},
        "mutes": [{"segment": "2", "until": R.isoformat()}],
    },
}
TABLES = {
    "sa_rule_changes": "(segment_id varchar, segment_name varchar, ps_id varchar, change_type varchar, "
                       "version bigint, valid_from timestamp(6), changed_by varchar, rule_diff varchar, "
                       "population_before bigint, population_after bigint)",
    "sa_population_daily": '(segment_id varchar, segment_name varchar, ps_id varchar, "date" date, '
                           "population bigint, api_population bigint)",
    "sa_metrics_daily": "(segment_id varchar, segment_name varchar, ps_id varchar, event_date date, "
                        "metric_name varchar, metric_value double)",
    "cdp_landing__pull_runs": "(pull_id varchar, run_date date, started_at timestamp(6), finished_at timestamp(6), "
                              "status varchar, problems varchar)",
}
POP1 = [100, 102, 98, 101, 99, 100, 103, 97, 100]
POP5 = [200, 201, 199, 200, 201, 199, 200, 201, 260]
ORDERS = [10, 12, 11, 9, 10, 11, 12, 10, 11]
PROBLEMS = '[{"id": null, "kind": "pull", "reason": "HTTP 401 from /audiences"}]'


def _inputs() -> dict[str, list[tuple[Any, ...]]]:
    population = [("1", 'A "x"', "10", d, v, v) for d, v in zip(DAYS, POP1, strict=True)] + [
        ("1", 'A "x"', "10", R, 60, 60)]
    population += [("2", "B", "10", d, 50, None) for d in [*DAYS, R]]
    population += [("3", "C", "10", R, 500, 500)]
    population += [("4", "D", "10", R - dt.timedelta(days=1), 8, 8), ("4", "D", "10", R, 4, 4)]
    population += [("5", "E", "10", d, None, v) for d, v in zip(DAYS, POP5, strict=True)] + [
        ("5", "E", "10", R, None, 200)]
    metrics = [("1", 'A "x"', "10", d, "orders", float(v)) for d, v in zip(DAYS, ORDERS, strict=True)]
    metrics += [("1", 'A "x"', "10", R, "orders", 30.0)]
    metrics += [("1", 'A "x"', "10", R - dt.timedelta(days=1), "revenue", 100.0),
                ("1", 'A "x"', "10", R, "revenue", 40.0)]
    metrics += [("2", "B", "10", R - dt.timedelta(days=1), "revenue", 100.0), ("2", "B", "10", R, "revenue", 160.0)]
    changes = [
        ("1", 'A "x"', "10", "edit", 3, dt.datetime(2026, 6, 10), "mal'lory", "~ age: 30 -> 40", 100, 60),
        ("6", "F", "10", "deletion", 1, dt.datetime(2026, 6, 10), None, "- age: 30", 30, None),
        ("2", "B", "10", "edit", 2, dt.datetime(2026, 6, 9), "al", "+ x", 50, 50),
    ]
    pulls = [("p1", R, dt.datetime(2026, 6, 10, 7), dt.datetime(2026, 6, 10, 8), "success", "[]"),
             ("p2", R, dt.datetime(2026, 6, 10, 9), dt.datetime(2026, 6, 10, 9, 5), "failed", PROBLEMS)]
    return {"sa_rule_changes": changes, "sa_population_daily": population, "sa_metrics_daily": metrics,
            "cdp_landing__pull_runs": pulls}


COLUMNS = ("alert_id, run_date, kind, severity, ps_id, segment_id, segment_name, metric_name, observed_value, "
           "expected_value, threshold, message, updated_by, authorized, rule_diff, revert_command, muted, muted_until")


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, dt.date):
        return f"date '{value}'"
    return "'" + str(value).replace("'", "''") + "'"


def _insert(table: str, rows: list[tuple[Any, ...]]) -> str:
    return f"insert into {table} values " + ", ".join("(" + ", ".join(_literal(v) for v in r) + ")" for r in rows)


def _profiles(root: Path, port: int | None) -> Path:
    folder = root / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    text = ("segment_analytics:\n  target: duckdb\n  outputs:\n"
            f"    duckdb: {{type: duckdb, path: '{root / 'alerts.duckdb'}', schema: main, threads: 1}}\n")
    for schema in ("sa_alerts_trino", "sa_alerts_td"):
        if port is not None:
            text += (f"    {schema}: {{type: trino, method: none, host: 127.0.0.1, port: {port}, user: sa_alerts, "
                     f"catalog: iceberg, schema: {schema}, threads: 2, views_enabled: false}}\n")
    (folder / "profiles.yml").write_text(text, encoding="utf-8")
    return folder


def _build(root: Path, profiles: Path, target: str, **extra_vars: Any) -> None:
    flags = ["--target-path", str(root / f"target_{target}"), "--log-path", str(root / "logs")]
    run_dbt(["build", "--select", "fct_alerts", *flags], project_dir=PROJECT_DIR, profiles_dir=profiles,
            target=target, vars={"segment_analytics": CONFIG, "run_date": str(R), **extra_vars})


def _duckdb_alerts(root: Path, profiles: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Build twice on DuckDB; the alert rows after each build."""
    con = duckdb.connect(str(root / "alerts.duckdb"))
    try:
        for table, columns in TABLES.items():
            con.execute(f"create or replace table {table} {columns.replace('timestamp(6)', 'timestamp')}")
            con.execute(_insert(table, _inputs()[table]))
    finally:
        con.close()
    found = []
    for _ in range(2):
        _build(root, profiles, "duckdb")
        con = duckdb.connect(str(root / "alerts.duckdb"), read_only=True)
        try:
            found.append(sorted((tuple(r) for r in con.execute(f"select {COLUMNS} from sa_alerts").fetchall()),
                                key=repr))
        finally:
            con.close()
    return found[0], found[1]


def _by_kind(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """(kind, severity, segment_id, metric_name, observed, expected, threshold, updated_by, authorized,
    revert_command, muted, muted_until), ordered."""
    return sorted(((r[2], r[3], r[5], r[7], r[8], r[9], r[10], r[12], r[13], r[15], r[16], r[17]) for r in rows),
                  key=repr)


def test_alert_maths_on_duckdb(tmp_path: Path) -> None:
    first, second = _duckdb_alerts(tmp_path, _profiles(tmp_path, None))
    assert second == first  # a re-run adds nothing
    z_pop5 = statistics.mean(POP5[:8])  # training: the days before the two detection days (06-01..06-08)
    z_orders = statistics.mean(ORDERS[:8])
    assert _by_kind(first) == sorted([
        ("metric_anomaly", "warning", "1", "orders", 30.0, pytest.approx(z_orders), 3.0, None, None, None, False, None),
        ("metric_anomaly", "warning", "2", "revenue", 160.0, 100.0, 50.0, None, None, None, True, R),
        ("population_anomaly", "warning", "1", None, 60.0, 100.0, 30.0, None, None, None, False, None),
        ("population_anomaly", "warning", "5", None, 260.0, pytest.approx(z_pop5), 3.0, None, None, None, False, None),
        ("pull_failed", "critical", None, None, 1.0, None, None, None, None, None, False, None),
        ("rule_change", "critical", "1", None, 60.0, 100.0, None, "mal'lory", False,
         "segment-analytics rules revert 1 --to-version 2", False, None),
        ("segment_deleted", "warning", "6", None, None, 30.0, None, None, None, None, False, None),
    ], key=lambda r: repr(r[:4]))
    messages = {(r[2], r[5], r[7]): r[11] for r in first}
    assert messages[("pull_failed", None, None)] == (
        "1 pull(s) failed, the last at 2026-06-10 09:05 UTC; the previous landing is kept. Problems: " + PROBLEMS)
    assert messages[("metric_anomaly", "2", "revenue")] == (
        "revenue of B (2) rose to 160.00 from 100.00 the day before (60.0 %, limit 50.0 %) on 2026-06-10")
    assert messages[("population_anomaly", "5", None)].startswith(
        "Population of E (5) rose to 260 against a trailing mean of 200 (z = ")
    assert messages[("population_anomaly", "5", None)].endswith("limit 3.0 standard deviations) on 2026-06-09")
    assert messages[("segment_deleted", "6", None)] == (
        "Segment F (6) was deleted; its last rule was version 1, population before 30")


@pytest.mark.trino
def test_same_alert_rows_on_trino_and_in_td_mode(trino_server, tmp_path: Path) -> None:
    profiles = _profiles(tmp_path, trino_server.port)
    on_duckdb, _ = _duckdb_alerts(tmp_path, profiles)
    for schema, extra in (("sa_alerts_trino", {}), ("sa_alerts_td", {"td_mode": True})):
        trino_server.query(f"create schema if not exists iceberg.{schema}")
        for table, columns in TABLES.items():
            trino_server.query(f"drop table if exists {table}", schema=schema)
            trino_server.query(f"create table {table} {columns}", schema=schema)
            trino_server.query(_insert(table, _inputs()[table]), schema=schema)
        trino_server.query("drop table if exists sa_alerts", schema=schema)
        for _ in range(2):  # the re-run adds nothing
            _build(tmp_path, profiles, schema, **extra)
            rows = sorted((tuple(r) for r in trino_server.query(f"select {COLUMNS} from sa_alerts", schema=schema)),
                          key=repr)
            assert len(rows) == len(on_duckdb), schema
            for got, want in zip(rows, on_duckdb, strict=True):
                assert got[:8] == want[:8] and got[11:] == want[11:], schema
                assert got[8:11] == tuple(pytest.approx(v) if v is not None else None for v in want[8:11]), schema
