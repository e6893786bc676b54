"""Validation of `segment_analytics.alerts`: the rules, mutes and destinations, every default filled in.

Defaults, allowed values, patterns and message texts are the one schema's
(orchestrate/config/schema.py); dbt's twin of these checks is `sa_config_alerts` in
macros/config/sa_alerts.sql, which names the same field with the same message for the same mistake.
A destination's secret (a literal `url`) is never quoted in a message.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from orchestrate.config.errors import ConfigProblem
from orchestrate.config.schema import (
    ALERT_DESTINATION_KEYS,
    ALERT_EMAIL_DEFAULTS,
    ALERT_MUTE_KEYS,
    CHOICES,
    DEFAULTS,
    PATTERNS,
    message,
)

_PATTERNS = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}
RULE_KEYS = ("pct_change", "zscore", "min_abs_change", "direction", "severity")
ZSCORE_MINIMUMS = {"training_days": 3, "detection_days": 1}
SEVERITY_KINDS = ("rule_change", "segment_deleted", "stale_data", "pull_failed")


def _matches(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and _PATTERNS[pattern].fullmatch(value) is not None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class _Checker:
    """Collects the problems of one `alerts` mapping."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems

    def add(self, field: str, name: str, **values: Any) -> None:
        self.problems.append(ConfigProblem(f"alerts.{field}" if field else "alerts", message(name, **values)))

    def unknown(self, mapping: dict[str, Any], known: Any, prefix: str) -> None:
        allowed = ", ".join(sorted(known))
        for key in mapping:
            if key not in known:
                self.add(f"{prefix}{key}", "unknown_key", allowed=allowed)

    def choice(self, value: Any, choices: str, field: str) -> None:
        allowed = CHOICES[choices]
        if value not in allowed:
            self.add(field, "choice", value=repr(value), allowed=", ".join(allowed))

    def mapping(self, raw: Any, field: str, name: str) -> dict[str, Any] | None:
        """`raw` when a mapping, {} when left out, else None (and a problem)."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.add(field, name)
            return None
        return raw


def validate_alerts(raw: Any, metric_names: list[str], problems: list[ConfigProblem]) -> dict[str, Any]:
    """`alerts` with every default filled in; problems appended to `problems`."""
    defaults = DEFAULTS["alerts"]
    check = _Checker(problems)
    given = check.mapping(raw, "", "not_a_mapping")
    if given is None:
        return alerts_with_defaults({})
    check.unknown(given, defaults, "")
    out = alerts_with_defaults(given)
    _check_editors(given.get("authorized_editors"), check)
    for kind in SEVERITY_KINDS:
        _check_kind(given.get(kind), kind, check)
    _check_rule(given.get("population"), "population", check)
    _check_metrics(given.get("metrics"), metric_names, check)
    _check_mutes(out["mutes"] if isinstance(given.get("mutes"), list) else given.get("mutes"), check)
    if "dbt_test_severity" in given:
        check.choice(given["dbt_test_severity"], "alerts.dbt_test_severity", "dbt_test_severity")
    out["destinations"] = _check_destinations(given.get("destinations"), check)
    if isinstance(out["authorized_editors"], list):
        out["authorized_editors"] = [str(e) if _is_whole(e) else e for e in out["authorized_editors"]]
    return out


def alerts_with_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """`alerts` key by key over its defaults (macros/config/sa_alerts.sql sa_alerts_with_defaults):
    a rule given in part keeps the defaults for the rest, `zscore: null` turns the z-score off, each
    metrics.overrides entry is a partial rule over metrics.default. Does not validate."""
    defaults = copy.deepcopy(DEFAULTS["alerts"])
    out: dict[str, Any] = {}
    for key in ("authorized_editors", "mutes", "destinations"):
        value = raw.get(key)
        out[key] = copy.deepcopy(value) if isinstance(value, list) else defaults[key]
    out["dbt_test_severity"] = raw.get("dbt_test_severity", defaults["dbt_test_severity"])
    for kind in SEVERITY_KINDS:
        given = raw.get(kind) if isinstance(raw.get(kind), dict) else {}
        out[kind] = {key: given.get(key, default) for key, default in defaults[kind].items()}
    out["population"] = rule_with_defaults(raw.get("population"), defaults["population"])
    metrics = raw.get("metrics") if isinstance(raw.get("metrics"), dict) else {}
    default_rule = rule_with_defaults(metrics.get("default"), defaults["metrics"]["default"])
    overrides = metrics.get("overrides") if isinstance(metrics.get("overrides"), dict) else {}
    out["metrics"] = {"default": default_rule,
                      "overrides": {name: rule_with_defaults(rule, default_rule) for name, rule in overrides.items()}}
    return out


def rule_with_defaults(raw: Any, default: dict[str, Any]) -> dict[str, Any]:
    """One anomaly rule over a full `default` rule."""
    given = raw if isinstance(raw, dict) else {}
    out = {key: copy.deepcopy(given.get(key, default[key])) for key in RULE_KEYS if key != "zscore"}
    z = given.get("zscore")
    if "zscore" not in given or not isinstance(z, dict):
        out["zscore"] = None if "zscore" in given and z is None else copy.deepcopy(default["zscore"])
    else:
        base = default["zscore"] or DEFAULTS["alerts"]["population"]["zscore"]
        out["zscore"] = {key: z.get(key, value) for key, value in base.items()}
    return {key: out[key] for key in RULE_KEYS}


def _check_editors(raw: Any, check: _Checker) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        check.add("authorized_editors", "alerts_list", what="user names or ids")
        return
    for index, editor in enumerate(raw):
        if not (_text(editor) or _is_whole(editor)):
            check.add(f"authorized_editors[{index}]", "alerts_editor", value=repr(editor))


def _check_kind(raw: Any, kind: str, check: _Checker) -> None:
    """rule_change / segment_deleted / stale_data / pull_failed: their own keys and a severity."""
    given = check.mapping(raw, kind, "not_a_mapping")
    if not given:
        return
    defaults = DEFAULTS["alerts"][kind]
    check.unknown(given, defaults, f"{kind}.")
    for key in ("severity", "unauthorized_severity"):
        if key in given and key in defaults:
            check.choice(given[key], "alerts.severity", f"{kind}.{key}")
    if "max_age_hours" in given and not (_is_whole(given["max_age_hours"]) and given["max_age_hours"] >= 1):
        check.add(f"{kind}.max_age_hours", "alerts_hours", value=repr(given["max_age_hours"]))
    if "enabled" in given and not isinstance(given["enabled"], bool):
        check.add(f"{kind}.enabled", "boolean", value=repr(given["enabled"]))


def _check_rule(raw: Any, field: str, check: _Checker) -> None:
    given = check.mapping(raw, field, "alerts_rule")
    if not given:
        return
    check.unknown(given, RULE_KEYS, f"{field}.")
    pct = given.get("pct_change")
    if pct is not None and not (_is_number(pct) and pct > 0):
        check.add(f"{field}.pct_change", "alerts_percent", value=repr(pct))
    if given.get("zscore") is not None:
        _check_zscore(given["zscore"], f"{field}.zscore", check)
    if "min_abs_change" in given and not (_is_number(given["min_abs_change"]) and given["min_abs_change"] >= 0):
        check.add(f"{field}.min_abs_change", "alerts_number", value=repr(given["min_abs_change"]))
    if "direction" in given:
        check.choice(given["direction"], "alerts.direction", f"{field}.direction")
    if "severity" in given:
        check.choice(given["severity"], "alerts.severity", f"{field}.severity")


def _check_zscore(raw: Any, field: str, check: _Checker) -> None:
    if not isinstance(raw, dict):
        check.add(field, "alerts_zscore")
        return
    check.unknown(raw, DEFAULTS["alerts"]["population"]["zscore"], f"{field}.")
    if "sensitivity" in raw and not (_is_number(raw["sensitivity"]) and raw["sensitivity"] > 0):
        check.add(f"{field}.sensitivity", "alerts_sensitivity", value=repr(raw["sensitivity"]))
    for key, minimum in ZSCORE_MINIMUMS.items():
        if key in raw and not (_is_whole(raw[key]) and raw[key] >= minimum):
            check.add(f"{field}.{key}", "alerts_days", value=repr(raw[key]), minimum=minimum)
    if "seasonality" in raw:
        check.choice(raw["seasonality"], "alerts.seasonality", f"{field}.seasonality")


def _check_metrics(raw: Any, metric_names: list[str], check: _Checker) -> None:
    given = check.mapping(raw, "metrics", "not_a_mapping")
    if not given:
        return
    check.unknown(given, DEFAULTS["alerts"]["metrics"], "metrics.")
    _check_rule(given.get("default"), "metrics.default", check)
    overrides = given.get("overrides")
    if overrides is None:
        return
    if not isinstance(overrides, dict):
        check.add("metrics.overrides", "alerts_overrides")
        return
    for name, rule in overrides.items():
        if metric_names and name not in metric_names:
            check.add(f"metrics.overrides.{name}", "alerts_unknown_metric", value=repr(name),
                      allowed=", ".join(metric_names))
        _check_rule(rule, f"metrics.overrides.{name}", check)


def _check_mutes(raw: Any, check: _Checker) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        check.add("mutes", "alerts_list", what="mutes {segment, kind, until: YYYY-MM-DD, reason}")
        return
    for index, mute in enumerate(raw):
        where = f"mutes[{index}]"
        if not isinstance(mute, dict):
            check.add(where, "alerts_mute")
            continue
        check.unknown(mute, ALERT_MUTE_KEYS, f"{where}.")
        segment = mute.get("segment")
        if segment is not None and not (_text(segment) or _is_whole(segment)):
            check.add(f"{where}.segment", "alerts_text", value=repr(segment))
        if mute.get("kind") is not None:
            check.choice(mute["kind"], "alerts.kind", f"{where}.kind")
        if mute.get("reason") is not None and not isinstance(mute["reason"], str):
            check.add(f"{where}.reason", "alerts_text", value=repr(mute["reason"]))
        until = mute.get("until")
        if until is None:
            check.add(f"{where}.until", "required")
        else:
            _check_date(until, f"{where}.until", check)
            if isinstance(until, date):
                mute["until"] = until.isoformat()
        if _is_whole(segment):
            mute["segment"] = str(segment)


def _check_date(value: Any, field: str, check: _Checker) -> None:
    text = value.isoformat() if isinstance(value, date) else value
    if not _matches("date", text):
        check.add(field, "not_a_date", value=repr(value))
        return
    try:
        date.fromisoformat(text)
    except ValueError:
        check.add(field, "not_a_calendar_date", value=repr(value))


def _check_destinations(raw: Any, check: _Checker) -> list[dict[str, Any]]:
    """The destinations, each with its name (default `<type>-<n>`, n counted from 1) and, for
    e-mail, smtp_port and starttls filled in."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        check.add("destinations", "alerts_list", what="destinations {type: webhook | slack | email, ...}")
        return []
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = f"destinations[{index}]"
        if not isinstance(item, dict) or item.get("type") not in ALERT_DESTINATION_KEYS:
            if isinstance(item, dict) and "type" in item:
                check.choice(item["type"], "alerts.destinations.type", f"{where}.type")
            else:
                check.add(where, "alerts_destination")
            continue
        kind = item["type"]
        check.unknown(item, ALERT_DESTINATION_KEYS[kind], f"{where}.")
        destination = {key: item.get(key) for key in ALERT_DESTINATION_KEYS[kind]}
        name = item.get("name")
        if name is None:
            destination["name"] = f"{kind}-{index + 1}"
        elif not _text(name):
            check.add(f"{where}.name", "alerts_text", value=repr(name))
        elif name in seen:
            check.add(f"{where}.name", "alerts_duplicate_name", value=repr(name), first=seen[name])
        else:
            seen[name] = index
        if kind == "email":
            _check_email(destination, where, check)
        else:
            _check_url(destination, where, check)
        out.append(destination)
    return out


def _check_url(destination: dict[str, Any], where: str, check: _Checker) -> None:
    url, url_env = destination.get("url"), destination.get("url_env")
    if (url is None) == (url_env is None):
        check.add(f"{where}.url", "alerts_url_one")
    elif url is not None and not _matches("url", url):
        check.add(f"{where}.url", "alerts_url")
    elif url_env is not None and not _matches("env_name", url_env):
        check.add(f"{where}.url_env", "alerts_env", value=repr(url_env))
    if "headers" in destination:
        headers = destination["headers"]
        if headers is None:
            destination["headers"] = {}
        elif not (isinstance(headers, dict) and all(_text(k) and isinstance(v, str) for k, v in headers.items())):
            check.add(f"{where}.headers", "alerts_headers")


def _check_email(destination: dict[str, Any], where: str, check: _Checker) -> None:
    for key, default in ALERT_EMAIL_DEFAULTS.items():
        if destination.get(key) is None:
            destination[key] = default
    for key in ("smtp_host", "from", "to"):
        if destination.get(key) is None:
            check.add(f"{where}.{key}", "required")
    host = destination.get("smtp_host")
    if host is not None and not _text(host):
        check.add(f"{where}.smtp_host", "alerts_text", value=repr(host))
    port = destination["smtp_port"]
    if not (_is_whole(port) and 1 <= port <= 65535):
        check.add(f"{where}.smtp_port", "alerts_port", value=repr(port))
    if not isinstance(destination["starttls"], bool):
        check.add(f"{where}.starttls", "boolean", value=repr(destination["starttls"]))
    username = destination.get("username")
    if username is not None and not _text(username):
        check.add(f"{where}.username", "alerts_text", value=repr(username))
    password_env = destination.get("password_env")
    if password_env is not None and not _matches("env_name", password_env):
        check.add(f"{where}.password_env", "alerts_env", value=repr(password_env))
    sender = destination.get("from")
    if sender is not None and not _matches("email", sender):
        check.add(f"{where}.from", "alerts_email", value=repr(sender))
    to = destination.get("to")
    if to is not None:
        if not (isinstance(to, list) and to):
            check.add(f"{where}.to", "alerts_to")
        else:
            for position, address in enumerate(to):
                if not _matches("email", address):
                    check.add(f"{where}.to[{position}]", "alerts_email", value=repr(address))
