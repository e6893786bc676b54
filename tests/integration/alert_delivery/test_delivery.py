"""Alert delivery against real receivers: a local HTTP server (webhook and Slack incoming webhook)
and a local SMTP server with STARTTLS and login, over an alerts mart of the real shape on DuckDB.
Each test asserts exactly what arrived and what the ledger holds."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import duckdb
import pytest

from orchestrate.alerts import destinations_from, open_store, send_new_alerts
from orchestrate.alerts.deliver import AlertDeliveryFailed
from tests.integration.alert_delivery.conftest import FAST, PREFIX, SLACK_PATH, WEBHOOK_PATH
from tests.integration.alert_delivery.mart import STALE_NEXT_DAY, insert_sql
from tests.integration.alert_delivery.servers import SmtpServer, WebhookServer

DAY = "2026-03-02"
AT = datetime(2026, 3, 2, 7, 30, 0)

RULE_PAYLOAD = {
    "alert_id": "a-rule-1", "kind": "rule_change", "severity": "critical", "run_date": DAY, "ps_id": "ps1",
    "segment_id": "101", "segment_name": "High <value> & loyal", "metric_name": None, "observed_value": 410.0,
    "expected_value": 1200.0, "threshold": None,
    "message": "rule of High <value> & loyal changed by mallory (not an authorised editor): population 1200 -> 410",
    "detected_at": "2026-03-02 06:00:00", "updated_by": "mallory", "authorized": False,
    "rule_diff": "- total_spend > 500\n+ total_spend > 5000",
    "revert_command": "segment-analytics rules revert 101 --to-version 1",
}
POP_PAYLOAD = {
    "alert_id": "a-pop-1", "kind": "population_anomaly", "severity": "warning", "run_date": DAY, "ps_id": "ps1",
    "segment_id": "102", "segment_name": "Newsletter", "metric_name": None, "observed_value": 500.0,
    "expected_value": 1000.0, "threshold": 20.0, "message": "population of Newsletter fell 50.0% (1000 -> 500)",
    "detected_at": "2026-03-02 06:00:00",
}
RULE_MRKDWN = (
    "*[critical] rule_change* · *High &lt;value&gt; &amp; loyal (101)*\n"
    "rule of High &lt;value&gt; &amp; loyal changed by mallory (not an authorised editor): population 1200 -&gt; 410\n"
    "edited by mallory (UNAUTHORISED)\n"
    "```- total_spend &gt; 500\n+ total_spend &gt; 5000```\n"
    "undo: `segment-analytics rules revert 101 --to-version 1`"
)
POP_MRKDWN = "*[warning] population_anomaly* · *Newsletter (102)*\npopulation of Newsletter fell 50.0% (1000 -&gt; 500)"
HEADING = "Segment Analytics: 2 new alerts for 2026-03-02, 1 critical"
TEXT = "\n".join([f"*{HEADING}*", "• " + RULE_MRKDWN.replace("\n", "\n   "), "• " + POP_MRKDWN.replace("\n", "\n   ")])
EMAIL_BODY = """Segment Analytics: 2 new alerts for 2026-03-02, 1 critical

[critical] rule_change · High <value> & loyal (101) · run 2026-03-02
    rule of High <value> & loyal changed by mallory (not an authorised editor): population 1200 -> 410
    edited by mallory (UNAUTHORISED)
    rule diff:
      - total_spend > 500
      + total_spend > 5000
    undo: segment-analytics rules revert 101 --to-version 1
    alert id: a-rule-1

[warning] population_anomaly · Newsletter (102) · run 2026-03-02
    population of Newsletter fell 50.0% (1000 -> 500)
    alert id: a-pop-1

Sent by segment-analytics.
"""


def send(target: dict[str, Any], destinations: list[dict[str, Any]], day: str = DAY,
         lines: list[str] | None = None) -> Any:
    with open_store(target, prefix=PREFIX) as store:
        return send_new_alerts(store, destinations_from(destinations), run_date=day, policy=FAST,
                               clock=lambda: AT, say=(lines.append if lines is not None else lambda _: None))


def ledger(target: dict[str, Any]) -> list[tuple[Any, ...]]:
    with duckdb.connect(target["path"], read_only=True) as conn:
        return conn.execute(f"select alert_id, destination, status, attempt, attempted_at, error from "
                            f"{PREFIX}_alert_deliveries order by destination, alert_id, attempt").fetchall()


def delivered(alert_ids: list[str], destination: str, attempt: int = 1) -> list[tuple[Any, ...]]:
    return [(a, destination, "delivered", attempt, AT, None) for a in sorted(alert_ids)]


def test_delivers_to_webhook_slack_and_email_exactly(duck_target: dict, destinations: list, webhook: WebhookServer,
                                                     smtp: SmtpServer) -> None:
    lines: list[str] = []
    report = send(duck_target, destinations, lines=lines)

    assert not report.failed
    hook, = webhook.to(WEBHOOK_PATH)
    assert hook.headers["content-type"] == "application/json"
    assert hook.headers["x-team"] == "growth"
    assert "authorization" not in hook.headers  # never the TD key
    assert hook.body == {"source": "segment-analytics", "run_date": DAY, "text": TEXT,
                         "alerts": [RULE_PAYLOAD, POP_PAYLOAD]}

    slack, = webhook.to(SLACK_PATH)
    assert slack.body == {"text": TEXT, "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": HEADING}},
        {"type": "section", "text": {"type": "mrkdwn", "text": RULE_MRKDWN}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "run 2026-03-02 · alert `a-rule-1`"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": POP_MRKDWN}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "run 2026-03-02 · alert `a-pop-1`"}]},
    ]}

    mail, = smtp.received
    assert mail.tls is True  # STARTTLS happened before the message
    assert smtp.logins == [("alerts@example.com", True)]
    assert mail.mail_from == "alerts@example.com"
    assert mail.rcpt_tos == ["growth@example.com", "cto@example.com"]
    assert mail.message["Subject"] == HEADING
    assert mail.message["From"] == "alerts@example.com"
    assert mail.message["To"] == "growth@example.com, cto@example.com"
    assert mail.message.get_content_type() == "text/plain"
    assert mail.message.get_content().replace("\r\n", "\n") == EMAIL_BODY  # CRLF on the wire

    assert ledger(duck_target) == (delivered(["a-pop-1", "a-rule-1"], "mail-growth")
                                   + delivered(["a-pop-1", "a-rule-1"], "ops-hook")
                                   + delivered(["a-pop-1", "a-rule-1"], "slack-growth"))
    assert lines == [
        "alerts → ops-hook (webhook): 2 delivered, 0 already delivered, 0 failed: ok",
        "alerts → slack-growth (slack): 2 delivered, 0 already delivered, 0 failed: ok",
        "alerts → mail-growth (email): 2 delivered, 0 already delivered, 0 failed: ok",
        "alerts: 1 muted alert(s) not sent",
    ]


def test_muted_alert_is_never_sent(duck_target: dict, destinations: list, webhook: WebhookServer,
                                   smtp: SmtpServer) -> None:
    send(duck_target, destinations)
    sent = [a["alert_id"] for r in webhook.received for a in r.body.get("alerts", [])]
    assert sent == ["a-rule-1", "a-pop-1"]
    assert all("Seasonal" not in str(r.body) for r in webhook.received)
    assert "a-muted-1" not in smtp.received[0].message.get_content()
    assert all(row[0] != "a-muted-1" for row in ledger(duck_target))


def test_rerun_sends_nothing_new(duck_target: dict, destinations: list, webhook: WebhookServer,
                                 smtp: SmtpServer) -> None:
    send(duck_target, destinations)
    before = ledger(duck_target)
    lines: list[str] = []
    report = send(duck_target, destinations, lines=lines)

    assert len(webhook.received) == 2 and len(smtp.received) == 1  # nothing more arrived
    assert ledger(duck_target) == before
    assert [(r.name, r.delivered, r.skipped) for r in report.results] == [
        ("ops-hook", [], 2), ("slack-growth", [], 2), ("mail-growth", [], 2)]
    assert lines[0] == "alerts → ops-hook (webhook): 0 delivered, 2 already delivered, 0 failed: ok"


def test_next_day_sends_only_that_days_alerts(duck_target: dict, destinations: list, webhook: WebhookServer,
                                              smtp: SmtpServer) -> None:
    send(duck_target, destinations)
    with duckdb.connect(duck_target["path"]) as conn:
        conn.execute(insert_sql(f"{PREFIX}_alerts", [STALE_NEXT_DAY]))
    send(duck_target, destinations, day="2026-03-03")
    hook = webhook.to(WEBHOOK_PATH)
    assert [[a["alert_id"] for a in r.body["alerts"]] for r in hook] == [["a-rule-1", "a-pop-1"], ["a-stale-2"]]
    assert smtp.received[1].message["Subject"] == "Segment Analytics: 1 new alert for 2026-03-03"


def test_destination_down_then_up(duck_target: dict, destinations: list, webhook: WebhookServer,
                                  smtp: SmtpServer) -> None:
    webhook.statuses = [500, 500, 500]  # the first destination (ops-hook) answers 500 on every attempt
    report = send(duck_target, destinations)

    assert [r.name for r in report.failed] == ["ops-hook"]
    assert report.failed[0].error == "webhook destination 'ops-hook': POST *** failed after 3 attempt(s) within " \
        "the 20s budget; last problem: HTTP 500: internal error. The service is unavailable or rate-limiting; " \
        "try again later"
    assert len(webhook.to(WEBHOOK_PATH)) == 3  # retried by the policy
    assert len(webhook.to(SLACK_PATH)) == 1 and len(smtp.received) == 1  # the others were not blocked
    failed_rows = [r for r in ledger(duck_target) if r[1] == "ops-hook"]
    assert failed_rows == [(a, "ops-hook", "failed", 1, AT, report.failed[0].error) for a in ("a-pop-1", "a-rule-1")]
    with pytest.raises(AlertDeliveryFailed) as caught:
        report.raise_for_failures()
    assert caught.value.exit_code == 1
    assert "ops-hook" in str(caught.value)

    webhook.received.clear()
    smtp.received.clear()
    report = send(duck_target, destinations)  # the destination is back
    assert not report.failed
    hook, = webhook.to(WEBHOOK_PATH)
    assert [a["alert_id"] for a in hook.body["alerts"]] == ["a-rule-1", "a-pop-1"]
    assert webhook.to(SLACK_PATH) == [] and smtp.received == []  # delivered once, not again
    rows = [r for r in ledger(duck_target) if r[1] == "ops-hook"]
    assert rows == [("a-pop-1", "ops-hook", "failed", 1, AT, report_error(rows)),
                    ("a-pop-1", "ops-hook", "delivered", 2, AT, None),
                    ("a-rule-1", "ops-hook", "failed", 1, AT, report_error(rows)),
                    ("a-rule-1", "ops-hook", "delivered", 2, AT, None)]

    webhook.received.clear()
    send(duck_target, destinations)
    assert webhook.received == []


def report_error(rows: list[tuple[Any, ...]]) -> str:
    return next(r[5] for r in rows if r[2] == "failed")


def test_refused_connection_then_up_next_day(duck_target: dict, destinations: list, webhook: WebhookServer,
                                             smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    down = WebhookServer()  # a port nobody listens on yet
    monkeypatch.setenv("SA_TEST_SLACK_URL", down.url(SLACK_PATH))
    report = send(duck_target, destinations)
    assert [r.name for r in report.failed] == ["slack-growth"]
    assert "ConnectionError" in (report.failed[0].error or "")
    assert [r.name for r in report.results if r.delivered] == ["ops-hook", "mail-growth"]

    down.start()
    try:
        with duckdb.connect(duck_target["path"]) as conn:
            conn.execute(insert_sql(f"{PREFIX}_alerts", [STALE_NEXT_DAY]))
        send(duck_target, destinations, day="2026-03-03")  # yesterday's failed alerts come along
        slack, = down.to(SLACK_PATH)
        assert [b["text"]["text"].split("\n")[0] for b in slack.body["blocks"] if b["type"] == "section"] == [
            "*[critical] rule_change* · *High &lt;value&gt; &amp; loyal (101)*",
            "*[warning] population_anomaly* · *Newsletter (102)*",
            "*[warning] stale_data* · *account*"]
        assert [[a["alert_id"] for a in r.body["alerts"]] for r in webhook.to(WEBHOOK_PATH)] == [
            ["a-rule-1", "a-pop-1"], ["a-stale-2"]]
    finally:
        down.stop()


def test_secrets_never_in_logs_ledger_or_errors(duck_target: dict, destinations: list, webhook: WebhookServer,
                                                smtp: SmtpServer, caplog: pytest.LogCaptureFixture,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = ["Wh00kT0ken", "SlackT0kenXYZ", smtp.password, "hdrT0ken123"]
    destinations[0]["headers"] = {"X-Team": "growth", "Authorization": "Bearer hdrT0ken123"}
    caplog.set_level(logging.DEBUG)
    webhook.statuses = [500, 500, 500, 500, 500, 500]  # webhook and Slack both fail
    down = WebhookServer()
    monkeypatch.setenv("SA_TEST_SLACK_URL", down.url(SLACK_PATH))  # refused: the URL is in the driver's error
    monkeypatch.setenv("SA_TEST_SMTP_PASSWORD", "wrong-" + smtp.password)
    secrets.append("wrong-" + smtp.password)
    lines: list[str] = []
    report = send(duck_target, destinations, lines=lines)
    assert [r.name for r in report.failed] == ["ops-hook", "slack-growth", "mail-growth"]
    assert set(smtp.logins) == {("alerts@example.com", False)}  # refused (smtplib tries each mechanism)
    with pytest.raises(AlertDeliveryFailed) as caught:
        report.raise_for_failures()
    texts = {
        "logs": caplog.text, "said": "\n".join(lines), "exception": str(caught.value),
        "ledger": repr(ledger(duck_target)), "captured": "".join(capsys.readouterr()),
    }
    assert texts["ledger"].count("'failed'") == 6
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {where}"
    assert "retrying POST ***" in texts["logs"]  # the policy logged its retries, URL redacted
    assert webhook.to(WEBHOOK_PATH)[0].headers["authorization"] == "Bearer hdrT0ken123"  # sent, never shown
    # plain header values are no secrets: names and messages stay readable
    assert "slack-growth" in texts["exception"] and "mail-growth" in texts["exception"]
