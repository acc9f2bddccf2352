"""Letters follow the case record: its safe-contact method decides which of the person's
contact details a letter may carry, and a live stored consent is needed for every letter
that shares data (referral, medical evidence, duty to refer)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE

AUTHORITY = "Example Borough Council Housing Options"
PHONE, EMAIL, ADDRESS = "07700 900123", "testperson@example.org", "Flat 9, 1 Fictional Road"


def record_duty_consent(client: TestClient, headers: dict[str, str], case_id: str) -> dict[str, Any]:
    """Record the person's consent to the duty-to-refer notice (to the authority they chose)."""
    r = client.post(
        f"/v1/cases/{case_id}/consents",
        headers=headers,
        json={"purpose": "duty_to_refer", "given_by": "the person", "recipient_name": AUTHORITY},
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _case(client: TestClient, keys: Keys, safe_contact: list[str] | None) -> str:
    person = {**DISCHARGE_CASE["person"], "email": EMAIL, "address": ADDRESS, "safe_contact": safe_contact}
    # The letter section says "phone": the case record must win over it.
    r = client.post("/v1/cases", json={**DISCHARGE_CASE, "person": person}, headers=keys.bearer(keys.hospital))
    assert r.status_code == 201, r.text
    case_id: str = r.json()["id"]
    return case_id


def _letter(client: TestClient, keys: Keys, case_id: str, fmt: str = "html") -> Any:
    return client.get(f"/v1/cases/{case_id}/letters/duty_to_refer", params={"format": fmt},
                      headers=keys.bearer(keys.hospital))  # fmt: skip


def test_without_a_stored_consent_the_notice_is_409_naming_how_to_record_it(client: TestClient, keys: Keys) -> None:
    case_id = _case(client, keys, ["phone"])
    r = _letter(client, keys, case_id)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["missing"] == "consent.duty_to_refer"
    assert f"POST /v1/cases/{case_id}/consents" in body["detail"] and "duty_to_refer" in body["detail"]


def test_recorded_consent_renders_the_notice_stating_it_with_its_date(client: TestClient, keys: Keys) -> None:
    case_id = _case(client, keys, ["phone"])
    consent = record_duty_consent(client, keys.bearer(keys.hospital), case_id)
    assert consent["purpose"] == "duty_to_refer" and consent["withdrawn_at"] is None
    r = _letter(client, keys, case_id)
    assert r.status_code == 200, r.text
    given = consent["given_at"][:10]
    import datetime as dt

    day = dt.date.fromisoformat(given)
    assert f"<th>Date</th><td>{day.day} {day:%B %Y}</td>" in r.text
    assert "<th>Consents to the referral</th><td>Yes</td>" in r.text
    assert "<th>Taken by</th><td>ward system (test)</td>" in r.text  # the key that recorded it
    # Phone only: the number, never the email or address.
    assert PHONE in r.text and EMAIL not in r.text and ADDRESS not in r.text


def test_withdrawn_consent_stops_the_letter(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case_id = _case(client, keys, ["phone"])
    consent = record_duty_consent(client, h, case_id)
    assert _letter(client, keys, case_id).status_code == 200
    r = client.post(f"/v1/consents/{consent['id']}/withdraw", headers=h)
    assert r.status_code == 200 and r.json()["withdrawn_at"] is not None
    r = _letter(client, keys, case_id)
    assert r.status_code == 409 and r.json()["missing"] == "consent.duty_to_refer"


def test_via_referrer_case_letter_has_no_phone_email_or_address(client: TestClient, keys: Keys) -> None:
    case_id = _case(client, keys, ["via_referrer"])
    record_duty_consent(client, keys.bearer(keys.hospital), case_id)
    html = _letter(client, keys, case_id)
    assert html.status_code == 200, html.text
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_letter(client, keys, case_id, "pdf").content)).pages)
    word = "\n".join(p.text for p in Document(io.BytesIO(_letter(client, keys, case_id, "docx").content)).paragraphs)
    for text in (html.text, " ".join(pdf.split()), word):
        assert PHONE not in text and EMAIL not in text and ADDRESS not in text and "No fixed address" not in text
        assert "only through the referrer" in text and "Alex Sample" in text
    assert "Contact by</th><td>Phone" not in html.text


def test_no_safe_contact_recorded_routes_through_the_referrer(client: TestClient, keys: Keys) -> None:
    body = {**DISCHARGE_CASE, "facts": {**DISCHARGE_CASE["facts"], "person": {
        k: v for k, v in DISCHARGE_CASE["facts"]["person"].items() if k != "safe_contact"}},
        "person": {**DISCHARGE_CASE["person"], "email": EMAIL, "safe_contact": None}}  # fmt: skip
    r = client.post("/v1/cases", json=body, headers=keys.bearer(keys.hospital))
    case_id = r.json()["id"]
    record_duty_consent(client, keys.bearer(keys.hospital), case_id)
    html = _letter(client, keys, case_id)
    assert html.status_code == 200, html.text
    assert PHONE not in html.text and EMAIL not in html.text
    # The store records an unknown method as via_referrer (triage.casework.cases.create_case).
    assert "Contact Testperson Example-Fictional only through the referrer" in html.text


def test_consent_routes_are_scoped_and_for_referrers(client: TestClient, keys: Keys) -> None:
    case_id = _case(client, keys, ["phone"])
    consent = record_duty_consent(client, keys.bearer(keys.hospital), case_id)
    gp, agency = keys.bearer(keys.gp), keys.bearer(keys.agency)
    body = {"purpose": "duty_to_refer", "given_by": "x", "recipient_name": AUTHORITY}
    for r in (
        client.post(f"/v1/cases/{case_id}/consents", headers=gp, json=body),
        client.post(f"/v1/consents/{consent['id']}/withdraw", headers=gp),
        client.get(f"/v1/cases/{case_id}/letters/duty_to_refer", headers=gp),
    ):
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert client.post(f"/v1/cases/{case_id}/consents", headers=agency, json=body).status_code == 403
    # The other organisation's withdraw attempt changed nothing.
    assert _letter(client, keys, case_id).status_code == 200


def test_bad_consent_input_is_a_422_naming_the_field(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case_id = _case(client, keys, ["phone"])
    r = client.post(f"/v1/cases/{case_id}/consents", headers=h, json={"purpose": "gossip", "given_by": "x"})
    assert r.status_code == 422 and any(e["field"].endswith("purpose") for e in r.json()["errors"])
    r = client.post(f"/v1/cases/{case_id}/consents", headers=h, json={"purpose": "duty_to_refer", "given_by": "x"})
    assert r.status_code == 422 and "recipient" in r.text
    r = client.post(f"/v1/cases/{case_id}/consents", headers=h,
                    json={"purpose": "referral", "given_by": "x", "recipient_name": "Somewhere"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipient_org_id"


def test_consent_for_another_authority_does_not_cover_the_letter(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case_id = _case(client, keys, ["phone"])
    r = client.post(
        f"/v1/cases/{case_id}/consents",
        headers=h,
        json={"purpose": "duty_to_refer", "given_by": "the person", "recipient_name": "Another Council"},
    )
    assert r.status_code == 201
    r = _letter(client, keys, case_id)
    assert r.status_code == 422 and "consent covers only the recipient it names" in r.text


def test_a_medical_evidence_letter_asks_for_a_reply_a_week_before_the_deadline(client: TestClient, keys: Keys) -> None:
    """PIP refused on 3 November 2026: reconsideration by 3 December, so the clinician is asked to reply
    by 26 November (MARGIN_DAYS before), never by the legal deadline itself."""
    from tests.api.examples import PIP_CASE

    letter = {"clinician": {"name": "Dr Pretend Example", "role": "General practitioner",
                            "organisation": "Example Health Centre", "address": ["1 Imaginary Road"]},
              "referrer": {"name": "Sam Placeholder", "role": "Link worker", "phone": "020 7946 0000"}}  # fmt: skip
    headers = keys.bearer(keys.gp)
    person = {**PIP_CASE["person"], "date_of_birth": "1970-05-04"}
    r = client.post("/v1/cases", json={**PIP_CASE, "person": person, "letter": letter}, headers=headers)
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    given = client.post(f"/v1/cases/{case_id}/consents", headers=headers,
                        json={"purpose": "medical_evidence", "given_by": "the person",
                              "recipient_name": "Example Health Centre"})  # fmt: skip
    assert given.status_code == 201, given.text
    got = client.get(f"/v1/cases/{case_id}/letters/medical_evidence",
                     params={"purpose": "pip", "format": "html"}, headers=headers)  # fmt: skip
    assert got.status_code == 200, got.text
    assert "26 November 2026" in got.text
