"""Rate limits per organisation with Retry-After, counted in memory or in Redis (shared)."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from limits.storage import storage_from_string

from api.limits import RateLimiter
from tests.api.conftest import Keys
from triage.casework.apikeys import create_key

REDIS = "redis://127.0.0.1:6379/0"


def test_at_most_burst_in_the_window_then_a_wait() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    assert limiter.window == 2  # 3 in any 2 s: 1.5 per second on average, never more than 3 at once
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("k")
    assert 0 < wait <= 2.0
    assert limiter.take("other") == 0.0  # counted per key


def test_an_organisation_over_its_limit_gets_429_with_retry_after(
    app: FastAPI, client: TestClient, keys: Keys
) -> None:
    app.state.rate_limiter = RateLimiter(rate=0.2, burst=2)
    h, other = keys.bearer(keys.hospital), keys.bearer(keys.gp)
    assert [client.get("/v1/cases", headers=h).status_code for _ in range(2)] == [200, 200]
    r = client.get("/v1/cases", headers=h)
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["retry-after"]) <= 10
    assert client.get("/v1/cases", headers=other).status_code == 200  # another organisation is not affected


def test_a_new_key_of_the_same_organisation_gets_no_fresh_allowance(
    app: FastAPI, client: TestClient, keys: Keys, db: object
) -> None:
    app.state.rate_limiter = RateLimiter(rate=0.2, burst=2)
    h = keys.bearer(keys.hospital)
    assert [client.get("/v1/cases", headers=h).status_code for _ in range(2)] == [200, 200]
    _, second = create_key(app.state.database, keys.hospital_org_id, "referrer", "a second ward system (test)")
    assert client.get("/v1/cases", headers=keys.bearer(second)).status_code == 429


def test_counters_in_redis_are_shared_by_two_limiters() -> None:
    prefix = f"triage-test-{uuid.uuid4().hex}"
    one = RateLimiter(rate=1.0, burst=3, store=storage_from_string(REDIS, key_prefix=prefix))  # type: ignore[arg-type]
    two = RateLimiter(rate=1.0, burst=3, store=storage_from_string(REDIS, key_prefix=prefix))  # type: ignore[arg-type]
    got = [limiter.take("org:x") == 0.0 for limiter in (one, two, one, two, one)]
    assert got == [True, True, True, False, False]  # 3 between them, not 3 each
    one.reset()
