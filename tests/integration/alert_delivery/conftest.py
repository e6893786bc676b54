"""Fixtures of the alert delivery tests: a DuckDB target holding an alerts mart of the real shape,
a webhook server (webhook and Slack paths), an SMTP server with STARTTLS, and the secrets in env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestrate.http import HttpPolicy
from tests.integration.alert_delivery.mart import MUTED, POPULATION, RULE_CHANGE, insert_sql, table_ddl
from tests.integration.alert_delivery.servers import SmtpServer, WebhookServer, self_signed_cert

PREFIX = "sa"
WEBHOOK_PATH = "/hooks/ops-Wh00kT0ken"
SLACK_PATH = "/services/T0001/B0002/SlackT0kenXYZ"
FAST = HttpPolicy(connect_timeout=2.0, read_timeout=5.0, request_timeout=5.0, max_attempts=3, backoff_base=0.01,
                  backoff_max=0.05, total_timeout=20.0, requests_per_second=0, max_in_flight=2)


@pytest.fixture
def duck_target(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(table_ddl(f"{PREFIX}_alerts"))
        conn.execute(insert_sql(f"{PREFIX}_alerts", [RULE_CHANGE, POPULATION, MUTED]))
    return {"type": "duckdb", "path": str(path), "schema": "main"}


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))  # the client trusts the throwaway certificate
    server = SmtpServer(*cert).start()
    yield server
    server.stop()


@pytest.fixture
def destinations(webhook: WebhookServer, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setenv("SA_TEST_WEBHOOK_URL", webhook.url(WEBHOOK_PATH))
    monkeypatch.setenv("SA_TEST_SLACK_URL", webhook.url(SLACK_PATH))
    monkeypatch.setenv("SA_TEST_SMTP_PASSWORD", smtp.password)
    return [
        {"type": "webhook", "name": "ops-hook", "url_env": "SA_TEST_WEBHOOK_URL",
         "headers": {"X-Team": "growth"}},
        {"type": "slack", "name": "slack-growth", "url_env": "SA_TEST_SLACK_URL"},
        {"type": "email", "name": "mail-growth", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
         "starttls": True, "username": smtp.user, "password_env": "SA_TEST_SMTP_PASSWORD",
         "from": "alerts@example.com", "to": ["growth@example.com", "cto@example.com"]},
    ]
