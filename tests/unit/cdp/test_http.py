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
    from orchestrate.cdp.client import CdpClient

    client = CdpClient.for_region(region="jp01", api_key="1/abcdefgh", max_rps=5)
    assert client.http.base_url == "https://api-cdp.treasuredata.co.jp"
    assert client.http.policy.requests_per_second == 5 and client.http.region == "jp01"
    local = CdpClient.for_region(api_url="http://127.0.0.1:1/", api_key="1/abcdefgh")
    assert local.http.base_url == "http://127.0.0.1:1" and local.http.policy.requests_per_second == 2.0
