"""Alert delivery without servers: reading destinations, what is pending, Slack limits, the CLI."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orchestrate import cli
from orchestrate.alerts.deliver import pending
from orchestrate.alerts.destinations import DestinationProblem, destinations_from
from orchestrate.alerts.payloads import SLACK_SECTION_CHARS, slack_message
from orchestrate.alerts.records import Alert, Delivery
from orchestrate.http import redact


def alert(alert_id: str, run_date: str = "2026-03-02", *, muted: bool = False, message: str = "m") -> Alert:
    return Alert(alert_id=alert_id, run_date=run_date, kind="population_anomaly", severity="warning",
                 segment_id="1", segment_name="S", message=message, muted=muted)


def test_destinations_from_mappings_typed_config_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [{"type": "webhook", "url": "https://hooks.example.com/path/S3cretPath?token=abcdef123"},
             {"type": "slack", "name": "team", "url_env": "SA_UNIT_SLACK"},
             {"type": "email", "smtp_host": "mail", "from": "a@example.com", "to": "b@example.com"}]
    found = destinations_from({"alerts": {"destinations": items}})
    assert [(d.type, d.name) for d in found] == [("webhook", "webhook-1"), ("slack", "team"), ("email", "email-3")]
    assert found[2].to == ("b@example.com",) and found[2].smtp_port == 587 and found[2].starttls is True
    # a literal URL is a secret from the moment it is read: its path and query are redacted too
    assert redact("POST /path/S3cretPath?token=abcdef123 failed") == "POST *** failed"
    typed = SimpleNamespace(alerts=SimpleNamespace(destinations=(SimpleNamespace(type="slack", name="x",
                                                                                 url_env="SA_UNIT_SLACK"),)))
    assert [d.name for d in destinations_from(typed)] == ["x"]
    assert destinations_from(SimpleNamespace()) == ()
    monkeypatch.delenv("SA_UNIT_SLACK", raising=False)
    with pytest.raises(DestinationProblem, match="environment variable SA_UNIT_SLACK .* is not set"):
        found[1].resolved_url()


def test_pending_skips_muted_delivered_and_old_alerts_unless_they_failed() -> None:
    alerts = [alert("today"), alert("muted", muted=True), alert("done"), alert("old-failed", "2026-03-01"),
              alert("old-never", "2026-03-01"), alert("other-dest", "2026-03-01")]
    history = [Delivery("done", "hook", "delivered", 1, "t"), Delivery("old-failed", "hook", "failed", 1, "t"),
               Delivery("other-dest", "mail", "failed", 1, "t")]
    assert [a.alert_id for a in pending(alerts, history, "hook", "2026-03-02")] == ["today", "old-failed"]
    assert [a.alert_id for a in pending(alerts, history, "mail", "2026-03-02")] == ["today", "done", "other-dest"]


def test_slack_message_keeps_block_kit_limits() -> None:
    message = slack_message([alert("a", message="x" * 5000)])
    section = message["blocks"][1]
    assert section["type"] == "section" and len(section["text"]["text"]) == SLACK_SECTION_CHARS
    assert section["text"]["text"].endswith("…")


def test_cli_parses_alerts_list_and_send() -> None:
    parser = cli.build_parser()
    listed = parser.parse_args(["alerts", "--run-date", "2026-03-02", "--json"])
    assert (listed.func.__name__, listed.run_date, listed.json) == ("cmd_alerts", "2026-03-02", True)
    sent = parser.parse_args(["alerts", "send", "--run-date", "2026-03-02"])
    assert (sent.func.__name__, sent.alerts_command, sent.run_date) == ("cmd_alerts_send", "send", "2026-03-02")


def test_alerts_text_listing_shows_muted_and_delivery_state() -> None:
    from orchestrate.alerts.destinations import Destination
    from orchestrate.alerts.listing import as_text, delivery_state

    muted = alert("m", muted=True, message="fell 90%")
    sent = alert("s", message="fell 50%\nsecond line")
    history = [Delivery("s", "hook", "failed", 1, "t1"), Delivery("s", "hook", "delivered", 2, "t2"),
               Delivery("s", "mail", "failed", 1, "t1")]
    destinations = [Destination(type="webhook", name="hook"), Destination(type="email", name="mail"),
                    Destination(type="slack", name="chat")]
    assert delivery_state(sent, history, destinations) == {
        "hook": {"status": "delivered", "attempt": 2, "attempted_at": "t2", "error": None},
        "mail": {"status": "failed", "attempt": 1, "attempted_at": "t1", "error": None},
        "chat": {"status": "pending", "attempt": 0, "attempted_at": None, "error": None}}
    items = [{**a.as_payload(), "muted": a.muted, "muted_until": "2026-04-01" if a.muted else None,
              "deliveries": delivery_state(a, history, destinations)} for a in (sent, muted)]
    assert as_text(items, "2026-03-02") == "\n".join([
        "2026-03-02  warning  population_anomaly S",
        "    fell 50%",
        "    second line",
        "    delivery: hook delivered, mail failed, chat pending",
        "2026-03-02  warning  population_anomaly S · muted until 2026-04-01",
        "    fell 90%",
        "    delivery: hook muted, mail muted, chat muted",
    ])
    assert as_text([], "2026-03-02") == "no alerts for 2026-03-02"
