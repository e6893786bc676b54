"""A hard wall-clock deadline for one HTTP attempt (used by `orchestrate.http.HttpClient`).

A socket read timeout bounds the wait for each chunk, not the request: a server that drips one byte
a second never trips it. `DeadlineAdapter` is a requests transport adapter whose connection pools
tell the current thread's `Deadline` which connections it checked out, and the client registers the
response it reads (`watch`); when the deadline passes, the deadline shuts those sockets down, which
wakes a read blocked in any phase (status line, headers, body) with an end of file. (A response that
will close its connection holds the socket alone, hence both.) A connection, and a response on it, are
forgotten as soon as the connection goes back to the pool, under the same lock, so a deadline can
never cut a connection another request is using.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CURRENT = threading.local()
_RECHECK = 0.05  # a connection still connecting when the deadline passes is cut this often


class Deadline:
    """Cuts the connections checked out by one attempt once `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._responses: list[Any] = []
        self._done = False
        self.expired = False
        self.ends_at = time.monotonic() + max(0.0, seconds)
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True

    def checked_out(self, conn: Any) -> None:
        with self._lock:
            if not self._done:
                self._connections.append(conn)
                if self.expired:
                    self._cut(conn)

    def checked_in(self, conn: Any) -> None:
        with self._lock:
            self._connections = [c for c in self._connections if c is not conn]
            self._responses = [r for r in self._responses if getattr(r, "_connection", None) is not conn]

    def watch(self, raw_response: Any) -> None:
        """Also cut this (urllib3) response's socket at the deadline."""
        with self._lock:
            if self._done:
                return
            self._responses.append(raw_response)
            if self.expired:
                self._shut(raw_response)

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for response in self._responses:
                self._shut(response)
            waiting = [c for c in self._connections if not self._cut(c)] and not self._responses
        if waiting:  # still connecting: try again shortly (the connect timeout bounds this)
            retry = threading.Timer(_RECHECK, self._expire)
            retry.daemon = True
            retry.start()

    @staticmethod
    def _cut(conn: Any) -> bool:
        sock = getattr(conn, "sock", None)
        if sock is None:
            return False
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        return True

    @staticmethod
    def _shut(raw_response: Any) -> None:
        shutdown = getattr(raw_response, "shutdown", None)  # urllib3 >= 2.3
        if shutdown is not None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                shutdown()

    def finish(self) -> None:
        """Stop watching (call before releasing the response); idempotent."""
        with self._lock:
            self._done = True
            self._connections = []
            self._responses = []
        self._timer.cancel()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run one attempt under a deadline (per thread; attempts do not nest)."""
    guard = Deadline(seconds)
    _CURRENT.guard = guard
    guard._timer.start()
    try:
        yield guard
    finally:
        _CURRENT.guard = None
        guard.finish()


def _guard() -> Deadline | None:
    return getattr(_CURRENT, "guard", None)


class _WatchedMixin:
    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        guard = _guard()
        if guard is not None:
            guard.checked_out(conn)
        return conn

    def _put_conn(self, conn: Any) -> None:
        guard = _guard()
        if guard is not None and conn is not None:
            guard.checked_in(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class _WatchedHTTPPool(_WatchedMixin, HTTPConnectionPool):
    pass


class _WatchedHTTPSPool(_WatchedMixin, HTTPSConnectionPool):
    pass


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter with pools that report to the current `Deadline` (direct and HTTP proxies)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
