"""Send one batch of alerts to one destination: webhook and Slack over the project's HTTP policy
(orchestrate/http.py: timeouts, retries with back-off, redaction), e-mail over SMTP with STARTTLS.

Each sender raises `SendFailed` with a message that names the destination and never its URL, token
or password (they are registered secrets; the message is redacted as well).
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from orchestrate.alerts.destinations import Destination, DestinationProblem
from orchestrate.alerts.payloads import email_message, slack_message, webhook_body
from orchestrate.alerts.records import Alert
from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http import ApiError, HttpClient, HttpPolicy, backoff_delay, redact

# Webhooks are not the TD API: fewer attempts, a shorter budget, no rate cap worth the name.
ALERT_HTTP_POLICY = HttpPolicy(connect_timeout=10.0, read_timeout=30.0, request_timeout=60.0, max_attempts=4,
                               backoff_base=1.0, backoff_max=10.0, total_timeout=120.0, requests_per_second=5.0,
                               max_in_flight=2, max_response_bytes=1024**2)
SLACK_ALERTS_PER_MESSAGE = 20  # 2 blocks each, under Block Kit's 50 blocks per message
WEBHOOK_ALERTS_PER_POST = 100


class SendFailed(SegmentAnalyticsError, RuntimeError):
    """A destination did not take the alerts (after the retries of its policy)."""


class _RedactFilter(logging.Filter):
    """Redacts a record before it is emitted: urllib3 logs each request line (with the URL's path,
    which holds a webhook's token) at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, ()
        return True


_URLLIB3_FILTER = _RedactFilter()


def _guard_driver_logs() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logger = logging.getLogger(name)
        if _URLLIB3_FILTER not in logger.filters:
            logger.addFilter(_URLLIB3_FILTER)


class WebhookHttp(HttpClient):
    """The HTTP policy for one webhook URL: no Treasure Data credentials are sent, the URL itself is
    the secret (redacted like the API key), and any 2xx answer (Slack says `ok`) is a success."""

    def __init__(self, url: str, *, headers: Mapping[str, str] | None = None, policy: HttpPolicy | None = None,
                 seed: int | None = None) -> None:
        _guard_driver_logs()
        super().__init__(url, url, policy=policy or ALERT_HTTP_POLICY, region="webhook", seed=seed)
        self._path = url[len(self.base_url):]  # a trailing "/" of the URL is kept
        self._extra_headers = dict(headers or {})

    def _headers(self, media_type: str, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "*/*", "User-Agent": self.user_agent, **self._extra_headers}
        if has_body:
            headers["Content-Type"] = media_type
        return headers

    def _exchange(self, *args: Any, **kwargs: Any) -> tuple[int, Mapping[str, str], bytes, str]:
        status, headers, raw, url = super()._exchange(*args, **kwargs)
        return status, headers, (b"" if 200 <= status < 300 else raw), url

    def post(self, body: Any, *, what: str) -> None:
        # A webhook POST is re-sent after a 5xx or a dropped answer: the body carries each alert_id,
        # so a receiver can drop a repeat; losing an alert is worse than showing it twice.
        self.request("POST", self._path, json_body=body, what=what, idempotent=True)


def _http_failure(destination: Destination, exc: ApiError) -> SendFailed:
    if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
        why = f"HTTP {exc.status}: the URL or its headers were refused (check `url_env` / `headers`)"
    else:
        why = redact(exc)
    return SendFailed(redact(f"{destination.type} destination {destination.name!r}: {why}"))


def _post_batches(destination: Destination, batches: Sequence[tuple[Sequence[Alert], Any]],
                  policy: HttpPolicy | None, on_sent: Any) -> None:
    try:
        url = destination.resolved_url()
    except DestinationProblem as exc:
        raise SendFailed(str(exc)) from None
    if urlsplit(url).scheme not in {"http", "https"}:
        raise SendFailed(f"{destination.type} destination {destination.name!r}: the URL is not http(s)")
    client = WebhookHttp(url, headers=dict(destination.headers), policy=policy)
    for alerts, body in batches:
        try:
            client.post(body, what=f"{destination.type} {destination.name}")
        except ApiError as exc:
            raise _http_failure(destination, exc) from None
        on_sent(alerts)


def _batches(alerts: Sequence[Alert], size: int) -> list[Sequence[Alert]]:
    return [alerts[i:i + size] for i in range(0, len(alerts), size)]


def send_webhook(destination: Destination, alerts: Sequence[Alert], *, on_sent: Any,
                 policy: HttpPolicy | None = None) -> None:
    """POST `webhook_body` (in batches of 100 alerts); `on_sent(batch)` after each success."""
    _post_batches(destination, [(b, webhook_body(b)) for b in _batches(alerts, WEBHOOK_ALERTS_PER_POST)],
                  policy, on_sent)


def send_slack(destination: Destination, alerts: Sequence[Alert], *, on_sent: Any,
               policy: HttpPolicy | None = None) -> None:
    """POST `slack_message` to an incoming webhook (20 alerts per message)."""
    _post_batches(destination, [(b, slack_message(b)) for b in _batches(alerts, SLACK_ALERTS_PER_MESSAGE)],
                  policy, on_sent)


_TRANSIENT_SMTP = (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


def send_email(destination: Destination, alerts: Sequence[Alert], *, on_sent: Any,
               policy: HttpPolicy | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
    """One message listing the alerts over SMTP (STARTTLS unless `starttls: false`), retried with
    the policy's attempts and back-off when the server cannot be reached or answers 4xx."""
    policy = policy or ALERT_HTTP_POLICY
    where = f"email destination {destination.name!r}"
    try:
        password = destination.resolved_password()
    except DestinationProblem as exc:
        raise SendFailed(str(exc)) from None
    if not destination.smtp_host or not destination.sender or not destination.to:
        raise SendFailed(f"{where}: smtp_host, from and to are required")
    if password and not destination.starttls:
        raise SendFailed(f"{where}: a password is never sent without STARTTLS (set `starttls: true`)")
    message = email_message(alerts, sender=destination.sender, to=destination.to)
    rng = random.Random()
    attempt = 0
    while True:
        attempt += 1
        try:
            _smtp_send(destination, message, password, policy, ssl_context)
            break
        except smtplib.SMTPAuthenticationError:
            raise SendFailed(f"{where}: the SMTP server refused the login of {destination.username!r} "
                             f"(check username and {destination.password_env})") from None
        except smtplib.SMTPNotSupportedError:
            raise SendFailed(f"{where}: the server does not offer STARTTLS; the password is never "
                             "sent in clear (use a server with STARTTLS)") from None
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            code = getattr(exc, "smtp_code", None)
            if not (isinstance(code, int) and 400 <= code < 500) or attempt >= policy.max_attempts:
                raise SendFailed(redact(f"{where}: the SMTP server refused the message ({_smtp_reason(exc)})")) \
                    from None
        except (*_TRANSIENT_SMTP, OSError, ssl.SSLError) as exc:
            if isinstance(exc, ssl.SSLCertVerificationError) or attempt >= policy.max_attempts:
                raise SendFailed(redact(f"{where}: {type(exc).__name__}: {exc} (after {attempt} attempt(s))")) \
                    from None
        time.sleep(backoff_delay(attempt, policy, rng))
    on_sent(alerts)


def _smtp_reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients refused: " + ", ".join(sorted(exc.recipients))
    code = getattr(exc, "smtp_code", "")
    text = getattr(exc, "smtp_error", b"")
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def _smtp_send(destination: Destination, message: Any, password: str | None, policy: HttpPolicy,
               ssl_context: ssl.SSLContext | None) -> None:
    with smtplib.SMTP(destination.smtp_host or "", destination.smtp_port, timeout=policy.request_timeout) as smtp:
        smtp.ehlo()
        if destination.starttls:
            smtp.starttls(context=ssl_context or ssl.create_default_context())
            smtp.ehlo()
        if destination.username:
            smtp.login(destination.username, password or "")
        smtp.send_message(message)


SENDERS = {"webhook": send_webhook, "slack": send_slack, "email": send_email}
