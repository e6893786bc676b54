"""The credentials dbt uses, on the wire: a profile with password (ldap) or JWT auth over HTTPS
reaches a Trino endpoint with exactly those credentials, the profile's user, catalog, schema and
session properties, checking the server certificate against the profile's `cert`; a refused
password is an error that never shows it.

The endpoint is a small HTTPS stand-in for Trino's statement protocol (a second real Trino with a
password authenticator would cost a server's RAM and start-up on this machine); it answers one
finished query, or 401 for credentials it does not accept.
"""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from orchestrate.warehouse import for_target
from orchestrate.warehouse.base import WarehouseError
from orchestrate.warehouse.connect import connect

PASSWORD = "wire-FAKE-password-61c0"
JWT = "eyJFAKE.wire-jwt-token.3b9d"


@dataclass
class StubTrino:
    url_host: str
    port: int
    cert: Path  # the CA that signed the server's certificate
    seen: list[dict[str, str]] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)  # Authorization header values accepted


def _handler(stub: StubTrino) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            sql = self.rfile.read(length).decode("utf-8")
            headers = {k.lower(): v for k, v in self.headers.items()}
            stub.seen.append({**headers, "sql": sql, "path": self.path})
            if headers.get("authorization") not in stub.accepted:
                self._send(401, {"error": "Unauthorized"}, {"WWW-Authenticate": "Basic realm=\"Trino\""})
                return
            self._send(200, {
                "id": "q1", "infoUri": f"https://{stub.url_host}:{stub.port}/ui/q1",
                "columns": [{"name": "ok", "type": "integer",
                             "typeSignature": {"rawType": "integer", "arguments": []}}],
                "data": [[1]], "warnings": [],
                "stats": {"state": "FINISHED", "queued": False, "scheduled": True, "nodes": 1, "totalSplits": 0,
                          "queuedSplits": 0, "runningSplits": 0, "completedSplits": 0, "cpuTimeMillis": 0,
                          "wallTimeMillis": 0, "queuedTimeMillis": 0, "elapsedTimeMillis": 0, "processedRows": 0,
                          "processedBytes": 0, "peakMemoryBytes": 0},
            })

        def _send(self, status: int, body: Any, extra: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def stub_trino(tmp_path: Path) -> Iterator[StubTrino]:
    ca, ca_key = tmp_path / "ca.pem", tmp_path / "ca.key"
    cert, key, csr, ext = (tmp_path / n for n in ("server.pem", "server.key", "server.csr", "server.ext"))
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", encoding="utf-8")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "1",
         "-subj", "/CN=segment-analytics test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "1",
         "-extfile", ext],
    ):
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    stub = StubTrino("127.0.0.1", 0, ca)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _profile(stub: StubTrino, **fields: Any) -> dict[str, Any]:
    return {"type": "trino", "host": stub.url_host, "port": stub.port, "database": "hive", "schema": "analytics",
            "cert": str(stub.cert), "session_properties": {"query_max_run_time": "1h"}, "target_name": "prod",
            "retries": 1, **fields}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_ldap_password_auth_reaches_trino_with_the_profiles_credentials(stub_trino: StubTrino) -> None:
    stub_trino.accepted = {_basic("alice", PASSWORD)}
    profile = _profile(stub_trino, method="ldap", user="alice", password=PASSWORD)
    with connect(profile) as conn:
        cursor = conn.cursor()
        cursor.execute("select 1 as ok")
        assert cursor.fetchall() == [[1]]
    request = stub_trino.seen[-1]
    assert request["path"] == "/v1/statement" and request["sql"] == "select 1 as ok"
    assert request["authorization"] == _basic("alice", PASSWORD)
    assert (request["x-trino-user"], request["x-trino-catalog"], request["x-trino-schema"]) == (
        "alice", "hive", "analytics")
    assert request["x-trino-session"] == "query_max_run_time=1h"
    assert request["x-trino-source"] == "segment-analytics"

    writer = for_target(profile, landing_schema="landing")  # the landing writer: the same credentials
    assert writer.run("select 1 as ok") == [(1,)]
    assert stub_trino.seen[-1]["authorization"] == _basic("alice", PASSWORD)
    assert stub_trino.seen[-1]["x-trino-schema"] == "landing"


def test_a_refused_password_is_an_error_that_never_shows_it(stub_trino: StubTrino) -> None:
    stub_trino.accepted = {_basic("alice", "the-right-one")}
    writer = for_target(_profile(stub_trino, method="ldap", user="alice", password=PASSWORD))
    with pytest.raises(WarehouseError) as caught:
        writer.run("select 1 as ok")
    assert "401" in str(caught.value) or "nauthorized" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert stub_trino.seen[-1]["authorization"] == _basic("alice", PASSWORD)


def test_jwt_auth_sends_the_profiles_token(stub_trino: StubTrino) -> None:
    stub_trino.accepted = {f"Bearer {JWT}"}
    with connect(_profile(stub_trino, method="jwt", jwt_token=JWT, user="svc")) as conn:
        cursor = conn.cursor()
        cursor.execute("select 1 as ok")
        assert cursor.fetchall() == [[1]]
    assert stub_trino.seen[-1]["authorization"] == f"Bearer {JWT}"
    assert stub_trino.seen[-1]["x-trino-user"] == "svc"


def test_the_server_certificate_is_checked_unless_the_profile_says_otherwise(stub_trino: StubTrino) -> None:
    stub_trino.accepted = {_basic("alice", PASSWORD)}
    profile = _profile(stub_trino, method="ldap", user="alice", password=PASSWORD)
    del profile["cert"]  # default: verified, and this self-signed certificate is not trusted
    with connect(profile) as conn, pytest.raises(Exception, match="(?i)certificate"):
        conn.cursor().execute("select 1 as ok")
    assert stub_trino.seen == []  # nothing was sent over an unverified connection
    with connect({**profile, "cert": False}) as conn:
        cursor = conn.cursor()
        cursor.execute("select 1 as ok")
        assert cursor.fetchall() == [[1]]
