"""`segment-analytics alerts`: the alerts of a run date with their delivery state, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from orchestrate.alerts.destinations import Destination
from orchestrate.alerts.records import Alert, Delivery
from orchestrate.alerts.store import AlertStore


def delivery_state(alert: Alert, history: Sequence[Delivery], destinations: Sequence[Destination]) -> dict[str, Any]:
    """Per destination (configured ones, and any the ledger names): its last attempt of this alert."""
    last: dict[str, Delivery] = {}
    for row in history:
        if row.alert_id != alert.alert_id:
            continue
        kept = last.get(row.destination)
        if kept is None or kept.status != "delivered":  # once delivered, it stays delivered
            last[row.destination] = row
    names = [d.name for d in destinations] + sorted(set(last) - {d.name for d in destinations})
    out: dict[str, Any] = {}
    for name in names:
        row = last.get(name)
        if row is None:
            out[name] = {"status": "muted" if alert.muted else "pending", "attempt": 0, "attempted_at": None,
                         "error": None}
        else:
            out[name] = {"status": row.status, "attempt": row.attempt, "attempted_at": row.attempted_at,
                         "error": row.error}
    return out


def list_alerts(store: AlertStore, destinations: Sequence[Destination], *,
                run_date: date | str | None) -> list[dict[str, Any]]:
    """The alerts (of one run date, or all) as JSON objects, each with `muted` and `deliveries`."""
    alerts = store.alerts(run_date=run_date)
    history = store.deliveries([a.alert_id for a in alerts])
    return [{**a.as_payload(), "muted": a.muted, "muted_until": a.muted_until,
             "deliveries": delivery_state(a, history, destinations)} for a in alerts]


def as_json(items: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(items), indent=2, sort_keys=True, default=str)


def as_text(items: Sequence[dict[str, Any]], run_date: str | None) -> str:
    if not items:
        return f"no alerts{f' for {run_date}' if run_date else ''}"
    lines = []
    for item in items:
        segment = item.get("segment_name") or item.get("segment_id") or item.get("ps_id") or "account"
        muted = f" · muted until {item['muted_until']}" if item.get("muted") else ""
        lines.append(f"{item['run_date']}  {item['severity']:<8} {item['kind']:<18} {segment}{muted}")
        lines.extend(f"    {line}" for line in str(item.get("message") or "").splitlines())
        states = item.get("deliveries") or {}
        if states:
            lines.append("    delivery: " + ", ".join(f"{name} {state['status']}" for name, state in states.items()))
    return "\n".join(lines)
