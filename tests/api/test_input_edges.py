"""Security findings of issue 21 at the edge: dates outside the calendar's span and impossible
dates are a 422 naming the field (they were a 500 from the bank-holiday lookup), and control
characters in a person's details are refused before they are stored (a NUL stopped every letter)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE


@pytest.mark.parametrize("day", ["2075-06-02", "1980-06-02", "0001-01-01"])
def test_a_fact_date_outside_the_supported_span_is_a_422_naming_it(client: TestClient, day: str) -> None:
    # A bailiffs' notice dated 2075 was counted in clear days skipping bank holidays: a 500.
    body = {"as_of": "2026-11-23", "facts": {"debt": {"concern": True, "enforcement_notice_date": day}}}
    r = client.post("/v1/assessments", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == "facts.debt.enforcement_notice_date"
    assert "1995-01-01" in problem["detail"] and "2060-12-31" in problem["detail"]


@pytest.mark.parametrize("as_of", ["0001-01-01", "1990-01-01", "2070-01-01"])
def test_as_of_outside_the_supported_span_is_a_422_naming_it(client: TestClient, keys: Keys, as_of: str) -> None:
    r = client.post("/v1/assessments", json={"as_of": as_of, "facts": {}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of", r.text
    r = client.post("/v1/cases", json={**DISCHARGE_CASE, "as_of": as_of}, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of", r.text


def test_the_last_supported_day_still_counts_its_deadlines(client: TestClient) -> None:
    body = {"as_of": "2060-12-31", "facts": {"debt": {"concern": True, "enforcement_notice_date": "2060-12-31"}}}
    r = client.post("/v1/assessments", json=body)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("born", [(dt.date.today() + dt.timedelta(days=1)).isoformat(), "0001-01-01"])
def test_an_impossible_birth_date_is_refused(client: TestClient, keys: Keys, born: str) -> None:
    body = copy.deepcopy(DISCHARGE_CASE)
    body["person"]["date_of_birth"] = born
    r = client.post("/v1/cases", json=body, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "person.date_of_birth"


@pytest.mark.parametrize("field", ["name", "phone", "address", "safe_contact_notes"])
def test_control_characters_in_person_details_are_refused_naming_the_field(
    client: TestClient, keys: Keys, field: str
) -> None:
    body = copy.deepcopy(DISCHARGE_CASE)
    body["person"][field] = "Testperson\x00Example"
    r = client.post("/v1/cases", json=body, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == f"person.{field}" and "control characters" in problem["detail"]
    assert client.get("/v1/cases", headers=keys.bearer(keys.hospital)).json()["items"] == []
