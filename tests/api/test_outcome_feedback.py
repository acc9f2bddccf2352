"""Security finding of issue 21: an outcome reaches the referrer only with the person's agreement.

With ``feedback_agreed=false`` the referrer hears that the referral closed, never how (not in
the webhook, not in its referral list, the referral itself or the case); the agency that
closed it still sees its own outcome. A later ``outcome_feedback`` consent opens it up, and
withdrawing that consent closes it again: all decided by ``consent.outcome_feedback_agreed``."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import LAW_CENTRE, Keys
from tests.api.examples import DISCHARGE_CASE
from triage.store.db import Database
from triage.store.models import Organisation, OutboxEvent


def _closed(client: TestClient, db: Database, keys: Keys, feedback: bool) -> tuple[str, str]:
    with db.transaction() as s:
        org = s.get(Organisation, keys.hospital_org_id)
        assert org is not None
        org.webhook_url, org.webhook_secret = "https://hospital.example.org/hooks", "test-secret"
    h, agency = keys.bearer(keys.hospital), keys.bearer(keys.agency)
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h).json()
    body = {"issue": "housing.homelessness", "agency_id": LAW_CENTRE,
            "consent": {"given_by": "the person", "feedback_agreed": feedback}}  # fmt: skip
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=body, headers=h).json()["referral"]
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=agency).status_code == 200
    closed = client.post(f"/v1/referrals/{ref['id']}/close", headers=agency, json={"outcome": "resolved"})
    assert closed.status_code == 200 and closed.json()["outcome"]["outcome"] == "resolved"
    return case["id"], ref["id"]


def _referrer_sees(client: TestClient, keys: Keys, case_id: str, ref_id: str) -> list[object]:
    h = keys.bearer(keys.hospital)
    listed = client.get("/v1/referrals", headers=h).json()["items"]
    one = client.get(f"/v1/referrals/{ref_id}", headers=h).json()["referral"]
    case = client.get(f"/v1/cases/{case_id}", headers=h).json()
    return [r["outcome"] for r in listed] + [one["outcome"]] + [r["outcome"] for r in case["referrals"]]


def _closed_payloads(db: Database) -> list[object]:
    with db.transaction() as s:
        rows = s.exec(select(OutboxEvent).where(OutboxEvent.event_type == "referral.closed")).all()
        return [e.payload.get("outcome") for e in rows]


def test_without_agreement_the_referrer_never_learns_the_outcome(client: TestClient, db: Database, keys: Keys) -> None:
    case_id, ref_id = _closed(client, db, keys, feedback=False)
    assert _closed_payloads(db) == [None]
    assert _referrer_sees(client, keys, case_id, ref_id) == [None, None, None]
    listed = client.get("/v1/referrals", headers=keys.bearer(keys.hospital)).json()["items"]
    assert [r["status"] for r in listed] == ["closed"]  # that it closed is theirs to know
    inbox = client.get("/v1/referrals", headers=keys.bearer(keys.agency)).json()["items"]
    assert inbox[0]["outcome"]["outcome"] == "resolved"  # the agency keeps its own record


def test_with_agreement_the_outcome_is_sent_and_shown(client: TestClient, db: Database, keys: Keys) -> None:
    case_id, ref_id = _closed(client, db, keys, feedback=True)
    assert _closed_payloads(db) == ["resolved"]
    assert [o["outcome"] for o in _referrer_sees(client, keys, case_id, ref_id)] == ["resolved"] * 3  # type: ignore[index]


def test_a_later_feedback_consent_shows_it_and_withdrawing_hides_it(
    client: TestClient, db: Database, keys: Keys
) -> None:
    case_id, ref_id = _closed(client, db, keys, feedback=False)
    h = keys.bearer(keys.hospital)
    given = client.post(f"/v1/cases/{case_id}/consents", headers=h,
                        json={"purpose": "outcome_feedback", "given_by": "the person"})  # fmt: skip
    assert given.status_code == 201, given.text
    assert [o["outcome"] for o in _referrer_sees(client, keys, case_id, ref_id)] == ["resolved"] * 3  # type: ignore[index]
    withdrawn = client.post(f"/v1/consents/{given.json()['id']}/withdraw", headers=h)
    assert withdrawn.status_code == 200, withdrawn.text
    assert _referrer_sees(client, keys, case_id, ref_id) == [None, None, None]
