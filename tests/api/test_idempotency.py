"""Idempotency-Key: a replay returns the first response and creates nothing new."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE, PIP_CASE
from triage.store.db import Database
from triage.store.models import Case, Consent, IdempotencyRecord, Referral


def _count(db: Database, model: type) -> int:
    with db.transaction() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_a_replayed_key_creates_one_case(client: TestClient, db: Database, keys: Keys) -> None:
    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "7d0c8f6e-first-call"}
    first = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    again = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotency-replayed"] == "true"
    assert "idempotency-replayed" not in first.headers
    assert _count(db, Case) == 1 and _count(db, IdempotencyRecord) == 1


def test_without_a_key_each_post_creates(client: TestClient, db: Database, keys: Keys) -> None:
    for _ in range(2):
        assert client.post("/v1/cases", json=PIP_CASE, headers=keys.bearer(keys.hospital)).status_code == 201
    assert _count(db, Case) == 2


def test_same_key_with_another_body_is_refused(client: TestClient, db: Database, keys: Keys) -> None:
    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "reused"}
    assert client.post("/v1/cases", json=DISCHARGE_CASE, headers=h).status_code == 201
    r = client.post("/v1/cases", json=PIP_CASE, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header.Idempotency-Key"
    assert _count(db, Case) == 1


def test_keys_are_per_organisation(client: TestClient, db: Database, keys: Keys) -> None:
    for key in (keys.hospital, keys.gp):
        r = client.post("/v1/cases", json=PIP_CASE, headers={**keys.bearer(key), "Idempotency-Key": "same-string"})
        assert r.status_code == 201
    assert _count(db, Case) == 2


def test_a_failed_request_stores_nothing_and_can_be_retried(client: TestClient, db: Database, keys: Keys) -> None:
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital)).json()
    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "refer-once"}
    bad = {"issue": "housing.homelessness", "agency_id": "no-such-agency", "consent": {"given_by": "the person"}}
    assert client.post(f"/v1/cases/{case['id']}/referrals", json=bad, headers=h).status_code == 422
    assert _count(db, Consent) == 0 and _count(db, IdempotencyRecord) == 0  # consent rolled back with it
    good = {"issue": "housing.homelessness", "consent": {"given_by": "the person"}}
    first = client.post(f"/v1/cases/{case['id']}/referrals", json=good, headers=h)
    again = client.post(f"/v1/cases/{case['id']}/referrals", json=good, headers=h)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert _count(db, Referral) == 1 and _count(db, Consent) == 1


def test_concurrent_requests_with_one_key_create_one_case(client: TestClient, db: Database, keys: Keys) -> None:
    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "raced"}
    results: list[int] = []
    barrier = threading.Barrier(4)

    def post() -> None:
        barrier.wait()
        results.append(client.post("/v1/cases", json=PIP_CASE, headers=h).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [201] * 4
    assert _count(db, Case) == 1


def test_erasing_a_case_erases_its_stored_responses(client: TestClient, db: Database, keys: Keys) -> None:
    """A stored response can carry the person's name; after erasure a replay answers 410, and
    no table holds the name any more."""
    from sqlalchemy import inspect, text

    from triage.casework.erasure import erase_case_as_operator

    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "erase-me"}
    first = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    assert first.status_code == 201
    name = DISCHARGE_CASE["person"]["name"]
    assert name in first.text
    erase_case_as_operator(db, first.json()["id"])
    again = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    assert again.status_code == 410 and name not in again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert name not in repr(tuple(row)), table


def test_stored_responses_expire(client: TestClient, db: Database, keys: Keys) -> None:
    import datetime as dt

    from api.idempotency import RETENTION

    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "old-key"}
    assert client.post("/v1/cases", json=PIP_CASE, headers=h).status_code == 201
    with db.transaction() as s:
        for rec in s.exec(select(IdempotencyRecord)):
            rec.created_at = rec.created_at - RETENTION - dt.timedelta(minutes=1)
            s.add(rec)
    # Past retention the key is free again: a new request with it creates a new case.
    assert client.post("/v1/cases", json=PIP_CASE, headers=h).status_code == 201
    assert _count(db, Case) == 2 and _count(db, IdempotencyRecord) == 1
