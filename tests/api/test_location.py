"""201 answers carry Location, the created resource's path, replayed answers too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE
from tests.api.test_referrals import REFER


def test_a_created_case_and_referral_say_where_they_are(client: TestClient, keys: Keys) -> None:
    h = {**keys.bearer(keys.hospital), "Idempotency-Key": "location-test-1"}
    r = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    assert r.status_code == 201 and r.headers["Location"] == f"/v1/cases/{r.json()['id']}"
    assert client.get(r.headers["Location"], headers=h).json()["id"] == r.json()["id"]
    again = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h)
    assert again.headers["Idempotency-Replayed"] == "true" and again.headers["Location"] == r.headers["Location"]
    ref = client.post(f"{r.headers['Location']}/referrals", json=REFER, headers=keys.bearer(keys.hospital))
    assert ref.status_code == 201 and ref.headers["Location"] == f"/v1/referrals/{ref.json()['referral']['id']}"
    assert client.get(ref.headers["Location"], headers=keys.bearer(keys.hospital)).status_code == 200


def test_a_refused_case_has_no_location(client: TestClient, keys: Keys) -> None:
    r = client.post("/v1/cases", json={"as_of": "2026-11-23"}, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422 and "Location" not in r.headers


def test_the_openapi_document_names_the_headers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/cases"]["post"]["responses"]["201"]["headers"]) == {"Location", "ETag"}
    assert "Location" in paths["/v1/cases/{case_id}/referrals"]["post"]["responses"]["201"]["headers"]
    assert "Location" in paths["/fhir/ServiceRequest"]["post"]["responses"]["201"]["headers"]
    assert {"412", "428"} <= set(paths["/v1/cases/{case_id}"]["patch"]["responses"])
