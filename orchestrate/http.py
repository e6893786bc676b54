"""The one HTTP policy of the shim.

Every call to a Treasure Data API goes through `HttpClient.request`, which applies:

- timeouts on every request (connect, read);
- retries with exponential back-off and full jitter on connection errors, truncated or malformed
  bodies, 429 and 5xx, honouring `Retry-After` (seconds or an HTTP date);
- a bounded total time per request (all attempts and waits together);
- other 4xx fail at once with an `ApiError` saying what to fix;
- a cap on requests per second and on requests in flight, shared by all threads;
- the API key redacted from every URL, log line and exception (`redact`);
- a request counter.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
REDACTED = "***"


def register_secret(secret: str | None) -> None:
    """Remember a secret (and its `<id>/<secret>` halves) so `redact` removes it everywhere."""
    if not secret:
        return
    parts = {secret}
    if "/" in secret:
        tail = secret.split("/", 1)[1]
        if len(tail) >= 6:
            parts.add(tail)
    with _SECRETS_LOCK:
        _SECRETS.update(p for p in parts if p)


def redact(text: object) -> str:
    """Text with every registered secret replaced by ***."""
    out = str(text)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        out = out.replace(secret, REDACTED)
    return out


@dataclass(frozen=True)
class HttpPolicy:
    """Tunable limits; the defaults suit the real service (TD's own tools keep to ~2 requests/s)."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    total_timeout: float = 600.0
    requests_per_second: float = 2.0
    max_in_flight: int = 4


class ApiError(Exception):
    """A request that failed for good; the message says what to fix and never holds the key."""

    def __init__(self, message: str, *, status: int | None = None, method: str = "", url: str = "") -> None:
        super().__init__(redact(message))
        self.status = status
        self.method = method
        self.url = redact(url)


class RetryableError(Exception):
    """One failed attempt worth retrying (internal)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart, across threads."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 0.0 if per_second <= 0 else 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock

    def wait(self) -> None:
        if self._interval == 0.0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        delay = start - now
        if delay > 0:
            time.sleep(delay)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt: int, policy: HttpPolicy, rng: random.Random) -> float:
    """Exponential back-off with full jitter for the given 1-based attempt number."""
    ceiling = min(policy.backoff_max, policy.backoff_base * (2 ** (attempt - 1)))
    return rng.uniform(0, ceiling)


def _error_detail(body: str) -> str:
    """The human part of a TD error body (v4 `message`/`error`, JSON:API `errors[].detail`)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200]
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str):
                return data[key]
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("detail") or first.get("title") or first.get("code") or "")
        if errors is not None:
            return json.dumps(errors)[:200]
    return body[:200]


def fix_message(status: int, method: str, url: str, what: str, detail: str, region: str) -> str:
    """The message of a non-retryable 4xx: what happened and what to do about it."""
    where = f"{method} {urlsplit(url).path}"
    tail = f" (server said: {detail})" if detail else ""
    if status == 401:
        return (
            f"401 Unauthorized from {urlsplit(url).netloc} ({region}): the API key in TD_API_KEY was "
            f"rejected for this region. Use a master API key of this region's account, formatted "
            f"as <id>/<secret>, or pick the right --region{tail}"
        )
    if status == 403:
        return (
            f"403 Forbidden on {where}: the key's user has no permission on {what or 'this resource'}. "
            f"Grant the user view access to that parent segment/folder in Audience Studio{tail}"
        )
    if status == 404:
        return f"404 Not Found on {where}: {what or 'the requested id'} does not exist (check the id){tail}"
    return f"{status} on {where} for {what or 'the request'}: fix the request{tail}"


class HttpClient:
    """JSON over HTTP with the policy above. Thread-safe; share one per API host."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        policy: HttpPolicy | None = None,
        region: str = "custom",
        session: requests.Session | None = None,
        user_agent: str = "segment-analytics",
        seed: int | None = None,
    ) -> None:
        if not api_key:
            raise ApiError("TD_API_KEY is empty: set it to a Treasure Data master API key")
        register_secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HttpPolicy()
        self.region = region
        self._key = api_key
        self._session = session or requests.Session()
        if session is None:
            # Resolve proxy settings from the environment once, not on every request (it is slow).
            self._session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                self._session.verify = bundle
            self._session.trust_env = False
        self._limiter = RateLimiter(self.policy.requests_per_second)
        self._in_flight = threading.BoundedSemaphore(max(1, self.policy.max_in_flight))
        self._rng = random.Random(seed)
        self._count_lock = threading.Lock()
        self.request_count = 0
        self.retry_count = 0
        self.user_agent = user_agent

    def _headers(self, media_type: str, has_body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"TD1 {self._key}",
            "Accept": media_type,
            "User-Agent": self.user_agent,
        }
        if has_body:
            headers["Content-Type"] = media_type
        return headers

    def _count(self, retried: bool) -> None:
        with self._count_lock:
            self.request_count += 1
            if retried:
                self.retry_count += 1

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        what: str = "",
        media_type: str = "application/json",
    ) -> Any:
        """Send one logical request (retrying per policy) and return the parsed JSON body."""
        url = f"{self.base_url}{path}"
        deadline = time.monotonic() + self.policy.total_timeout
        attempt = 0
        last_problem = ""
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, params, json_body, what, media_type, attempt > 1)
            except RetryableError as problem:
                last_problem = redact(problem)
                if attempt >= self.policy.max_attempts:
                    break
                wait = backoff_delay(attempt, self.policy, self._rng)
                if problem.retry_after is not None:
                    wait = max(wait, problem.retry_after)
                if time.monotonic() + wait > deadline:
                    break
                log.info("retrying %s %s in %.2fs after: %s", method, redact(url), wait, last_problem)
                time.sleep(wait)
        raise ApiError(
            f"{method} {url} failed after {attempt} attempt(s) within the "
            f"{self.policy.total_timeout:.0f}s budget; last problem: {last_problem}. "
            f"The service is unavailable or rate-limiting; try again later",
            method=method,
            url=url,
        )

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        what: str,
        media_type: str,
        retried: bool,
    ) -> Any:
        self._limiter.wait()
        with self._in_flight:
            self._count(retried)
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    data=None if json_body is None else json.dumps(json_body),
                    headers=self._headers(media_type, json_body is not None),
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
                # JSON is UTF-8 (RFC 8259); decoding here avoids requests' slow charset sniffing.
                body = response.content.decode(response.encoding or "utf-8", errors="replace")
            except requests.RequestException as exc:
                raise RetryableError(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s", method, redact(response.url), status)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryableError(f"HTTP {status}: {_error_detail(body)[:200]}", retry_after)
        if status >= 400:
            raise ApiError(
                fix_message(status, method, url, what, _error_detail(body), self.region),
                status=status,
                method=method,
                url=url,
            )
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError as exc:
            raise RetryableError(f"malformed JSON in the response ({exc})") from None
