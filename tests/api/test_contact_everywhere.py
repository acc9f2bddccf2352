"""One contact rule everywhere: for every combination of safe-contact methods, the API's case
answer, the agency's referral packet, each letter and the casework page disclose exactly the
same contact details.

The expected details are written out here from the rule as the person would state it, not
computed by ``triage.facts.contact``, so a change to that rule fails this test too.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.v1.examples import DISCHARGE_LETTER
from tests.api.conftest import LAW_CENTRE, Keys
from tests.api.examples import DISCHARGE_CASE
from tests.api.test_letters_consent import AUTHORITY

PHONE, EMAIL, ADDRESS = "07700 900456", "fictional.person@example.org", "Flat 7, 3 Madeup Lane"
METHODS = ("phone", "text", "email", "post", "via_referrer")
LETTER = {
    **DISCHARGE_LETTER,
    "agency": {"organisation": "East London Imaginary Law Centre (fictional demo)"},
    "next_contact": "The law centre will contact you within two working days.",
    "consent": {**DISCHARGE_LETTER["consent"], "referral": {"scope": "The housing and health details this needs."}},
}
# The facts carry no safe-contact answer of their own, so the empty combination means "none recorded".
FACTS = {**DISCHARGE_CASE["facts"],
         "person": {k: v for k, v in DISCHARGE_CASE["facts"]["person"].items() if k != "safe_contact"}}  # fmt: skip
COMBINATIONS = [list(c) for n in range(len(METHODS) + 1) for c in itertools.combinations(METHODS, n)]


def expected(methods: list[str]) -> set[str]:
    """What may be shown: nothing when contact is only via the referrer or nothing is recorded;
    otherwise the number for phone or text, the email for email, the address for post."""
    if not methods or "via_referrer" in methods:
        return set()
    shown = set()
    if "phone" in methods or "text" in methods:
        shown.add(PHONE)
    if "email" in methods:
        shown.add(EMAIL)
    if "post" in methods:
        shown.add(ADDRESS)
    return shown


def shown_in(text: str) -> set[str]:
    return {d for d in (PHONE, EMAIL, ADDRESS) if d in text}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture
def nurse(client: TestClient) -> TestClient:
    page = client.get("/sign-in")
    r = client.post("/sign-in", follow_redirects=False, data={
        "email": "nurse@demo.example", "password": "fictional-demo-password", "csrf": _csrf(page.text)})  # fmt: skip
    assert r.status_code == 303, r.text
    return client


def _details(body: dict[str, Any] | None) -> set[str]:
    if not body:
        return set()
    return {v for v in (body.get("phone"), body.get("email"), body.get("address")) if v}


def test_every_combination_discloses_the_same_details_everywhere(nurse: TestClient, keys: Keys) -> None:
    client = nurse
    hospital, agency = keys.bearer(keys.hospital), keys.bearer(keys.agency)
    failures: list[str] = []
    for methods in COMBINATIONS:
        person = {**DISCHARGE_CASE["person"], "phone": PHONE, "email": EMAIL, "address": ADDRESS,
                  "safe_contact": methods}  # fmt: skip
        body = {**DISCHARGE_CASE, "facts": FACTS, "person": person, "letter": LETTER}
        made = client.post("/v1/cases", json=body, headers=hospital)
        assert made.status_code == 201, made.text
        case_id = made.json()["id"]
        want = expected(methods)
        seen: dict[str, set[str]] = {}
        seen["API case"] = _details(client.get(f"/v1/cases/{case_id}", headers=hospital).json()["contact"])
        referral = client.post(f"/v1/cases/{case_id}/referrals", headers=hospital, json={
            "issue": "housing.homelessness", "agency_id": LAW_CENTRE,
            "consent": {"given_by": "the person", "feedback_agreed": True}})  # fmt: skip
        assert referral.status_code == 201, referral.text
        packet = client.get(f"/v1/referrals/{referral.json()['referral']['id']}", headers=agency).json()
        seen["referral packet"] = _details(packet["safe_contact"])
        duty = {"purpose": "duty_to_refer", "given_by": "the person", "recipient_name": AUTHORITY}
        consent = client.post(f"/v1/cases/{case_id}/consents", headers=hospital, json=duty)
        assert consent.status_code == 201, consent.text
        for kind in ("duty_to_refer", "referral", "action_plan"):
            letter = client.get(f"/v1/cases/{case_id}/letters/{kind}", params={"format": "html"}, headers=hospital)
            assert letter.status_code == 200, f"{kind} {methods}: {letter.text[:300]}"
            seen[f"{kind} letter"] = shown_in(letter.text)
        page = client.get(f"/casework/cases/{case_id}")
        assert page.status_code == 200, page.text[:300]
        seen["casework page"] = shown_in(page.text.split('id="safe-contact"', 1)[1].split("</div>", 1)[0])
        for where, got in seen.items():
            if where == "action_plan letter":
                continue  # addressed to the person: it never needs their own details, checked below
            if got != want:
                failures.append(f"{methods}: {where} shows {sorted(got)}, expected {sorted(want)}")
        if not seen["action_plan letter"] <= want:
            failures.append(f"{methods}: the action plan shows {sorted(seen['action_plan letter'])}")
    assert not failures, "\n".join(failures)


def test_the_casework_page_says_the_rule_in_plain_words(nurse: TestClient, keys: Keys) -> None:
    hospital = keys.bearer(keys.hospital)
    for methods, words in [
        (["text"], "Safe to contact by text messages (texts only: do not call)."),
        (["phone", "via_referrer"], "Contact only through the referrer"),
        (["email", "post"], "Safe to contact by email or letters by post."),
    ]:
        person = {**DISCHARGE_CASE["person"], "phone": PHONE, "safe_contact": methods}
        case_id = nurse.post("/v1/cases", json={**DISCHARGE_CASE, "person": person}, headers=hospital).json()["id"]
        assert words in nurse.get(f"/casework/cases/{case_id}").text


def test_an_unknown_method_is_refused_naming_the_field(client: TestClient, keys: Keys) -> None:
    person = {**DISCHARGE_CASE["person"], "safe_contact": ["carrier pigeon"]}
    r = client.post("/v1/cases", json={**DISCHARGE_CASE, "person": person}, headers=keys.bearer(keys.hospital))
    assert r.status_code == 422 and "safe_contact" in r.text
