"""The one HTTP policy of the shim.

Every call to a Treasure Data API goes through `HttpClient.request`, which applies:

- timeouts on every attempt: connect, read (per chunk) and a hard wall-clock deadline for the whole
  attempt (`request_timeout`: status line, headers and body; a server dripping bytes is cut);
- a cap on the size of a response (`max_response_bytes`), checked while it streams in;
- retries with exponential back-off and full jitter, honouring `Retry-After` (seconds or an HTTP
  date), that know which requests are safe to repeat:
  - idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, or any request the caller marks
    `idempotent=True`) are retried on connection errors, timeouts, truncated or malformed bodies,
    429 and 5xx;
  - other requests (POST, PATCH) are retried only when the server cannot have acted on them: the
    connection was never made, or the server answered 429. Any other failure after the request
    may have reached the server raises an `ApiError` with `may_have_applied=True` at once, so the
    caller can look up whether it took effect before sending it again (`orchestrate.publish` does);
- a bounded total time per logical request (`total_timeout`: all attempts and waits together);
- other 4xx fail at once with an `ApiError` saying what to fix;
- a cap on requests per second and on requests in flight, shared by all threads;
- the API key redacted from every URL, log line and exception (`redact`);
- a request counter.
"""

from __future__ import annotations

import email.message
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
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from orchestrate.errors import SegmentAnalyticsError
from orchestrate.http_deadline import DeadlineAdapter, deadline

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
    read_timeout: float = 60.0  # the longest wait for the next bytes of an answer
    request_timeout: float = 120.0  # the longest one attempt may take, start to last byte
    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    total_timeout: float = 600.0  # all attempts and waits of one logical request together
    requests_per_second: float = 2.0
    max_in_flight: int = 4
    max_response_bytes: int = 128 * 1024**2


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class ApiError(SegmentAnalyticsError):
    """A request that failed for good; the message says what to fix and never holds the key."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        url: str = "",
        may_have_applied: bool = False,
    ) -> None:
        super().__init__(redact(message))
        self.status = status
        self.method = method
        self.url = redact(url)
        # True when a request that is not safe to repeat may have taken effect on the server.
        self.may_have_applied = may_have_applied


class RetryableError(SegmentAnalyticsError):
    """One failed attempt (internal). `reached_server`: the server may have acted on the request."""

    def __init__(self, message: str, retry_after: float | None = None, *, reached_server: bool = True,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reached_server = reached_server
        self.status = status


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


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (refused, unresolvable, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectTimeoutError)):
            return True
        stack += [getattr(current, "reason", None), current.__cause__, current.__context__]
        stack += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
    return False


def _secret_half(key: str) -> str:
    return key.split("/", 1)[1] if "/" in key else key


def _human_size(size: int) -> str:
    return f"{size / 1024**2:,.1f} MiB" if size >= 1024**2 else f"{size:,} bytes"


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
            # Connection pools that let the per-attempt deadline cut a connection in any phase.
            adapter = DeadlineAdapter(pool_maxsize=max(10, self.policy.max_in_flight))
            self._session.mount("https://", adapter)
            self._session.mount("http://", adapter)
        self._limiter = RateLimiter(self.policy.requests_per_second)
        self._in_flight = threading.BoundedSemaphore(max(1, self.policy.max_in_flight))
        self._rng = random.Random(seed)
        self._count_lock = threading.Lock()
        self.request_count = 0
        self.retry_count = 0
        self.user_agent = user_agent

    def uses_key(self, candidate: str | None) -> bool:
        """Whether `candidate` is this client's key (or its secret half), without exposing the key."""
        if not candidate:
            return False
        candidate, mine = candidate.strip(), self._key.strip()
        return candidate == mine or _secret_half(candidate) == _secret_half(mine)

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
        idempotent: bool | None = None,
    ) -> Any:
        """Send one logical request (retrying per policy) and return the parsed JSON body.

        `idempotent`: whether sending the request twice has the same effect as sending it once.
        None (the default) decides by method: GET, HEAD, PUT, DELETE and OPTIONS are, POST and PATCH
        are not. Pass True for a POST that only reads (e.g. rule-to-SQL), False for a PUT that must
        not be repeated. A request that is not idempotent is re-sent only when it cannot have reached
        the server; otherwise a failure raises ApiError(may_have_applied=True).
        """
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = f"{self.base_url}{path}"
        deadline_at = time.monotonic() + self.policy.total_timeout
        attempt = 0
        last_problem = ""
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, params, json_body, what, media_type, attempt > 1, deadline_at)
            except RetryableError as problem:
                last_problem = redact(problem)
                if problem.reached_server and not repeatable:
                    raise ApiError(
                        f"{method} {urlsplit(url).path} for {what or 'the request'} got no usable answer "
                        f"({last_problem}). The server may have acted on it, and it is not safe to send "
                        f"twice, so it was not re-sent: check whether it took effect before trying again",
                        status=problem.status,
                        method=method,
                        url=url,
                        may_have_applied=True,
                    ) from None
                if attempt >= self.policy.max_attempts:
                    break
                wait = backoff_delay(attempt, self.policy, self._rng)
                if problem.retry_after is not None:
                    wait = max(wait, problem.retry_after)
                if time.monotonic() + wait >= deadline_at:
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
        deadline_at: float,
    ) -> Any:
        self._limiter.wait()
        with self._in_flight:
            left = deadline_at - time.monotonic()
            if left <= 0:
                raise RetryableError("the total time budget ran out before the request was sent",
                                     reached_server=False)
            self._count(retried)
            limit = min(self.policy.request_timeout, left)
            with deadline(limit) as guard:
                status, headers, raw, final_url = self._exchange(method, url, params, json_body, media_type,
                                                                 guard, limit)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %s", method, redact(final_url), status)
        body = self._decode(raw, headers)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(headers.get("Retry-After"))
            # A 429 means the server refused to act on the request: always safe to send again.
            raise RetryableError(f"HTTP {status}: {_error_detail(body)[:200]}", retry_after,
                                 reached_server=status != 429, status=status)
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

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        media_type: str,
        guard: Any,
        limit: float,
    ) -> tuple[int, Mapping[str, str], bytes, str]:
        """Send and read one answer under the deadline: (status, headers, body bytes, final url)."""
        cap = self.policy.max_response_bytes
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                data=None if json_body is None else json.dumps(json_body),
                headers=self._headers(media_type, json_body is not None),
                timeout=(min(self.policy.connect_timeout, limit), min(self.policy.read_timeout, limit)),
                stream=True,
            )
        except requests.RequestException as exc:
            if guard.expired:
                raise RetryableError(f"no answer within the {limit:.1f}s per-request deadline") from None
            raise RetryableError(f"{type(exc).__name__}: {exc}", reached_server=not _never_connected(exc)) from None
        guard.watch(response.raw)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.strip().isdigit() and int(declared) > cap:
                raise self._too_large(method, url, f"declares {_human_size(int(declared))}")
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    size += len(chunk)
                    if size > cap:
                        raise self._too_large(method, url, f"passed {_human_size(cap)} while streaming")
                    chunks.append(chunk)
                    if guard.expired:
                        break
            except (requests.RequestException, OSError) as exc:
                if guard.expired:
                    raise RetryableError(
                        f"the answer was still arriving at the {limit:.1f}s per-request deadline "
                        f"({_human_size(size)} received)") from None
                raise RetryableError(f"{type(exc).__name__}: {exc}") from None
            if guard.expired:
                raise RetryableError(
                    f"the answer was still arriving at the {limit:.1f}s per-request deadline "
                    f"({_human_size(size)} received)")
            return response.status_code, response.headers, b"".join(chunks), str(response.url)
        finally:
            guard.finish()  # before the connection can go back to the pool
            response.close()

    def _too_large(self, method: str, url: str, how: str) -> ApiError:
        return ApiError(
            f"the answer to {method} {urlsplit(url).path} {how}, over the "
            f"{_human_size(self.policy.max_response_bytes)} limit (HttpPolicy.max_response_bytes): "
            f"narrow the request or raise the limit",
            method=method,
            url=url,
        )

    @staticmethod
    def _decode(raw: bytes, headers: Mapping[str, str]) -> str:
        """The body as text. JSON is UTF-8 (RFC 8259); a declared charset is honoured. An unknown
        one raises LookupError (not retried), which the CDP client turns into its ShapeError."""
        declared = email.message.Message()
        declared["Content-Type"] = str(headers.get("Content-Type") or "application/json")
        charset = str(declared.get_param("charset") or "utf-8").strip().strip('"')
        return raw.decode(charset, errors="replace")
