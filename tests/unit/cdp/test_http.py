"""The HTTP policy pieces: redaction, Retry-After, back-off, messages, rate cap."""

from __future__ import annotations

import random
import time

import pytest

from orchestrate.http import (
    ApiError,
    HttpClient,
    HttpPolicy,
    RateLimiter,
    backoff_delay,
    fix_message,
    parse_retry_after,
    redact,
    register_secret,
)


def test_redact_removes_key_and_secret_half():
    register_secret("4242/s3cr3tvalue0123")
    text = redact("url?apikey=4242/s3cr3tvalue0123 and header s3cr3tvalue0123")
    assert "s3cr3tvalue0123" not in text and text.count("***") == 2


def test_api_error_text_is_redacted():
    register_secret("77/anothersecretzz")
    err = ApiError("failed with TD1 77/anothersecretzz", url="https://x/?k=anothersecretzz")
    assert "anothersecretzz" not in str(err) and "anothersecretzz" not in err.url


def test_client_requires_a_key():
    with pytest.raises(ApiError, match="TD_API_KEY"):
        HttpClient("http://127.0.0.1:1", "")


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)


def test_backoff_is_exponential_with_jitter_and_capped():
    policy = HttpPolicy(backoff_base=1.0, backoff_max=8.0)
    rng = random.Random(1)
    samples = [backoff_delay(n, policy, rng) for n in range(1, 10) for _ in range(20)]
    assert all(0 <= s <= 8.0 for s in samples)
    assert max(backoff_delay(1, policy, rng) for _ in range(50)) <= 1.0
    assert max(backoff_delay(6, policy, rng) for _ in range(50)) > 4.0


@pytest.mark.parametrize("status, needle", [
    (401, "rejected for this region"), (403, "no permission on folder 7"), (404, "folder 7 does not exist"),
    (400, "fix the request")])
def test_fix_messages_say_what_to_fix(status, needle):
    msg = fix_message(status, "GET", "https://api-cdp.treasuredata.com/entities/folders/7", "folder 7", "",
                      "us01")
    assert needle in msg


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(20.0)
    start = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - start >= 0.19
    unlimited = RateLimiter(0)
    start = time.monotonic()
    for _ in range(100):
        unlimited.wait()
    assert time.monotonic() - start < 0.1


def test_default_policy_is_polite():
    policy = HttpPolicy()
    assert policy.requests_per_second == 2.0 and policy.max_in_flight >= 1 and policy.total_timeout > 0


def test_cdp_client_for_region_and_override():
    from orchestrate.clients import ApiOptions, cdp_client

    client = cdp_client(ApiOptions(region="jp01", api_key="1/abcdefgh", max_rps=5))
    assert client.http.base_url == "https://api-cdp.treasuredata.co.jp"
    assert client.http.policy.requests_per_second == 5 and client.http.region == "jp01"
    local = cdp_client(ApiOptions(api_url="http://127.0.0.1:1/", api_key="1/abcdefgh"))
    assert local.http.base_url == "http://127.0.0.1:1" and local.http.policy.requests_per_second == 2.0


# --------------------------------------------------------------------------- against a real local server
# tests/fixtures/slow_server.py: a scripted HTTP server on 127.0.0.1 (drips bytes, loses answers).

from tests.fixtures.slow_server import (  # noqa: E402
    answer,
    closed_port,
    drip_body,
    drip_headers,
    hang_up,
    scripted,
)

KEY = "5555/httptestsecretvalue0123456"


def _policy(**overrides):
    base = dict(connect_timeout=1.0, read_timeout=0.5, request_timeout=1.0, max_attempts=1, backoff_base=0.01,
                backoff_max=0.02, total_timeout=10.0, requests_per_second=0, max_in_flight=2)
    return HttpPolicy(**{**base, **overrides})


def _client(url, **overrides):
    return HttpClient(url, KEY, policy=_policy(**overrides), region="test", seed=3)


@pytest.mark.parametrize("step", [drip_body(interval=0.05), drip_headers(interval=0.05)], ids=["body", "headers"])
def test_a_dripping_server_is_cut_at_the_per_request_deadline(step):
    # One byte every 50 ms never trips the 0.5 s read timeout; the 1 s deadline cuts it.
    with scripted(step) as server:
        client = _client(server.url)
        start = time.monotonic()
        with pytest.raises(ApiError, match=r"1.0s per-request deadline") as err:
            client.request("GET", "/slow")
        elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 1.8, elapsed
    assert server.hits == 1 and KEY.split("/")[1] not in str(err.value)


def test_the_total_budget_bounds_all_attempts_together():
    with scripted(drip_body(interval=0.05)) as server:
        client = _client(server.url, request_timeout=0.6, total_timeout=1.5, max_attempts=50)
        start = time.monotonic()
        with pytest.raises(ApiError, match=r"within the 2s budget|within the 1s budget|budget"):
            client.request("GET", "/slow")
        elapsed = time.monotonic() - start
    assert elapsed < 2.2, elapsed
    assert 2 <= server.hits <= 3  # each attempt is cut at 0.6 s, the last at the end of the budget


def test_an_answer_over_the_size_cap_is_refused_declared_or_streamed():
    big = b'{"v": "' + b"z" * 5000 + b'"}'

    def undeclared(conn):  # no Content-Length: the body ends when the connection closes
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + big)
        return False

    with scripted(answer(body=big)) as server:
        with pytest.raises(ApiError, match=r"declares 5,009 bytes, over the 1,000 bytes limit .*max_response_bytes"):
            _client(server.url, max_response_bytes=1000, max_attempts=3).request("GET", "/big")
    assert server.hits == 1  # not retried: it would be as big again
    with scripted(undeclared) as server:
        with pytest.raises(ApiError, match=r"passed 1,000 bytes while streaming"):
            _client(server.url, max_response_bytes=1000, max_attempts=3).request("GET", "/big")
    assert server.hits == 1
    with scripted(answer(body=big)) as server:
        assert len(_client(server.url, max_response_bytes=6000).request("GET", "/big")["v"]) == 5000


@pytest.mark.parametrize("step, status", [(answer(503, b'{"error": "busy"}'), 503), (hang_up(), None)],
                         ids=["503", "lost-answer"])
def test_a_post_is_not_sent_twice_once_it_may_have_reached_the_server(step, status):
    with scripted(step, answer()) as server:
        with pytest.raises(ApiError, match=r"may have acted on it.*not re-sent") as err:
            _client(server.url, max_attempts=5).request("POST", "/create", json_body={"n": 1}, what="a create")
    assert server.hits == 1
    assert err.value.may_have_applied and err.value.status == status
    with scripted(step, answer()) as server:  # the same failure on a PATCH
        with pytest.raises(ApiError) as err:
            _client(server.url, max_attempts=5).request("PATCH", "/x", json_body={})
    assert server.hits == 1 and err.value.may_have_applied


@pytest.mark.parametrize("method, idempotent", [("GET", None), ("PUT", None), ("DELETE", None), ("POST", True)])
def test_idempotent_requests_are_retried_after_the_same_failures(method, idempotent):
    for step in (answer(503, b'{"error": "busy"}'), hang_up()):
        with scripted(step, answer(body=b'{"done": 1}')) as server:
            client = _client(server.url, max_attempts=5)
            assert client.request(method, "/x", json_body={}, idempotent=idempotent) == {"done": 1}
        assert server.hits == 2 and client.retry_count == 1


def test_a_put_marked_not_idempotent_is_not_retried():
    with scripted(hang_up(), answer()) as server:
        with pytest.raises(ApiError) as err:
            _client(server.url, max_attempts=5).request("PUT", "/x", json_body={}, idempotent=False)
    assert server.hits == 1 and err.value.may_have_applied


def test_a_post_is_retried_when_the_server_refused_it():
    # 429: the server says it did not act on the request.
    with scripted(answer(429, b"{}", headers={"Retry-After": "0"}), answer(body=b'{"id": 7}')) as server:
        client = _client(server.url, max_attempts=5)
        assert client.request("POST", "/create", json_body={}) == {"id": 7}
    assert server.hits == 2
    # Connection refused: it never reached a server.
    client = _client(f"http://127.0.0.1:{closed_port()}", max_attempts=3)
    with pytest.raises(ApiError, match=r"failed after 3 attempt") as err:
        client.request("POST", "/create", json_body={})
    assert client.request_count == 3 and not err.value.may_have_applied


def test_a_declared_charset_is_honoured_and_an_unknown_one_is_not_retried():
    # The CDP client turns the LookupError into its ShapeError (tests/hostile/test_cdp_read.py).
    step = answer(body=b'{"a": 1}', headers={"Content-Type": "application/json; charset=x-no-such-charset"})
    with scripted(step) as server:
        with pytest.raises(LookupError, match=r"x-no-such-charset"):
            _client(server.url, max_attempts=3).request("GET", "/x")
    assert server.hits == 1
    latin = answer(body='{"a": "é"}'.encode("latin-1"), headers={"Content-Type": "application/json; charset=latin-1"})
    with scripted(latin) as server:
        assert _client(server.url).request("GET", "/x") == {"a": "é"}


def test_a_finished_deadline_never_cuts_a_reused_connection():
    # Keep-alive: every request reuses one connection. The deadlines (1 s) of the quick first requests
    # would fire while the slow last one (0.8 s, within its own deadline) runs on that connection.
    quick = answer(body=b'{"n": 1}', keep_open=True)

    def slow(conn):
        time.sleep(0.8)
        return quick(conn)

    with scripted(quick, quick, quick, quick, quick, slow) as server:
        client = _client(server.url, request_timeout=1.0, read_timeout=2.0, max_attempts=1)
        for _ in range(5):
            assert client.request("GET", "/x") == {"n": 1}
        time.sleep(0.5)
        assert client.request("GET", "/x") == {"n": 1}
    assert server.hits == 6 and client.retry_count == 0
