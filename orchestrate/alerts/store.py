"""The alerts mart and the delivery ledger in the warehouse (DuckDB, Trino, Treasure Data).

`<prefix>_alerts` is dbt's (read only here). `<prefix>_alert_deliveries` is the shim's, insert-only:
one row per alert, destination and attempt (`delivered` | `failed`), created when missing, in the
target's schema. Values are SQL literals (TD's Trino runs without prepared statements); on Treasure
Data the timestamp is stored as ISO-8601 text, as the landing tables store theirs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from orchestrate.alerts.records import ALERT_COLUMNS, Alert, Delivery, iso_day
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import redact
from orchestrate.warehouse.base import TargetError, warehouse_error
from orchestrate.warehouse.credentials import duckdb_params, trino_params
from orchestrate.warehouse.sql import literal, quote_ident
from orchestrate.warehouse.td_mode import is_td_connection

LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("alert_id", "varchar"), ("destination", "varchar"), ("status", "varchar"), ("attempt", "bigint"),
    ("attempted_at", "timestamp"), ("error", "varchar"),
)
_TYPES = {"duckdb": {"varchar": "varchar", "bigint": "bigint", "timestamp": "timestamp"},
          "trino": {"varchar": "varchar", "bigint": "bigint", "timestamp": "timestamp(6)"},
          "td": {"varchar": "varchar", "bigint": "bigint", "timestamp": "varchar"}}
MAX_ERROR_CHARS = 1000


class AlertsError(SegmentAnalyticsError, RuntimeError):
    """The alerts could not be read or their deliveries recorded; the message says what to do."""


class AlertStore:
    """Reads `<prefix>_alerts` and reads/appends `<prefix>_alert_deliveries` over one DBAPI connection.

    `dialect`: duckdb, trino or td (Treasure Data: no timestamp type, literal SQL only).
    """

    def __init__(self, conn: Any, *, prefix: str, dialect: str) -> None:
        if dialect not in _TYPES:
            raise ValueError(f"dialect must be one of {sorted(_TYPES)}, not {dialect!r}")
        self.conn = conn
        self.prefix = prefix
        self.dialect = dialect
        self.alerts_table = f"{prefix}_alerts"
        self.ledger_table = f"{prefix}_alert_deliveries"

    # ------------------------------------------------------------------ statements

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql)
            try:
                return [tuple(r) for r in cursor.fetchall()]
            except Exception:  # noqa: BLE001 - DDL/DML without a result set on some drivers
                return []
        except Exception as exc:  # noqa: BLE001 - each driver raises its own classes
            raise warehouse_error(f"{self.dialect} statement failed", exc, sql) from None
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _exists(self, table: str) -> bool:
        try:
            self._run(f"select 1 from {quote_ident(table)} where 1 = 0")
        except TargetError:
            return False
        return True

    def _lit(self, value: Any, logical: str) -> str:
        if self.dialect == "duckdb" and logical == "timestamp" and value is not None:
            text = value.replace(tzinfo=None).isoformat(sep=" ") if isinstance(value, datetime) else str(value)
            return f"cast('{text}' as timestamp)"
        return literal(value, logical, "td" if self.dialect == "td" else "trino")

    # ------------------------------------------------------------------ the mart

    def alerts(self, *, run_date: date | str | None = None, up_to: date | str | None = None) -> list[Alert]:
        """The mart's alerts of one run date (or all of them up to `up_to`, or all), most severe first."""
        if not self._exists(self.alerts_table):
            raise AlertsError(f"the alerts table {self.alerts_table} does not exist yet: run "
                              "`segment-analytics build` (or `run`) first")
        columns = ", ".join(
            f"cast({c} as varchar)" if c in {"run_date", "muted_until", "detected_at"} else c for c in ALERT_COLUMNS)
        where = ""
        if run_date is not None:
            where = f" where cast(run_date as varchar) = {literal(iso_day(run_date), 'varchar')}"
        elif up_to is not None:
            where = f" where cast(run_date as varchar) <= {literal(iso_day(up_to), 'varchar')}"
        rows = self._run(f"select {columns} from {quote_ident(self.alerts_table)}{where}")
        unique: dict[str, Alert] = {}
        for row in rows:
            alert = Alert.from_row(row)
            unique.setdefault(alert.alert_id, alert)
        return sorted(unique.values(), key=lambda a: a.sort_key)

    # ------------------------------------------------------------------ the ledger

    def ensure_ledger(self) -> None:
        types = _TYPES[self.dialect]
        cols = ", ".join(f"{quote_ident(n)} {types[t]}" for n, t in LEDGER_COLUMNS)
        self._run(f"create table if not exists {quote_ident(self.ledger_table)} ({cols})")

    def deliveries(self, alert_ids: Iterable[str] | None = None) -> list[Delivery]:
        """Every ledger row (of these alerts), oldest first; [] while the ledger does not exist."""
        if not self._exists(self.ledger_table):
            return []
        wanted = None if alert_ids is None else sorted(set(alert_ids))
        if wanted == []:
            return []
        rows: list[tuple[Any, ...]] = []
        for chunk in _chunks(wanted, 500) if wanted is not None else [None]:
            where = "" if chunk is None else (
                " where alert_id in (" + ", ".join(literal(a, "varchar") for a in chunk) + ")")
            rows += self._run(
                "select alert_id, destination, status, attempt, cast(attempted_at as varchar), error "
                f"from {quote_ident(self.ledger_table)}{where}")
        out = [Delivery(str(a), str(d), str(s), int(n or 0), str(t or ""), e) for a, d, s, n, t, e in rows]
        return sorted(out, key=lambda r: (r.attempted_at, r.attempt, r.alert_id, r.destination))

    def record(self, alerts: Sequence[Alert], destination: str, status: str, *, attempts: dict[str, int],
               at: datetime, error: str | None = None) -> None:
        """Append one row per alert for this destination (`attempts`: the attempt number of each)."""
        if not alerts:
            return
        self.ensure_ledger()
        text = None if error is None else redact(error)[:MAX_ERROR_CHARS]
        names = ", ".join(quote_ident(n) for n, _ in LEDGER_COLUMNS)
        for chunk in _chunks(list(alerts), 200):
            values = ", ".join(
                "(" + ", ".join(self._lit(v, t) for v, (_, t) in zip(
                    (a.alert_id, destination, status, attempts.get(a.alert_id, 1), at, text), LEDGER_COLUMNS,
                    strict=True)) + ")"
                for a in chunk)
            self._run(f"insert into {quote_ident(self.ledger_table)} ({names}) values {values}")


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@contextlib.contextmanager
def open_store(profile_target: dict[str, Any], *, prefix: str, td_mode: bool | None = None,
               read_only: bool = False) -> Iterator[AlertStore]:
    """An AlertStore on the dbt target's schema (writable unless `read_only`: sending appends to the
    ledger; listing only reads)."""
    kind = str(profile_target.get("type", "")).lower()
    if kind == "duckdb":
        params = duckdb_params(profile_target)
        conn = params.connect(read_only=read_only)
        conn.execute(f"set schema = {literal(params.schema, 'varchar')}")
        dialect = "duckdb"
    elif kind == "trino":
        conn = trino_params(profile_target).connect()
        dialect = "td" if (is_td_connection(profile_target) if td_mode is None else td_mode) else "trino"
    else:
        raise TargetError(f"target type {kind!r} is not supported; use duckdb or trino")
    try:
        yield AlertStore(conn, prefix=prefix, dialect=dialect)
    finally:
        conn.close()
