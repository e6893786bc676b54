"""The typed `alerts` configuration (`Config.alerts`), built from the mapping that
orchestrate/config/alerts.py validated and filled in; `as_vars()` gives that mapping back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrate.config.alerts import alerts_with_defaults


@dataclass(frozen=True)
class ZScore:
    """The z-score test of an anomaly rule."""

    sensitivity: float
    training_days: int
    detection_days: int
    seasonality: str

    def as_vars(self) -> dict[str, Any]:
        return {"sensitivity": self.sensitivity, "training_days": self.training_days,
                "detection_days": self.detection_days, "seasonality": self.seasonality}


@dataclass(frozen=True)
class AnomalyRule:
    """A population or metric rule: percent change against the previous day and/or a z-score
    (None = that test off), the smallest move that counts, the direction, the severity."""

    pct_change: float | None
    zscore: ZScore | None
    min_abs_change: float
    direction: str
    severity: str

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> AnomalyRule:
        z = raw["zscore"]
        return cls(pct_change=raw["pct_change"], zscore=None if z is None else ZScore(**z),
                   min_abs_change=raw["min_abs_change"], direction=raw["direction"], severity=raw["severity"])

    def as_vars(self) -> dict[str, Any]:
        return {"pct_change": self.pct_change, "zscore": None if self.zscore is None else self.zscore.as_vars(),
                "min_abs_change": self.min_abs_change, "direction": self.direction, "severity": self.severity}


@dataclass(frozen=True)
class MetricRules:
    """`alerts.metrics`: the default rule and the per-metric overrides (each already complete)."""

    default: AnomalyRule
    overrides: tuple[tuple[str, AnomalyRule], ...]

    def rule_for(self, metric: str) -> AnomalyRule:
        """The rule metric `metric` is checked with."""
        return dict(self.overrides).get(metric, self.default)

    def as_vars(self) -> dict[str, Any]:
        return {"default": self.default.as_vars(),
                "overrides": {name: rule.as_vars() for name, rule in self.overrides}}


@dataclass(frozen=True)
class Mute:
    """One entry of `alerts.mutes`: alerts of `segment` (id or name) and/or `kind`, through `until`."""

    until: str
    segment: str | None = None
    kind: str | None = None
    reason: str | None = None

    def as_vars(self) -> dict[str, Any]:
        return {"segment": self.segment, "kind": self.kind, "until": self.until, "reason": self.reason}


@dataclass(frozen=True)
class AlertDestination:
    """One entry of `alerts.destinations` (shape validated; secrets are resolved at delivery).
    `sender` is the `from` key."""

    type: str
    name: str
    url: str | None = None
    url_env: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> AlertDestination:
        headers = raw.get("headers") or {}
        return cls(type=raw["type"], name=raw["name"], url=raw.get("url"), url_env=raw.get("url_env"),
                   headers=tuple((str(k), str(v)) for k, v in headers.items()), smtp_host=raw.get("smtp_host"),
                   smtp_port=raw.get("smtp_port") or 587, starttls=raw.get("starttls", True) is not False,
                   username=raw.get("username"), password_env=raw.get("password_env"), sender=raw.get("from"),
                   to=tuple(raw.get("to") or ()))

    def as_vars(self) -> dict[str, Any]:
        if self.type == "email":
            return {"type": self.type, "name": self.name, "smtp_host": self.smtp_host, "smtp_port": self.smtp_port,
                    "starttls": self.starttls, "username": self.username, "password_env": self.password_env,
                    "from": self.sender, "to": list(self.to)}
        out: dict[str, Any] = {"type": self.type, "name": self.name, "url": self.url, "url_env": self.url_env}
        if self.type == "webhook":
            out["headers"] = dict(self.headers)
        return out


@dataclass(frozen=True)
class KindSettings:
    """The settings of a non-anomaly kind: its severity, and the kind's own keys."""

    severity: str
    unauthorized_severity: str | None = None
    max_age_hours: int | None = None
    enabled: bool | None = None

    def as_vars(self) -> dict[str, Any]:
        return {key: value for key, value in (
            ("severity", self.severity), ("unauthorized_severity", self.unauthorized_severity),
            ("max_age_hours", self.max_age_hours), ("enabled", self.enabled)) if value is not None}


@dataclass(frozen=True)
class Alerts:
    """`alerts`: who may edit rules, each kind's rule and severity, mutes, the dbt tests' severity
    and the delivery destinations."""

    authorized_editors: tuple[str, ...]
    rule_change: KindSettings
    segment_deleted: KindSettings
    population: AnomalyRule
    metrics: MetricRules
    stale_data: KindSettings
    pull_failed: KindSettings
    mutes: tuple[Mute, ...]
    dbt_test_severity: str
    destinations: tuple[AlertDestination, ...]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Alerts:
        metrics = raw["metrics"]
        return cls(
            authorized_editors=tuple(str(e) for e in raw["authorized_editors"]),
            rule_change=KindSettings(**raw["rule_change"]),
            segment_deleted=KindSettings(**raw["segment_deleted"]),
            population=AnomalyRule.from_mapping(raw["population"]),
            metrics=MetricRules(default=AnomalyRule.from_mapping(metrics["default"]),
                                overrides=tuple((name, AnomalyRule.from_mapping(rule))
                                                for name, rule in metrics["overrides"].items())),
            stale_data=KindSettings(**raw["stale_data"]),
            pull_failed=KindSettings(**raw["pull_failed"]),
            mutes=tuple(Mute(until=m["until"], segment=m.get("segment"), kind=m.get("kind"), reason=m.get("reason"))
                        for m in raw["mutes"]),
            dbt_test_severity=raw["dbt_test_severity"],
            destinations=tuple(AlertDestination.from_mapping(d) for d in raw["destinations"]),
        )

    @classmethod
    def default(cls) -> Alerts:
        """Every default (no destinations, no mutes)."""
        return cls.from_mapping(alerts_with_defaults({}))

    def as_vars(self) -> dict[str, Any]:
        return {
            "authorized_editors": list(self.authorized_editors),
            "rule_change": self.rule_change.as_vars(),
            "segment_deleted": self.segment_deleted.as_vars(),
            "population": self.population.as_vars(),
            "metrics": self.metrics.as_vars(),
            "stale_data": self.stale_data.as_vars(),
            "pull_failed": self.pull_failed.as_vars(),
            "mutes": [mute.as_vars() for mute in self.mutes],
            "dbt_test_severity": self.dbt_test_severity,
            "destinations": [d.as_vars() for d in self.destinations],
        }
