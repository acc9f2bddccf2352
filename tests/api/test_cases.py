"""Stored cases, their letters (HTML, PDF, Word) and the agency directory."""

from __future__ import annotations

import io

from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE, HOUSED_DISCHARGE, PIP_CASE
from tests.api.test_letters_consent import record_duty_consent


def test_discharge_case_with_nowhere_to_live_requires_the_duty_to_refer(client: TestClient, keys: Keys) -> None:
    r = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital))
    assert r.status_code == 201, r.text
    case = r.json()
    kinds = {(x["kind"], x["issue"]) for x in case["letters_required"]}
    assert ("duty_to_refer", "housing.homelessness") in kinds
    assert {n["issue"] for n in case["needs"]} >= {"housing.homelessness"}
    assert case["assessment"]["ruleset"]["name"] == "england" and case["as_of"] == "2026-11-23"
    got = client.get(f"/v1/cases/{case['id']}", headers=keys.bearer(keys.hospital)).json()
    assert got["assessment"] == case["assessment"] and got["letters_required"] == case["letters_required"]


def test_a_housed_discharge_has_no_duty_to_refer(client: TestClient, keys: Keys) -> None:
    case = client.post("/v1/cases", json=HOUSED_DISCHARGE, headers=keys.bearer(keys.hospital)).json()
    assert "duty_to_refer" not in {x["kind"] for x in case["letters_required"]}
    r = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=keys.bearer(keys.hospital))
    assert r.status_code == 409


def test_questionnaire_answers_are_accepted_and_bad_ones_named(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    r = client.post("/v1/assessments", json={"as_of": "2026-11-23", "answers": {"setting": "discharge"}})
    assert r.status_code == 200, r.text
    r = client.post("/v1/cases", json={"as_of": "2026-11-23", "answers": {"setting": "on the moon"}}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answers.setting"
    r = client.post("/v1/cases", json={"as_of": "2026-11-23"}, headers=h)
    assert r.status_code == 422 and "facts or answers" in r.json()["detail"]


def test_list_cases_is_the_organisations_own(client: TestClient, keys: Keys) -> None:
    mine = client.post("/v1/cases", json=PIP_CASE, headers=keys.bearer(keys.hospital)).json()
    client.post("/v1/cases", json=PIP_CASE, headers=keys.bearer(keys.gp))
    items = client.get("/v1/cases", headers=keys.bearer(keys.hospital)).json()["items"]
    assert [c["id"] for c in items] == [mine["id"]]


def test_letter_formats_by_query_or_accept(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h).json()
    url = f"/v1/cases/{case['id']}/letters/duty_to_refer"
    record_duty_consent(client, h, case["id"])
    html = client.get(url, headers=h)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Testperson Example-Fictional" in html.text and "213B" in html.text
    pdf = client.get(url, params={"format": "pdf"}, headers=h)
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Example-Fictional" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    word = client.get(url, headers={**h, "Accept": "application/msword;q=0.2, "
                                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert "Testperson Example-Fictional" in text
    assert client.get(url, headers={**h, "Accept": "application/json"}).status_code == 406


def test_a_letter_missing_details_lists_every_missing_field(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    bare = {k: v for k, v in DISCHARGE_CASE.items() if k != "letter"}
    case = client.post("/v1/cases", json=bare, headers=h).json()
    r = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h)
    assert r.status_code == 409 and r.json()["missing"] == "consent.duty_to_refer"  # consent first
    record_duty_consent(client, h, case["id"])
    r = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"letter.referrer.name", "letter.consent.duty_to_refer.authority_chosen_by_person"} <= fields
    # The housing authority is the one the stored consent names: no letter field to repeat it in.
    assert "letter.recipient.organisation" not in fields


def test_agencies_search(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    every = client.get("/v1/agencies", headers=h).json()["items"]
    newham_t3 = client.get("/v1/agencies", params={"borough": "newham", "tier": 3, "area": "housing"},
                           headers=h).json()["items"]  # fmt: skip
    assert 0 < len(newham_t3) < len(every)
    for a in newham_t3:
        assert 3 in a["tiers"] and ("newham" in a["boroughs"] or a["pan_london"] or a["national"] or a["remote"])
        assert "housing" in a["areas"] or any(i.startswith("housing.") for i in a["issues"])
        assert a["organisation_id"]
    assert "demo-east-law-centre" in {a["id"] for a in newham_t3}


def test_a_stateless_assessment_takes_no_key_or_a_valid_one_either_way(client: TestClient, keys: Keys) -> None:
    body = {"as_of": "2026-11-23", "facts": PIP_CASE["facts"]}
    assert client.post("/v1/assessments", json=body).status_code == 200
    for headers in (keys.bearer(keys.hospital), {"X-API-Key": keys.gp}, {"authorization": f"bearer  {keys.gp} "}):
        assert client.post("/v1/assessments", json=body, headers=headers).status_code == 200, headers
    # Another scheme is not an API key (as HTTPBearer reads it): the call is keyless.
    assert client.post("/v1/assessments", json=body, headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 200
    for headers in ({"Authorization": "Bearer tjk_not_a_key"}, {"X-API-Key": "tjk_not_a_key"}):
        r = client.post("/v1/assessments", json=body, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), headers
        assert r.json()["detail"].startswith("authorization: this API key is not valid")


def test_first_deadline_is_filled_for_a_dated_event(client: TestClient, keys: Keys) -> None:
    # The discharge case's needs have only an event (the planned discharge on 27 November), no act-by date.
    r = client.post("/v1/cases", json=DISCHARGE_CASE, headers=keys.bearer(keys.hospital))
    needs = {n["issue"]: n for n in r.json()["needs"]}
    assert needs["housing.homelessness"]["first_deadline"] == "2026-11-27"
    assert needs["community_care.discharge"]["first_deadline"] == "2026-11-27"
