"""Real receivers for alert delivery tests: an HTTP server taking webhooks, an SMTP server with
STARTTLS and login (aiosmtpd), and a throwaway self-signed certificate (openssl)."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


class WebhookServer:
    """Records every POST (path, headers, JSON body); answers `statuses.pop(0)` while any are queued,
    else 200 `ok` (what Slack's incoming webhooks answer)."""

    def __init__(self, port: int | None = None) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self.port = port or free_port()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                owner.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                               json.loads(raw.decode("utf-8"))))
                status = owner.statuses.pop(0) if owner.statuses else 200
                body = b"ok" if status == 200 else b"internal error"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A one-day certificate for 127.0.0.1 / localhost and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS and a login (`user` / `password`)."""

    cert: Path
    key: Path
    user: str = "alerts@example.com"
    password: str = "smtp-pass-XYZ-123"
    port: int = field(default_factory=free_port)
    received: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (login, accepted)
    _controller: Controller | None = None

    def start(self) -> SmtpServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(self.key))
        owner = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                owner.received.append(Mail(
                    envelope.mail_from, list(envelope.rcpt_tos),
                    message_from_bytes(envelope.original_content or envelope.content, policy=policy.default),
                    bool(session.ssl), getattr(session, "auth_data", None)))
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login = auth_data.login.decode()
            ok = login == owner.user and auth_data.password.decode() == owner.password
            owner.logins.append((login, ok))
            return AuthResult(success=ok, auth_data=login if ok else None)

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=context,
                                      require_starttls=True, authenticator=authenticator, auth_required=True,
                                      server_hostname="localhost")
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
