"""Per-key token buckets with Retry-After."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.limits import RateLimiter
from tests.api.conftest import Keys


def test_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k") == 0.5  # one token comes back after half a second
    assert limiter.take("other") == 0.0  # buckets are per key
    now[0] = 0.5
    assert limiter.take("k") == 0.0 and limiter.take("k") > 0


def test_a_key_over_its_limit_gets_429_with_retry_after(app: FastAPI, client: TestClient, keys: Keys) -> None:
    app.state.rate_limiter = RateLimiter(rate=0.2, burst=2)
    h, other = keys.bearer(keys.hospital), keys.bearer(keys.gp)
    assert [client.get("/v1/cases", headers=h).status_code for _ in range(2)] == [200, 200]
    r = client.get("/v1/cases", headers=h)
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["retry-after"]) <= 5
    assert client.get("/v1/cases", headers=other).status_code == 200  # another key is not affected
