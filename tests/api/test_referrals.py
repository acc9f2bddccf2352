"""Referral lifecycle over the API: refer with consent, agency accepts, declines or closes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import LAW_CENTRE, Keys
from tests.api.examples import DISCHARGE_CASE
from triage.store.db import Database
from triage.store.models import Organisation, OutboxEvent

REFER = {"issue": "housing.homelessness", "agency_id": LAW_CENTRE,
         "consent": {"given_by": "the person (Testperson Example-Fictional)", "feedback_agreed": True}}  # fmt: skip


def _referred(client: TestClient, keys: Keys) -> dict:  # type: ignore[type-arg]
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital)).json()
    r = client.post(f"/v1/cases/{case['id']}/referrals", json=REFER, headers=keys.bearer(keys.hospital))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_refer_with_consent_then_agency_accepts_and_closes(client: TestClient, db: Database, keys: Keys) -> None:
    with db.transaction() as s:
        org = s.get(Organisation, keys.hospital_org_id)
        assert org is not None
        org.webhook_url, org.webhook_secret = "https://hospital.example.org/hooks", "test-secret"
    made = _referred(client, keys)
    ref = made["referral"]
    assert ref["status"] == "sent" and made["consent"]["recipient_org_id"] == keys.agency_org_id
    agency = keys.bearer(keys.agency)
    inbox = client.get("/v1/referrals", headers=agency).json()["items"]
    assert [r["id"] for r in inbox] == [ref["id"]]
    assert [r["id"] for r in client.get("/v1/referrals", headers=keys.bearer(keys.hospital)).json()["items"]] == [
        ref["id"]
    ]
    packet = client.get(f"/v1/referrals/{ref['id']}", headers=agency).json()
    assert packet["consent_active"] and packet["person_name"] == "Testperson Example-Fictional"
    # the referrer may not accept its own referral; the agency may
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=keys.bearer(keys.hospital)).status_code == 403
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=agency).json()["status"] == "accepted"
    again = client.post(f"/v1/referrals/{ref['id']}/accept", headers=agency)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    closed = client.post(f"/v1/referrals/{ref['id']}/close", headers=agency,
                         json={"outcome": "resolved", "home_kept": True})  # fmt: skip
    assert closed.status_code == 200 and closed.json()["outcome"]["outcome"] == "resolved"
    with db.transaction() as s:
        events = s.exec(select(OutboxEvent).where(OutboxEvent.event_type == "referral.closed")).all()
        assert [(e.target_url, e.payload["outcome"]) for e in events] == [
            ("https://hospital.example.org/hooks", "resolved")
        ]


def test_decline_needs_a_code_and_reroutes(client: TestClient, keys: Keys) -> None:
    ref = _referred(client, keys)["referral"]
    agency = keys.bearer(keys.agency)
    bad = client.post(f"/v1/referrals/{ref['id']}/decline", headers=agency, json={"code": "bored"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"
    r = client.post(f"/v1/referrals/{ref['id']}/decline", headers=agency, json={"code": "no_capacity"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["referral"]["status"] == "declined" and body["referral"]["decline_code"] == "no_capacity"
    rerouted = body["rerouted"]
    assert (rerouted["referral"] or {}).get("agency_id") != LAW_CENTRE


def test_other_organisations_cannot_see_a_referral(client: TestClient, keys: Keys) -> None:
    ref = _referred(client, keys)["referral"]
    assert client.get(f"/v1/referrals/{ref['id']}", headers=keys.bearer(keys.gp)).status_code == 404
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=keys.bearer(keys.gp)).status_code == 403


def test_without_an_agency_the_directory_chooses(client: TestClient, keys: Keys) -> None:
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital)).json()
    body = {"issue": "housing.homelessness", "consent": {"given_by": "the person"}, "send": False}
    made = client.post(f"/v1/cases/{case['id']}/referrals", json=body, headers=keys.bearer(keys.hospital)).json()
    assert made["referral"]["status"] == "draft" and made["match"]["agency_id"] == made["referral"]["agency_id"]
    assert made["match"]["reasons"]
    sent = client.post(f"/v1/referrals/{made['referral']['id']}/send", headers=keys.bearer(keys.hospital))
    assert sent.status_code == 200 and sent.json()["status"] == "sent"


def test_another_agency_gets_404_for_a_referral_not_sent_to_it(
    client: TestClient, db: Database, keys: Keys
) -> None:
    from triage.casework.apikeys import create_key
    from triage.store.models import Agency

    ref = _referred(client, keys)["referral"]
    with db.transaction() as s:
        other = s.exec(select(Agency).where(Agency.organisation_id != keys.agency_org_id)).first()
        assert other is not None
        other_org = other.organisation_id
    _, other_key = create_key(db, other_org, "agency", "another agency (test)")
    h = keys.bearer(other_key)
    assert client.get(f"/v1/referrals/{ref['id']}", headers=h).status_code == 404
    assert ref["id"] not in [r["id"] for r in client.get("/v1/referrals", headers=h).json()["items"]]
    for action, body in (("accept", None), ("decline", {"code": "no_capacity"}), ("close", {"outcome": "resolved"})):
        r = client.post(f"/v1/referrals/{ref['id']}/{action}", headers=h, json=body)
        assert r.status_code == 404, (action, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # The real recipient still can.
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=keys.bearer(keys.agency)).status_code == 200
