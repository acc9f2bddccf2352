"""Letter fields are checked when a case is stored or amended, named as the inputs that fill them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Keys
from tests.api.examples import DISCHARGE_CASE
from tests.api.test_letters_consent import record_duty_consent


def _missing(case: dict[str, Any], kind: str) -> dict[str, str]:
    link = next(x for x in case["letters_required"] if x["kind"] == kind)
    return {m["field"]: m["problem"] for m in link["missing"]}


def test_a_bare_case_says_at_once_what_each_letter_still_needs(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    bare = {k: v for k, v in DISCHARGE_CASE.items() if k != "letter"}
    made = client.post("/v1/cases", json=bare, headers=h)
    case = made.json()
    missing = _missing(case, "duty_to_refer")
    assert {"letter.referrer.name", "letter.referrer.role", "letter.referral_reason",
            "letter.consent.duty_to_refer.authority_chosen_by_person", "consent.duty_to_refer"} <= set(missing)
    assert "consents" in missing["consent.duty_to_refer"]
    # Every path named is one a caller can send (none of the letter's inner names).
    assert not any(f.startswith(("letter.recipient", "recipient.", "letter.person")) for f in missing)
    # Fill the letter section by amending the case: only the consent to record remains.
    letter = {k: v for k, v in DISCHARGE_CASE["letter"].items() if k not in ("housing_authority", "consent")}
    letter["consent"] = {"duty_to_refer": {"share_contact_details": True, "authority_chosen_by_person": True}}
    amend = {**h, "If-Match": made.headers["ETag"]}
    r = client.patch(f"/v1/cases/{case['id']}", json={"letter": letter}, headers=amend)
    assert r.status_code == 200, r.text
    # The authority comes from the consent (naming the one the person chose) or the letter section.
    left = _missing(r.json(), "duty_to_refer")
    assert set(left) == {"consent.duty_to_refer", "letter.housing_authority.organisation"}
    assert "recipient_name" in left["letter.housing_authority.organisation"]
    record_duty_consent(client, h, case["id"])
    after = client.get(f"/v1/cases/{case['id']}", headers=h).json()
    assert _missing(after, "duty_to_refer") == {}
    letter_page = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h)
    assert letter_page.status_code == 200, letter_page.text


def test_a_download_with_gaps_names_real_paths(client: TestClient, keys: Keys) -> None:
    h = keys.bearer(keys.hospital)
    bare = {k: v for k, v in DISCHARGE_CASE.items() if k != "letter"}
    case = client.post("/v1/cases", json=bare, headers=h).json()
    record_duty_consent(client, h, case["id"])
    r = client.get(f"/v1/cases/{case['id']}/letters/duty_to_refer", headers=h)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert "letter.referrer.name" in fields and "letter.consent.duty_to_refer.authority_chosen_by_person" in fields
    assert not any(f.startswith("letter.recipient") for f in fields)
    assert "letter.referrer.name" in r.json()["detail"]
