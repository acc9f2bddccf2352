"""PATCH /v1/cases/{id}: amend with If-Match, assessed again, history kept in the audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE
from tests.api.test_referrals import REFER
from triage.store.db import Database
from triage.store.models import AuditEntry


def test_a_slipped_discharge_date_is_amended_and_reassessed(client: TestClient, keys: Keys, db: Database) -> None:
    h = keys.bearer(keys.hospital)
    made = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    case, etag = made.json(), made.headers["ETag"]
    assert etag == case["etag"] and client.get(f"/v1/cases/{case['id']}", headers=h).headers["ETag"] == etag
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=REFER, headers=h).json()["referral"]
    before = {n["issue"]: n for n in case["needs"]}
    assert before["housing.homelessness"]["first_deadline"] == "2026-11-27"

    r = client.patch(f"/v1/cases/{case['id']}", headers={**h, "If-Match": etag},
                     json={"facts": {"health": {"discharge_date": "2026-12-04"}}})  # fmt: skip
    assert r.status_code == 200, r.text
    after = r.json()
    assert r.headers["ETag"] == after["etag"] != etag
    needs = {n["issue"]: n for n in after["needs"]}
    assert needs["housing.homelessness"]["first_deadline"] == "2026-12-04"
    assert needs["housing.homelessness"]["id"] == before["housing.homelessness"]["id"]  # the referral's need
    assert [x["id"] for x in after["referrals"]] == [ref["id"]]
    assert after["assessment"]["as_of"] == "2026-11-23"

    with db.transaction() as s:
        q = select(AuditEntry).where(AuditEntry.case_id == case["id"], AuditEntry.action == "case.amend")
        entry = s.exec(q).one()
    assert entry.detail["changed"] == ["facts"]
    assert entry.detail["previous"]["facts"]["health"]["discharge_date"] == "2026-11-27"
    assert {n["issue"] for n in entry.detail["previous"]["needs"]} == set(before)

    stale = client.patch(f"/v1/cases/{case['id']}", headers={**h, "If-Match": etag}, json={"as_of": "2026-11-24"})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert after["etag"] in stale.json()["detail"]


def test_amend_needs_if_match_and_names_bad_fields(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    made = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    url, etag = f"/v1/cases/{made.json()['id']}", made.headers["ETag"]
    r = client.patch(url, headers=h, json={"as_of": "2026-11-24"})
    assert r.status_code == 428 and r.json()["errors"][0]["field"] == "header.If-Match"
    r = client.patch(url, headers={**h, "If-Match": etag}, json={"facts": {"health": {"discharge_date": "soon"}}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "facts.health.discharge_date"
    r = client.patch(url, headers={**h, "If-Match": etag}, json={"letter": {"referrer": {"nmae": "x"}}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "letter.referrer.nmae"
    r = client.patch(url, headers={**h, "If-Match": etag}, json={"person": {"email": "x" * 300}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "person.email"
    r = client.patch(url, headers={**h, "If-Match": etag}, json={})
    assert r.status_code == 422
    # Nothing above changed the case: the version still holds.
    assert client.get(url, headers=h).headers["ETag"] == etag


def test_removing_a_fact_with_null_and_a_new_as_of(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    made = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    url = f"/v1/cases/{made.json()['id']}"
    r = client.patch(url, headers={**h, "If-Match": made.headers["ETag"]},
                     json={"as_of": "2026-11-25", "facts": {"housing": None},
                           "person": {"phone": "07700 900999"}})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2026-11-25"
    assert "housing.homelessness" not in {n["issue"] for n in body["needs"]}  # no referral held it: removed
    assert body["contact"]["phone"] == "07700 900999"
    # Another organisation cannot see it, let alone amend it.
    other = client.patch(url, headers={**keys.bearer(keys.gp), "If-Match": "*"}, json={"as_of": "2026-11-26"})
    assert other.status_code == 404
