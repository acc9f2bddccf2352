"""FHIR at /fhir: a ServiceRequest in gives the same case as the JSON API; referrals out validate."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from tests.api.conftest import Keys
from tests.api.test_referrals import REFER
from triage.casework.fhir_in import INTERPRETER_EXTENSION, ODS_SYSTEM

FACTS: dict[str, Any] = {
    "health": {"setting": "discharge", "admission_date": "2026-11-10", "discharge_date": "2026-11-27",
               "care_needs_on_discharge": True},
    "housing": {"concern": True, "tenure": "no_fixed_abode", "homeless_tonight": True},
    "person": {"age": 61, "safe_contact": "phone"},
}  # fmt: skip
PERSON = {"name": "Testperson Example-Fictional", "date_of_birth": "1965-04-01", "phone": "07700 900123",
          "address": "1 Fictional Road, London, E15 4HT"}  # fmt: skip


def _value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"valueBoolean": v}
    if isinstance(v, int):
        return {"valueInteger": v}
    if len(v) == 10 and v[4] == "-":
        return {"valueDate": v}
    return {"valueCoding": {"code": v}}


def fhir_referral(facts: dict[str, Any] = FACTS, **patient: Any) -> dict[str, Any]:
    items = [{"linkId": f"{section}.{name}", "answer": [_value(v)]}
             for section, values in facts.items() for name, v in values.items()]  # fmt: skip
    pat = {
        "resourceType": "Patient", "id": "patient",
        "name": [{"given": ["Testperson"], "family": "Example-Fictional"}], "birthDate": "1965-04-01",
        "telecom": [{"system": "phone", "value": "07700 900123"}],
        "address": [{"line": ["1 Fictional Road"], "city": "London", "postalCode": "E15 4HT"}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-GB"}]}}],
        "extension": [{"url": INTERPRETER_EXTENSION,
                       "extension": [{"url": "interpreterRequired", "valueBoolean": False}]}],
        **patient,
    }  # fmt: skip
    return {
        "resourceType": "ServiceRequest", "status": "active", "intent": "order", "authoredOn": "2026-11-23",
        "subject": {"reference": "#patient"}, "supportingInfo": [{"reference": "#facts"}],
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": "RJ1"}},
        "contained": [pat, {"resourceType": "QuestionnaireResponse", "id": "facts", "status": "completed",
                            "item": items}],
    }  # fmt: skip


def _same(case: dict[str, Any]) -> dict[str, Any]:
    keep = ("as_of", "person", "borough", "place", "safe_contact", "contact", "assessment", "letters_required")
    out = {k: case[k] for k in keep}
    out["contact"] = {k: v for k, v in out["contact"].items() if k != "case_id"}
    out["letters_required"] = [{k: v for k, v in x.items() if k != "href"} for x in out["letters_required"]]
    out["needs"] = [{k: n[k] for k in ("issue", "tier", "urgency", "first_deadline")} for n in case["needs"]]
    return out


def test_a_fhir_service_request_gives_the_same_case_as_the_json_equivalent(client: TestClient, keys: Keys) -> None:
    h = {**keys.bearer(keys.hospital), "Content-Type": "application/fhir+json"}
    r = client.post("/fhir/ServiceRequest", json=fhir_referral(), headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/v1/cases/{r.json()['id']}"
    facts = {**FACTS, "person": {**FACTS["person"], "postcode": "E15 4HT", "language": "en",
                                 "interpreter_needed": False}}  # fmt: skip
    j = client.post("/v1/cases", json={"as_of": "2026-11-23", "facts": facts, "person": PERSON},
                    headers=keys.bearer(keys.hospital))  # fmt: skip
    assert j.status_code == 201, j.text
    assert _same(r.json()) == _same(j.json())
    case = r.json()
    assert case["place"]["housing_authority"] == "Newham"
    assert "housing.homelessness" in {n["issue"] for n in case["needs"]}
    assert {x["kind"] for x in case["letters_required"]} >= {"duty_to_refer"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "draft"}, "ServiceRequest.status"),
        ({"authoredOn": None}, "ServiceRequest.authoredOn"),
        ({"subject": {"reference": "#nobody"}}, "ServiceRequest.subject"),
        ({"requester": {"identifier": {"system": ODS_SYSTEM, "value": "not an ods"}}},
         "ServiceRequest.requester.identifier.value"),
        ({"intent": 7}, "ServiceRequest.intent"),
    ],
)  # fmt: skip
def test_a_bad_service_request_is_a_problem_naming_the_fhir_field(
    client: TestClient, keys: Keys, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in {**fhir_referral(), **change}.items() if v is not None}
    r = client.post("/fhir/ServiceRequest", json=body, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert r.json()["errors"][0]["field"] == field, r.json()


def test_bad_patient_details_and_facts_name_where_they_are(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    bad_birth = client.post("/fhir/ServiceRequest", json=fhir_referral(birthDate="1965-13-01"), headers=h)
    assert bad_birth.status_code == 422
    assert bad_birth.json()["errors"][0]["field"] == "ServiceRequest.contained[0].birthDate"
    bad_pc = fhir_referral(address=[{"postalCode": "E15 XYZ"}])
    r = client.post("/fhir/ServiceRequest", json=bad_pc, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "ServiceRequest.contained[Patient].address[0].postalCode"
    assert "not a UK postcode" in r.json()["errors"][0]["problem"]
    unknown = fhir_referral({**FACTS, "housing": {"sleeping_on_the_moon": True}})
    r = client.post("/fhir/ServiceRequest", json=unknown, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith(".linkId")
    wrong = fhir_referral({**FACTS, "housing": {"homeless_tonight": "perhaps"}})
    r = client.post("/fhir/ServiceRequest", json=wrong, headers=h)
    assert r.status_code == 422
    where = "ServiceRequest.contained[QuestionnaireResponse].item[housing.homeless_tonight]"
    assert r.json()["errors"][0]["field"] == where


def test_each_referral_goes_out_as_a_valid_service_request_and_task(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case = client.post("/fhir/ServiceRequest", json=fhir_referral(), headers=h).json()
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=REFER, headers=h).json()["referral"]
    sr = client.get(f"/fhir/ServiceRequest/{ref['id']}", headers=h)
    assert sr.status_code == 200 and sr.headers["content-type"].startswith("application/fhir+json")
    resource = ServiceRequest.model_validate(sr.json())
    assert resource.status == "active" and resource.intent == "order"
    assert resource.code.coding[0].system == "http://snomed.info/sct"
    assert resource.code.coding[0].code == "871731000000106"
    assert resource.reasonCode[0].text and "homeless" in resource.reasonCode[0].text.lower()
    assert resource.subject.display == "Testperson Example-Fictional"

    def task() -> Task:
        r = client.get(f"/fhir/Task/{ref['id']}", headers=h)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
        return Task.model_validate(r.json())

    assert task().status == "requested" and task().focus.reference == f"ServiceRequest/{ref['id']}"
    agency = keys.bearer(keys.agency)
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=agency).status_code == 200
    assert task().status == "accepted"
    closed = client.post(f"/v1/referrals/{ref['id']}/close", headers=agency, json={"outcome": "resolved"})
    assert closed.status_code == 200
    done = task()
    assert done.status == "completed"
    out = done.output[0].valueCodeableConcept
    assert out.coding[0].code == "resolved" and out.text and "resolved" in out.text
    assert ServiceRequest.model_validate(client.get(f"/fhir/ServiceRequest/{ref['id']}", headers=h).json()).status \
        == "completed"  # fmt: skip


def test_a_declined_referral_is_a_rejected_task_with_its_reason(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case = client.post("/fhir/ServiceRequest", json=fhir_referral(), headers=h).json()
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=REFER, headers=h).json()["referral"]
    agency = keys.bearer(keys.agency)
    r = client.post(f"/v1/referrals/{ref['id']}/decline", headers=agency, json={"code": "no_capacity"})
    assert r.status_code == 200
    t = Task.model_validate(client.get(f"/fhir/Task/{ref['id']}", headers=h).json())
    assert t.status == "rejected" and t.statusReason.text == "no capacity"
    sr = ServiceRequest.model_validate(client.get(f"/fhir/ServiceRequest/{ref['id']}", headers=h).json())
    assert sr.status == "revoked"


def test_another_organisation_gets_404(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case = client.post("/fhir/ServiceRequest", json=fhir_referral(), headers=h).json()
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=REFER, headers=h).json()["referral"]
    for path in (f"/fhir/Task/{ref['id']}", f"/fhir/ServiceRequest/{ref['id']}"):
        r = client.get(path, headers=keys.bearer(keys.gp))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
