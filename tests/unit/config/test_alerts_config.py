"""`segment_analytics.alerts`: defaults key by key, the typed configuration, and every validation
message naming its field (dbt's twin: tests/integration/dbt/test_alerts_config_validation.py)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrate.config import ConfigError, validate_config
from orchestrate.config.alerts_model import AlertDestination, AnomalyRule, Mute, ZScore
from orchestrate.config.schema import message
from tests.fixtures.dbt_project import fixture_config


def problems(alerts: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        validate_config(fixture_config(alerts=alerts))
    return [(p.field, p.message) for p in caught.value.problems]


def test_defaults() -> None:
    alerts = validate_config(fixture_config()).alerts
    assert alerts.authorized_editors == ()
    assert alerts.population == AnomalyRule(pct_change=30, zscore=ZScore(3, 14, 2, "none"), min_abs_change=10,
                                            direction="both", severity="warning")
    assert alerts.metrics.default == AnomalyRule(pct_change=None, zscore=ZScore(3, 14, 2, "none"), min_abs_change=0,
                                                 direction="both", severity="warning")
    assert alerts.rule_change.severity == "warning"
    assert alerts.rule_change.unauthorized_severity == "critical"
    assert alerts.stale_data.max_age_hours == 36
    assert alerts.pull_failed.enabled is True
    assert alerts.pull_failed.severity == "critical"
    assert alerts.dbt_test_severity == "warn"
    assert alerts.mutes == ()
    assert alerts.destinations == ()


def test_partial_rules_keep_the_other_defaults_and_overrides_sit_on_the_metric_default() -> None:
    alerts = validate_config(fixture_config(alerts={
        "population": {"zscore": {"seasonality": "day_of_week"}, "direction": "drop"},
        "metrics": {"default": {"pct_change": 50, "zscore": None},
                    "overrides": {"orders": {"min_abs_change": 5}}},
    })).alerts
    assert alerts.population == AnomalyRule(pct_change=30, zscore=ZScore(3, 14, 2, "day_of_week"),
                                            min_abs_change=10, direction="drop", severity="warning")
    assert alerts.metrics.default == AnomalyRule(pct_change=50, zscore=None, min_abs_change=0, direction="both",
                                                 severity="warning")
    assert alerts.metrics.rule_for("orders") == AnomalyRule(pct_change=50, zscore=None, min_abs_change=5,
                                                            direction="both", severity="warning")
    assert alerts.metrics.rule_for("revenue") == alerts.metrics.default


def test_destinations_mutes_and_editors_are_normalised() -> None:
    cfg = validate_config(fixture_config(alerts={
        "authorized_editors": ["Alice", 1234],
        "mutes": [{"segment": 800001, "until": "2026-06-01"}, {"kind": "stale_data", "until": "2026-06-02",
                                                              "reason": "migration"}],
        "destinations": [
            {"type": "webhook", "url_env": "HOOK_URL", "headers": {"X-Team": "growth"}},
            {"type": "slack", "name": "team", "url": "https://hooks.example.test/abc"},
            {"type": "email", "smtp_host": "localhost", "from": "a@example.test", "to": ["b@example.test"]},
        ],
    }))
    alerts = cfg.alerts
    assert alerts.authorized_editors == ("Alice", "1234")
    assert alerts.mutes == (Mute(until="2026-06-01", segment="800001"),
                            Mute(until="2026-06-02", kind="stale_data", reason="migration"))
    assert alerts.destinations == (
        AlertDestination(type="webhook", name="webhook-1", url_env="HOOK_URL", headers=(("X-Team", "growth"),)),
        AlertDestination(type="slack", name="team", url="https://hooks.example.test/abc"),
        AlertDestination(type="email", name="email-3", smtp_host="localhost", smtp_port=587, starttls=True,
                         sender="a@example.test", to=("b@example.test",)),
    )
    # the typed configuration gives back the mapping it was built from
    assert validate_config(cfg.as_vars()).as_vars() == cfg.as_vars()
    assert cfg.as_vars()["alerts"]["destinations"][2]["from"] == "a@example.test"


# One bad `alerts` value per case and the exact problems, in order (dbt gives the same list).
MISTAKES: list[tuple[Any, list[tuple[str, str]]]] = [
    ("on", [("alerts", message("not_a_mapping"))]),
    ({"colour": 1}, [("alerts.colour", message("unknown_key", allowed=(
        "authorized_editors, dbt_test_severity, destinations, metrics, mutes, population, pull_failed, "
        "rule_change, segment_deleted, stale_data")))]),
    ({"authorized_editors": "alice"}, [
        ("alerts.authorized_editors", message("alerts_list", what="user names or ids"))]),
    ({"authorized_editors": ["ok", " ", None]}, [
        ("alerts.authorized_editors[1]", message("alerts_editor", value="' '")),
        ("alerts.authorized_editors[2]", message("alerts_editor", value="None"))]),
    ({"rule_change": "loud"}, [("alerts.rule_change", message("not_a_mapping"))]),
    ({"rule_change": {"severity": "high", "unauthorized_severity": "info", "x": 1}}, [
        ("alerts.rule_change.x", message("unknown_key", allowed="severity, unauthorized_severity")),
        ("alerts.rule_change.severity", message("choice", value="'high'", allowed="info, warning, critical"))]),
    ({"stale_data": {"max_age_hours": 0}}, [("alerts.stale_data.max_age_hours", message("alerts_hours", value="0"))]),
    ({"pull_failed": {"enabled": "yes"}}, [("alerts.pull_failed.enabled", message("boolean", value="'yes'"))]),
    ({"population": 30}, [("alerts.population", message("alerts_rule"))]),
    ({"population": {"pct_change": 0, "min_abs_change": -1, "direction": "up", "severity": "loud", "x": 1}}, [
        ("alerts.population.x", message("unknown_key",
                                        allowed="direction, min_abs_change, pct_change, severity, zscore")),
        ("alerts.population.pct_change", message("alerts_percent", value="0")),
        ("alerts.population.min_abs_change", message("alerts_number", value="-1")),
        ("alerts.population.direction", message("choice", value="'up'", allowed="spike, drop, both")),
        ("alerts.population.severity", message("choice", value="'loud'", allowed="info, warning, critical"))]),
    ({"population": {"pct_change": True}}, [("alerts.population.pct_change", message("alerts_percent", value="True"))]),
    ({"population": {"zscore": 3}}, [("alerts.population.zscore", message("alerts_zscore"))]),
    ({"population": {"zscore": {"sensitivity": 0, "training_days": 2, "detection_days": 1.5,
                                "seasonality": "weekly"}}}, [
        ("alerts.population.zscore.sensitivity", message("alerts_sensitivity", value="0")),
        ("alerts.population.zscore.training_days", message("alerts_days", value="2", minimum=3)),
        ("alerts.population.zscore.detection_days", message("alerts_days", value="1.5", minimum=1)),
        ("alerts.population.zscore.seasonality", message("choice", value="'weekly'",
                                                         allowed="none, day_of_week"))]),
    ({"metrics": []}, [("alerts.metrics", message("not_a_mapping"))]),
    ({"metrics": {"overrides": ["orders"]}}, [("alerts.metrics.overrides", message("alerts_overrides"))]),
    ({"metrics": {"default": {"direction": "sideways"}, "overrides": {"refunds": {"pct_change": 10}}}}, [
        ("alerts.metrics.default.direction", message("choice", value="'sideways'", allowed="spike, drop, both")),
        ("alerts.metrics.overrides.refunds", message("alerts_unknown_metric", value="'refunds'", allowed=(
            "orders, revenue, avg_order, max_items, pageviews, ad_clicks, distinct_urls, email_sends, email_opens")))]),
    ({"mutes": {"segment": "x"}}, [("alerts.mutes", message(
        "alerts_list", what="mutes {segment, kind, until: YYYY-MM-DD, reason}"))]),
    ({"mutes": ["x", {"segment": "", "kind": "everything", "reason": 5, "until": "2026-02-30", "for": 1},
               {"segment": "VIP"}, {"until": "tomorrow"}]}, [
        ("alerts.mutes[0]", message("alerts_mute")),
        ("alerts.mutes[1].for", message("unknown_key", allowed="kind, reason, segment, until")),
        ("alerts.mutes[1].segment", message("alerts_text", value="''")),
        ("alerts.mutes[1].kind", message("choice", value="'everything'", allowed=(
            "rule_change, segment_deleted, population_anomaly, metric_anomaly, stale_data, pull_failed"))),
        ("alerts.mutes[1].reason", message("alerts_text", value="5")),
        ("alerts.mutes[1].until", message("not_a_calendar_date", value="'2026-02-30'")),
        ("alerts.mutes[2].until", message("required")),
        ("alerts.mutes[3].until", message("not_a_date", value="'tomorrow'"))]),
    ({"dbt_test_severity": "fatal"}, [("alerts.dbt_test_severity", message("choice", value="'fatal'",
                                                                          allowed="warn, error"))]),
    ({"destinations": {"type": "slack"}}, [("alerts.destinations", message(
        "alerts_list", what="destinations {type: webhook | slack | email, ...}"))]),
    ({"destinations": ["x", {"url": "https://a.test/x"}, {"type": "pager"}]}, [
        ("alerts.destinations[0]", message("alerts_destination")),
        ("alerts.destinations[1]", message("alerts_destination")),
        ("alerts.destinations[2].type", message("choice", value="'pager'", allowed="webhook, slack, email"))]),
    ({"destinations": [{"type": "webhook"}, {"type": "slack", "url": "https://a.test/x", "url_env": "X"},
                       {"type": "webhook", "url": "ftp://secret-token", "headers": {"X": 1}},
                       {"type": "slack", "url_env": "not-a-name", "headers": {}}]}, [
        ("alerts.destinations[0].url", message("alerts_url_one")),
        ("alerts.destinations[1].url", message("alerts_url_one")),
        ("alerts.destinations[2].url", message("alerts_url")),
        ("alerts.destinations[2].headers", message("alerts_headers")),
        ("alerts.destinations[3].headers", message("unknown_key", allowed="name, type, url, url_env")),
        ("alerts.destinations[3].url_env", message("alerts_env", value="'not-a-name'"))]),
    ({"destinations": [{"type": "slack", "name": "a", "url_env": "A"}, {"type": "slack", "name": "a", "url_env": "B"},
                       {"type": "slack", "name": " ", "url_env": "C"}]}, [
        ("alerts.destinations[1].name", message("alerts_duplicate_name", value="'a'", first=0)),
        ("alerts.destinations[2].name", message("alerts_text", value="' '"))]),
    ({"destinations": [{"type": "email"}]}, [
        ("alerts.destinations[0].smtp_host", message("required")),
        ("alerts.destinations[0].from", message("required")),
        ("alerts.destinations[0].to", message("required"))]),
    ({"destinations": [{"type": "email", "smtp_host": " ", "smtp_port": 70000, "starttls": "yes", "username": "",
                        "password_env": "PASS WORD", "from": "nobody", "to": ["ok@example.test", "bad"]}]}, [
        ("alerts.destinations[0].smtp_host", message("alerts_text", value="' '")),
        ("alerts.destinations[0].smtp_port", message("alerts_port", value="70000")),
        ("alerts.destinations[0].starttls", message("boolean", value="'yes'")),
        ("alerts.destinations[0].username", message("alerts_text", value="''")),
        ("alerts.destinations[0].password_env", message("alerts_env", value="'PASS WORD'")),
        ("alerts.destinations[0].from", message("alerts_email", value="'nobody'")),
        ("alerts.destinations[0].to[1]", message("alerts_email", value="'bad'"))]),
    ({"destinations": [{"type": "email", "smtp_host": "h", "from": "a@b.test", "to": []}]}, [
        ("alerts.destinations[0].to", message("alerts_to"))]),
]


@pytest.mark.parametrize(("alerts", "expected"), MISTAKES)
def test_every_mistake_is_named(alerts: Any, expected: list[tuple[str, str]]) -> None:
    assert problems(alerts) == expected


def test_a_literal_url_never_appears_in_a_message() -> None:
    found = problems({"destinations": [{"type": "webhook", "url": "hxxps://hooks.test/T000/B000/sEcReT"}]})
    assert found == [("alerts.destinations[0].url", message("alerts_url"))]
    assert not any("sEcReT" in text for _, text in found)
