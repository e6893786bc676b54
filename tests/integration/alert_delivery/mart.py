"""A `<prefix>_alerts` table of the mart's exact shape, filled with chosen rows (the delivery tests
do not need dbt to have detected them)."""

from __future__ import annotations

from typing import Any

COLUMNS: tuple[tuple[str, str], ...] = (
    ("alert_id", "varchar"), ("run_date", "date"), ("kind", "varchar"), ("severity", "varchar"),
    ("ps_id", "varchar"), ("segment_id", "varchar"), ("segment_name", "varchar"), ("metric_name", "varchar"),
    ("observed_value", "double"), ("expected_value", "double"), ("threshold", "double"), ("message", "varchar"),
    ("updated_by", "varchar"), ("authorized", "boolean"), ("rule_diff", "varchar"), ("revert_command", "varchar"),
    ("muted", "boolean"), ("muted_until", "date"), ("detected_at", "timestamp"),
)

RULE_CHANGE = {
    "alert_id": "a-rule-1", "run_date": "2026-03-02", "kind": "rule_change", "severity": "critical",
    "ps_id": "ps1", "segment_id": "101", "segment_name": "High <value> & loyal", "observed_value": 410.0,
    "expected_value": 1200.0, "message": "rule of High <value> & loyal changed by mallory (not an authorised "
    "editor): population 1200 -> 410", "updated_by": "mallory", "authorized": False,
    "rule_diff": "- total_spend > 500\n+ total_spend > 5000",
    "revert_command": "segment-analytics rules revert 101 --to-version 1", "muted": False,
    "detected_at": "2026-03-02 06:00:00",
}
POPULATION = {
    "alert_id": "a-pop-1", "run_date": "2026-03-02", "kind": "population_anomaly", "severity": "warning",
    "ps_id": "ps1", "segment_id": "102", "segment_name": "Newsletter", "observed_value": 500.0,
    "expected_value": 1000.0, "threshold": 20.0, "message": "population of Newsletter fell 50.0% (1000 -> 500)",
    "muted": False, "detected_at": "2026-03-02 06:00:00",
}
MUTED = {
    "alert_id": "a-muted-1", "run_date": "2026-03-02", "kind": "population_anomaly", "severity": "warning",
    "ps_id": "ps1", "segment_id": "103", "segment_name": "Seasonal", "observed_value": 10.0,
    "expected_value": 100.0, "threshold": 20.0, "message": "population of Seasonal fell 90.0% (100 -> 10)",
    "muted": True, "muted_until": "2026-04-01", "detected_at": "2026-03-02 06:00:00",
}
STALE_NEXT_DAY = {
    "alert_id": "a-stale-2", "run_date": "2026-03-03", "kind": "stale_data", "severity": "warning",
    "observed_value": 30.0, "threshold": 24.0, "message": "landing is 30 hours old (limit 24)", "muted": False,
    "detected_at": "2026-03-03 06:00:00",
}


def _literal(value: Any, kind: str) -> str:
    if value is None:
        return "null"
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    text = "'" + str(value).replace("'", "''") + "'"
    return f"{kind} {text}" if kind in {"date", "timestamp"} else text


def table_ddl(table: str, *, timestamp: str = "timestamp") -> str:
    cols = ", ".join(f"{name} {timestamp if kind == 'timestamp' else kind}" for name, kind in COLUMNS)
    return f"create table {table} ({cols})"


def insert_sql(table: str, rows: list[dict[str, Any]]) -> str:
    values = ", ".join("(" + ", ".join(_literal(row.get(n), k) for n, k in COLUMNS) + ")" for row in rows)
    return f"insert into {table} values {values}"
