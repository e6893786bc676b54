"""The rows alert delivery reads and writes: one alert of the mart, one attempt of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

# The mart's columns, in the order the store selects them (docs/alerts.md).
ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id", "run_date", "kind", "severity", "ps_id", "segment_id", "segment_name", "metric_name",
    "observed_value", "expected_value", "threshold", "message", "updated_by", "authorized", "rule_diff",
    "revert_command", "muted", "muted_until", "detected_at",
)
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "t", "yes"}
    return bool(value)


@dataclass(frozen=True)
class Alert:
    """One row of `<prefix>_alerts` (dates as ISO text, so every engine reads the same)."""

    alert_id: str
    run_date: str
    kind: str
    severity: str
    ps_id: str | None = None
    segment_id: str | None = None
    segment_name: str | None = None
    metric_name: str | None = None
    observed_value: float | None = None
    expected_value: float | None = None
    threshold: float | None = None
    message: str = ""
    updated_by: str | None = None
    authorized: bool | None = None
    rule_diff: str | None = None
    revert_command: str | None = None
    muted: bool = False
    muted_until: str | None = None
    detected_at: str | None = None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Alert:
        v = dict(zip(ALERT_COLUMNS, row, strict=True))
        return cls(
            alert_id=str(v["alert_id"]), run_date=_day(v["run_date"]) or "", kind=str(v["kind"]),
            severity=str(v["severity"] or "info"), ps_id=_text(v["ps_id"]), segment_id=_text(v["segment_id"]),
            segment_name=_text(v["segment_name"]), metric_name=_text(v["metric_name"]),
            observed_value=_number(v["observed_value"]), expected_value=_number(v["expected_value"]),
            threshold=_number(v["threshold"]), message=str(v["message"] or ""), updated_by=_text(v["updated_by"]),
            authorized=_flag(v["authorized"]), rule_diff=_text(v["rule_diff"]),
            revert_command=_text(v["revert_command"]), muted=bool(_flag(v["muted"])),
            muted_until=_day(v["muted_until"]), detected_at=_text(v["detected_at"]),
        )

    @property
    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.run_date, SEVERITY_ORDER.get(self.severity, 3), self.kind, self.segment_id or "", self.alert_id)

    def as_payload(self) -> dict[str, Any]:
        """The alert as a webhook / JSON object (rule changes add the editor, the diff and the undo)."""
        out: dict[str, Any] = {
            "alert_id": self.alert_id, "kind": self.kind, "severity": self.severity, "run_date": self.run_date,
            "ps_id": self.ps_id, "segment_id": self.segment_id, "segment_name": self.segment_name,
            "metric_name": self.metric_name, "observed_value": self.observed_value,
            "expected_value": self.expected_value, "threshold": self.threshold, "message": self.message,
            "detected_at": self.detected_at,
        }
        if self.kind == "rule_change":
            out.update(updated_by=self.updated_by, authorized=self.authorized, rule_diff=self.rule_diff,
                       revert_command=self.revert_command)
        return out


@dataclass(frozen=True)
class Delivery:
    """One attempt of the ledger `<prefix>_alert_deliveries`."""

    alert_id: str
    destination: str
    status: str  # delivered | failed
    attempt: int
    attempted_at: str
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"destination": self.destination, "status": self.status, "attempt": self.attempt,
                "attempted_at": self.attempted_at, "error": self.error}


def iso_day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]
