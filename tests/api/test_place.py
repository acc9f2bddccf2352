"""A discharge from Luton: the place comes from the ONS Postcode Directory, is shown and audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE
from triage.store.db import Database
from triage.store.models import AuditEntry


def _luton_case(postcode: str = "LU1 1AA") -> dict[str, Any]:
    facts = dict(DISCHARGE_CASE["facts"])
    person = {k: v for k, v in facts["person"].items() if k != "borough"}
    letter = {k: v for k, v in DISCHARGE_CASE["letter"].items() if k != "housing_authority"}
    letter["consent"] = {"duty_to_refer": {"share_contact_details": True, "authority_chosen_by_person": True}}
    return {**DISCHARGE_CASE, "facts": {**facts, "person": {**person, "postcode": postcode}}, "letter": letter}


def test_a_luton_postcode_names_luton_as_the_housing_authority(client: TestClient, keys: Keys, db: Database) -> None:
    h = keys.bearer(keys.hospital)
    r = client.post("/v1/cases", json=_luton_case("lu1 1aa"), headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    place = case["place"]
    assert place["postcode"] == "LU1 1AA" and place["status"] == "outside_london"
    assert (place["authority_code"], place["housing_authority"]) == ("E06000032", "Luton")
    assert "ONS Postcode Directory" in place["data_release"]
    with db.transaction() as s:
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.case_id == case["id"], AuditEntry.action == "case.create")
        ).one()
    recorded = entry.detail["place"]
    assert recorded["authority_code"] == "E06000032" and recorded["postcode_data"] == place["data_release"]
    assert "LU1 1AA" not in str(entry.detail)  # the audit keeps the outcome, not the postcode
    # The notice goes to the authority the consent names; the letter needs no separate field for it.
    consent = {"purpose": "duty_to_refer", "given_by": "the person", "recipient_name": place["housing_authority"]}
    assert client.post(f"/v1/cases/{case['id']}/consents", headers=h, json=consent).status_code == 201
    letter = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h)
    assert letter.status_code == 200, letter.text
    assert "referring Testperson Example-Fictional to Luton under" in " ".join(letter.text.split())


def test_a_malformed_postcode_is_a_problem_naming_the_field(client: TestClient, keys: Keys) -> None:
    r = client.post("/v1/cases", json=_luton_case("LU1 XYZ"), headers=keys.bearer(keys.hospital))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in r.json()["errors"]}
    assert any(f.endswith("person.postcode") for f in fields), fields


def test_newham_by_postcode_is_the_routing_borough(client: TestClient, keys: Keys) -> None:
    r = client.post("/v1/cases", json=_luton_case("E15 4HT"), headers=keys.bearer(keys.hospital))
    assert r.status_code == 201
    place = r.json()["place"]
    assert place["borough"] == "newham" and place["housing_authority"] == "Newham"

