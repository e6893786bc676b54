"""What each destination receives: the webhook JSON, the Slack Block Kit message, the e-mail.

All three carry the same content: a heading (how many new alerts, for which run date) and, per
alert, its severity, kind, segment, message, and for a rule change the editor, whether the edit was
authorised and the command that undoes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from orchestrate.alerts.records import Alert

SOURCE = "segment-analytics"
SLACK_SECTION_CHARS = 3000  # Block Kit: a section's text
SLACK_HEADER_CHARS = 150  # Block Kit: a header's plain text


def _run_dates(alerts: Sequence[Alert]) -> str:
    days = sorted({a.run_date for a in alerts})
    return days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}" if days else ""


def heading(alerts: Sequence[Alert]) -> str:
    count = len(alerts)
    critical = sum(a.severity == "critical" for a in alerts)
    extra = f", {critical} critical" if critical else ""
    return f"Segment Analytics: {count} new alert{'s' if count != 1 else ''} for {_run_dates(alerts)}{extra}"


def _segment(alert: Alert) -> str:
    if alert.segment_name and alert.segment_id:
        return f"{alert.segment_name} ({alert.segment_id})"
    return alert.segment_name or alert.segment_id or (f"parent segment {alert.ps_id}" if alert.ps_id else "account")


def _editor(alert: Alert) -> str | None:
    if alert.kind != "rule_change":
        return None
    who = alert.updated_by or "unknown editor"
    verdict = {True: "authorised", False: "UNAUTHORISED", None: "not checked"}[alert.authorized]
    return f"edited by {who} ({verdict})"


def mrkdwn_escape(text: str) -> str:
    """Slack mrkdwn control characters (&, <, >) escaped, so names and messages show as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _alert_mrkdwn(alert: Alert) -> str:
    head = f"*[{alert.severity}] {alert.kind}* · *{mrkdwn_escape(_segment(alert))}*"
    lines = [head, mrkdwn_escape(alert.message)]
    editor = _editor(alert)
    if editor:
        lines.append(mrkdwn_escape(editor))
    if alert.kind == "rule_change" and alert.rule_diff:
        lines.append(f"```{mrkdwn_escape(alert.rule_diff)}```")
    if alert.revert_command:
        lines.append(f"undo: `{mrkdwn_escape(alert.revert_command)}`")
    return "\n".join(line for line in lines if line)


def summary_text(alerts: Sequence[Alert]) -> str:
    """A readable summary in Slack-compatible mrkdwn (the webhook's `text`, Slack's fallback)."""
    items = [f"*{mrkdwn_escape(heading(alerts))}*"]
    for alert in alerts:
        items.append("• " + _alert_mrkdwn(alert).replace("\n", "\n   "))
    return "\n".join(items)


def webhook_body(alerts: Sequence[Alert]) -> dict[str, Any]:
    """The JSON POSTed to a webhook: `text` and `alerts`."""
    return {"source": SOURCE, "run_date": _run_dates(alerts), "text": summary_text(alerts),
            "alerts": [a.as_payload() for a in alerts]}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_message(alerts: Sequence[Alert]) -> dict[str, Any]:
    """A Slack incoming-webhook message: a header, a section per alert (a context line with the
    alert id), and `text` as the notification fallback."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(heading(alerts), SLACK_HEADER_CHARS)}},
    ]
    for alert in alerts:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": _clip(_alert_mrkdwn(alert), SLACK_SECTION_CHARS)}})
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"run {alert.run_date} · alert `{alert.alert_id}`"}]})
    return {"text": _clip(summary_text(alerts), 3000), "blocks": blocks}


def email_text(alerts: Sequence[Alert]) -> str:
    """The plain-text body of the e-mail."""
    lines = [heading(alerts), ""]
    for alert in alerts:
        lines.append(f"[{alert.severity}] {alert.kind} · {_segment(alert)} · run {alert.run_date}")
        lines.extend(f"    {line}" for line in alert.message.splitlines() or [""])
        editor = _editor(alert)
        if editor:
            lines.append(f"    {editor}")
        if alert.kind == "rule_change" and alert.rule_diff:
            lines.append("    rule diff:")
            lines.extend(f"      {line}" for line in alert.rule_diff.splitlines())
        if alert.revert_command:
            lines.append(f"    undo: {alert.revert_command}")
        lines.append(f"    alert id: {alert.alert_id}")
        lines.append("")
    lines.append(f"Sent by {SOURCE}.")
    return "\n".join(lines) + "\n"


def email_message(alerts: Sequence[Alert], *, sender: str, to: Sequence[str]) -> EmailMessage:
    """One message listing the alerts (plain text, UTF-8)."""
    message = EmailMessage()
    message["Subject"] = heading(alerts)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    message.set_content(email_text(alerts))
    return message
