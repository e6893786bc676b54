"""The fake API's HTTP server: a ThreadingHTTPServer on 127.0.0.1 with pluggable route modules.

A route module is any module (or object) with `register(router: Router) -> None`; the CDP routes
are `segment_analytics_sandbox.fake_api.cdp_routes`, and more (e.g. Insights `/reporting`) can be added with
`FakeApiServer.register_routes(module)` or `register_default_route_module("pkg.module")`.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from segment_analytics_sandbox.fake_api.faults import FaultInjector
from segment_analytics_sandbox.fake_api.state import FakeState

log = logging.getLogger(__name__)

JSONAPI = "application/vnd.treasuredata.v1+json"
FAST_SWITCH_INTERVAL = 0.0005
DEFAULT_ROUTE_MODULES: list[str] = [f"segment_analytics_sandbox.fake_api.{name}"
                                    for name in ("cdp_routes", "insights_routes", "td_routes")]


def register_default_route_module(dotted: str) -> None:
    """Add a route module every new FakeApiServer loads (e.g. the Insights routes)."""
    if dotted not in DEFAULT_ROUTE_MODULES:
        DEFAULT_ROUTE_MODULES.append(dotted)


@dataclass
class RequestContext:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: bytes
    params: dict[str, str]
    state: FakeState
    server: FakeApiServer

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        if not self.raw_body:
            return None
        return json.loads(self.raw_body.decode("utf-8"))


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


Handler = Callable[[RequestContext], Reply]


class Router:
    """(method, path regex) → handler; first match wins."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def find(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        """(handler, path params, path_known_for_another_method)."""
        known = False
        for route_method, regex, handler in self.routes:
            match = regex.match(path)
            if match:
                if route_method == method:
                    return handler, match.groupdict(), True
                known = True
        return None, {}, known


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    response_body: bytes
    response_content_type: str
    fault: str | None


def _auth_ok(headers: dict[str, str], state: FakeState) -> bool:
    value = headers.get("authorization", "")
    if not value.startswith("TD1 ") or not value[4:].strip():
        return False
    return state.accepted_keys is None or value[4:].strip() in state.accepted_keys


def unauthorized() -> Reply:
    return Reply(401, {"code": "unauthorized",
                       "message": "Maybe you didn't specify valid TD's Master API Key as "
                                  "'TD1 {Your TD Master API Key}'"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add ~40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("fake api: " + format, *args)

    def _dispatch(self) -> None:
        fake = self.server.fake
        fake.enter()
        try:
            self._answer(fake)
        finally:
            fake.leave()

    def _answer(self, fake: FakeApiServer) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        method = self.command.upper()
        fault = fake.faults.match(method, split.path)
        reply: Reply
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "429":
            reply = Reply(429, {"code": "too_many_requests", "message": "Rate limit exceeded; retry later"})
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
        elif fault is not None and fault.kind == "5xx":
            reply = Reply(fault.status, {"status": fault.status, "error": "Server Error",
                                         "details": "injected fault, please retry"})
        elif fault is not None and fault.kind == "401":
            reply = unauthorized()
        else:
            reply = fake.handle(method, split.path, parse_qs(split.query), headers, raw)
        body = reply.encoded()
        if fault is not None and fault.kind == "malformed":
            body = b'{"data": [{"id": "1", "type": '
            reply.status, reply.content_type = 200, "application/json"
        fake.log_request(LoggedRequest(method, split.path, split.query, _safe_headers(headers), raw,
                                       reply.status, body, reply.content_type,
                                       fault.kind if fault else None))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if fault is not None and fault.kind == "drop":
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


def _safe_headers(headers: dict[str, str]) -> dict[str, str]:
    out = dict(headers)
    if "authorization" in out:
        scheme = out["authorization"].split(" ", 1)[0]
        out["authorization"] = f"{scheme} ***"
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeApiServer


class FakeApiServer:
    """Start with `start()` (background thread) or `serve_forever()`; `url` is the base URL."""

    def __init__(
        self,
        state: FakeState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        route_modules: list[str | ModuleType] | None = None,
        keep_log: bool = True,
    ) -> None:
        self.state = state or FakeState()
        self.faults = FaultInjector()
        self.router = Router()
        self.keep_log = keep_log
        self.request_log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight_seen = 0
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None
        for module in route_modules if route_modules is not None else DEFAULT_ROUTE_MODULES:
            self.register_routes(module)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def register_routes(self, module: str | ModuleType | Any) -> None:
        """Load a route module: anything with `register(router)`."""
        loaded = importlib.import_module(module) if isinstance(module, str) else module
        loaded.register(self.router)

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
               raw: bytes) -> Reply:
        handler, params, known = self.router.find(method, path)
        if handler is None:
            if known:
                return Reply(405, {"code": "method_not_allowed", "message": f"{method} not allowed on {path}"})
            return Reply(404, {"code": "not_found", "message": f"No route for {method} {path}"})
        if not _auth_ok(headers, self.state):
            return unauthorized()
        ctx = RequestContext(method, path, query, headers, raw, params, self.state, self)
        try:
            with self.state.lock:
                return handler(ctx)
        except json.JSONDecodeError as exc:
            return Reply(400, {"code": "bad_request", "message": f"request body is not valid JSON: {exc}"})
        except Exception as exc:  # noqa: BLE001 - a handler bug answers 500 instead of dropping the line
            log.exception("fake api handler failed for %s %s", method, path)
            return Reply(500, {"status": 500, "error": "Internal Server Error", "details": repr(exc)[:300]})

    def enter(self) -> None:
        with self._log_lock:
            self.in_flight += 1
            self.max_in_flight_seen = max(self.max_in_flight_seen, self.in_flight)

    def leave(self) -> None:
        with self._log_lock:
            self.in_flight -= 1

    def log_request(self, entry: LoggedRequest) -> None:
        if not self.keep_log:
            return
        with self._log_lock:
            self.request_log.append(entry)

    def requests_matching(self, method: str, pattern: str) -> list[LoggedRequest]:
        regex = re.compile(pattern)
        with self._log_lock:
            return [r for r in self.request_log if r.method == method and regex.search(r.path)]

    def clear_log(self) -> None:
        with self._log_lock:
            self.request_log.clear()

    def start(self) -> FakeApiServer:
        """Serve in a background thread of this process.

        Client and server then share the GIL; the default 5 ms switch interval would add about that
        much to every request, so it is lowered while the server runs (restored by `stop`).
        """
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, FAST_SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-cdp-api", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            sys.setswitchinterval(self._switch_interval)

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(host: str = "127.0.0.1", port: int = 8765, state_file: str | None = None) -> None:
    """Entry point for `segment-analytics fake-api`: serve (blocking) a state from a JSON file."""
    state = FakeState.load(state_file) if state_file else FakeState()
    server = FakeApiServer(state, host=host, port=port, keep_log=False)
    print(f"fake CDP API listening on {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
