"""Deliver the new alerts of a run to every destination, once each, and record every attempt.

An alert is new for a destination when it is not muted and the ledger holds no `delivered` row for
it and that destination. Alerts of the run date are considered, plus older ones whose last delivery
to a destination failed (a destination that was down yesterday gets them once it is back). Each
destination is sent its alerts, then, right after each success, its `delivered` rows are written,
before the next destination is tried; a failure (after the retries of the HTTP policy) is written as
`failed` rows and reported, and the other destinations go on. A crash between a send and its rows
can repeat that one batch on the next run (at least once; the payloads carry each `alert_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from orchestrate.alerts.destinations import Destination
from orchestrate.alerts.records import Alert, Delivery, iso_day
from orchestrate.alerts.senders import SENDERS, SendFailed
from orchestrate.alerts.store import AlertStore
from orchestrate.errors import CommandFailed
from orchestrate.http import HttpPolicy, redact

Say = Callable[[str], None]


class AlertDeliveryFailed(CommandFailed):
    """At least one destination did not take its alerts; the others were delivered."""


@dataclass
class DestinationResult:
    name: str
    type: str
    delivered: list[str] = field(default_factory=list)  # alert ids
    skipped: int = 0  # already delivered earlier
    error: str | None = None
    failed: list[str] = field(default_factory=list)


@dataclass
class DeliveryReport:
    run_date: str
    muted: int = 0
    results: list[DestinationResult] = field(default_factory=list)

    @property
    def failed(self) -> list[DestinationResult]:
        return [r for r in self.results if r.error]

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            state = f"FAILED ({r.error})" if r.error else "ok"
            out.append(f"alerts → {r.name} ({r.type}): {len(r.delivered)} delivered, {r.skipped} already "
                       f"delivered, {len(r.failed)} failed: {state}")
        if self.muted:
            out.append(f"alerts: {self.muted} muted alert(s) not sent")
        return out

    def raise_for_failures(self) -> None:
        if self.failed:
            names = ", ".join(f"{r.name} ({r.error})" for r in self.failed)
            raise AlertDeliveryFailed(redact(
                f"alert delivery failed for {len(self.failed)} destination(s): {names}. The other destinations "
                "were delivered; `segment-analytics alerts send` sends the failed ones again"))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def pending(alerts: Sequence[Alert], history: Sequence[Delivery], destination: str, run_date: str) -> list[Alert]:
    """The alerts `destination` has not been delivered: of the run date, or earlier ones that failed."""
    delivered = {d.alert_id for d in history if d.destination == destination and d.status == "delivered"}
    failed = {d.alert_id for d in history if d.destination == destination and d.status == "failed"}
    return [a for a in alerts if not a.muted and a.alert_id not in delivered
            and (a.run_date == run_date or a.alert_id in failed)]


def send_new_alerts(store: AlertStore, destinations: Sequence[Destination], *, run_date: date | str,
                    say: Say = print, policy: HttpPolicy | None = None, clock: Callable[[], datetime] = _now,
                    senders: dict[str, Any] | None = None) -> DeliveryReport:
    """Send each destination its new alerts and append the outcome to the ledger; the report says
    what happened (call `raise_for_failures` for the exit status)."""
    day = iso_day(run_date)
    report = DeliveryReport(run_date=day)
    if not destinations:
        return report
    alerts = store.alerts(up_to=day)
    history = store.deliveries([a.alert_id for a in alerts])
    report.muted = sum(a.muted and a.run_date == day for a in alerts)
    attempts: dict[tuple[str, str], int] = {}
    for d in history:
        attempts[(d.alert_id, d.destination)] = max(attempts.get((d.alert_id, d.destination), 0), d.attempt)
    store.ensure_ledger()
    for destination in destinations:
        result = DestinationResult(destination.name, destination.type)
        report.results.append(result)
        todo = pending(alerts, history, destination.name, day)
        result.skipped = sum(
            1 for a in alerts if not a.muted and a.run_date == day and a not in todo)
        if not todo:
            continue
        numbers = {a.alert_id: attempts.get((a.alert_id, destination.name), 0) + 1 for a in todo}

        def on_sent(batch: Sequence[Alert], _name: str = destination.name, _numbers: dict = numbers,
                    _result: DestinationResult = result) -> None:
            store.record(batch, _name, "delivered", attempts=_numbers, at=clock())
            _result.delivered.extend(a.alert_id for a in batch)

        send = (senders or SENDERS)[destination.type]
        try:
            send(destination, todo, on_sent=on_sent, policy=policy)
        except SendFailed as exc:
            left = [a for a in todo if a.alert_id not in set(result.delivered)]
            result.error = redact(exc)
            result.failed = [a.alert_id for a in left]
            store.record(left, destination.name, "failed", attempts=numbers, at=clock(), error=result.error)
    for line in report.lines():
        say(line)
    return report
