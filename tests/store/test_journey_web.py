"""The link worker's journey over HTTP (issue 18): result -> case -> consent -> agency per need ->
send -> letters -> calendar, each step through the pages only and checked against the store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import select

from api.app import create_app
from tests.questionnaire.personas import THREE_PROBLEMS
from tests.questionnaire.test_web import FormClient, walk
from tests.store.conftest import DEMO_PASSWORD, actor
from tests.store.test_web import _csrf, sign_in
from triage.casework import need_choices, referrals
from triage.casework.cases import get_case
from triage.questionnaire import Questionnaire, load_questionnaire
from triage.settings import Settings
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import Agency, Case, Consent, Referral

AS_OF = date(2026, 11, 23)
DOB = {"dob-day": "15", "dob-month": "3", "dob-year": "1974"}
PERSON = {"name": "Testperson Journey-Fictional", **DOB, "nhs_number": "999 000 0018",
          "address": "1 Pretend Road, London E8 1AA", "phone": "07700 900456", "contact": ["text", "via_referrer"],
          "safe_times": "weekdays 10am to 2pm", "code_word": "bluebell", "language": "so",
          "needs": ["interpreter", "large_print"]}  # fmt: skip


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = create_app(Settings(as_of=AS_OF, outbox_worker=False), database=db)
    with FormClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture(scope="module")
def qn() -> Questionnaire:
    return load_questionnaire()


def _errors(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", e).replace("Error:", "").strip()
            for e in re.findall(r'class="nhsuk-error-message"[^>]*>(.*?)</span>\s*</span>|'
                                r'class="nhsuk-error-message"[^>]*>(?:.*?)</span>(.*?)</span>', html, re.S)
            for e in (e if isinstance(e, tuple) else (e,)) if e]  # fmt: skip


def save_case(client: TestClient, qn: Questionnaire, answers: dict[str, Any], person: dict[str, Any]) -> Any:
    sign_in(client, "linkworker@demo.example")
    walk(client, qn, answers)
    form = client.get("/casework/cases/new")
    assert form.status_code == 200, form.text
    return client.post("/casework/cases/new", data={**person, "csrf": _csrf(form.text)}, follow_redirects=False)


def test_result_page_offers_saving_and_sign_in_comes_back(client: TestClient, qn: Questionnaire) -> None:
    walk(client, qn, THREE_PROBLEMS)
    result = client.get("/questionnaire/result")
    assert 'href="/casework/cases/new"' in result.text
    # What to do first, by when, at the top: emergency, urgent, routine; the hearing date first.
    first = re.findall(r'data-first="([^"]+)"', result.text)
    assert first == ["housing.possession_social", "benefits.pip", "debt.council_tax"]
    assert result.text.index('data-testid="first"') < result.text.index('data-need="housing.possession_social"')
    assert "<strong>30 November 2026</strong>" in result.text.split('data-first="benefits.pip"')[0]
    assert result.text.count('<span class="nhsuk-details__summary-text">Why') == 3
    r = client.get("/casework/cases/new", follow_redirects=False)
    assert r.headers["location"] == "/sign-in?next=/casework/cases/new"
    page = client.get(r.headers["location"])
    assert 'name="next" value="/casework/cases/new"' in page.text
    done = client.post("/sign-in", data={"email": "linkworker@demo.example", "password": DEMO_PASSWORD,
                                         "csrf": _csrf(page.text), "next": "/casework/cases/new"},
                       follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/casework/cases/new"
    # The answers survived signing in: the form is offered, not "no questionnaire".
    assert "Save the case" in client.get("/casework/cases/new").text
    evil = client.get("/sign-in?next=//elsewhere.example/")
    assert "elsewhere" not in evil.text


def test_person_form_errors_are_plain_and_beside_the_field(client: TestClient, qn: Questionnaire) -> None:
    bad = {**PERSON, "name": "", "nhs_number": "999 000 0019", "dob-year": "2031", "contact": [],
           "email": "not an email"}  # fmt: skip
    r = save_case(client, qn, THREE_PROBLEMS, bad)
    assert r.status_code == 400
    text = r.text
    for message in ("Enter the person&#39;s full name", "Date of birth must be today or in the past",
                    "This is not a valid NHS number", "Say how the person can be contacted safely",
                    "Enter an email address in the right format"):  # fmt: skip
        assert message in text, message
    assert "Value error" not in text and "validation error" not in text.lower()
    assert 'value="Pretend' not in text or "1 Pretend Road" in text  # what was typed is kept


def test_whole_journey_through_the_pages(client: TestClient, qn: Questionnaire, db: Database) -> None:
    r = save_case(client, qn, THREE_PROBLEMS, PERSON)
    assert r.status_code == 303, _errors(r.text) or r.text[:2000]
    case_id = r.headers["location"].rsplit("/", 1)[1]
    lw = actor(db, "linkworker@demo.example")
    case = get_case(db, lw, case_id, AS_OF)
    # Every need of the assessment stays in the case; details and needs travel with it.
    assert [n.issue for n in case.needs] == ["housing.possession_social", "benefits.pip", "debt.council_tax"]
    assert case.nhs_number == "9990000018" and case.code_word == "bluebell"
    assert case.communication["language"] == "so" and case.communication["large_print"] is True
    assert case.facts["person"]["language"] == "so"
    # The questionnaire draft is gone: the answers live in the case only.
    assert client.get("/casework/cases/new").status_code == 409

    page = client.get(f"/casework/cases/{case_id}")
    assert page.status_code == 200
    first = re.findall(r'<li data-need="([^"]+)">', page.text)
    assert first == ["housing.possession_social", "benefits.pip", "debt.council_tax"]  # emergency, urgent, routine
    assert ("Somali (Soomaali)" in page.text and "Large print" in page.text) or "large print" in page.text
    assert "data-testid=\"first\"" in page.text and "app-quick-exit" in page.text
    assert page.headers["cache-control"] == "no-store"

    # Consent, separately and explicitly, with how and when to review it.
    form = client.get(f"/casework/cases/{case_id}/consent")
    bad = client.post(f"/casework/cases/{case_id}/consent", data={
        "csrf": _csrf(form.text), "purposes": ["share_health", "medical_evidence"], "given_by": "the person",
        "method": "verbal", "review-day": "1", "review-month": "1", "review-year": "2020"})  # fmt: skip
    assert bad.status_code == 400
    assert "Name the GP, consultant or practice" in bad.text and "must be today or in the future" in bad.text
    ok = client.post(f"/casework/cases/{case_id}/consent", data={
        "csrf": _csrf(form.text), "purposes": ["share_health", "medical_evidence"], "given_by": "the person",
        "method": "verbal", "clinician": "Dr Pretend Example", "review-day": "1", "review-month": "3",
        "review-year": "2027"}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    with db.transaction() as s:
        rows = list(s.exec(select(Consent).where(Consent.case_id == case_id)))
        assert sorted(c.purpose for c in rows) == ["medical_evidence", "share_health"]
        assert {c.method for c in rows} == {"verbal"} and {c.review_on for c in rows} == {date(2027, 3, 1)}

    # An agency per need: the best match drafted with consent; the second without consent cannot be sent.
    opts = {o.issue: o for o in need_choices.need_options(db, lw, case_id)}
    housing, pip = opts["housing.possession_social"], opts["benefits.pip"]
    assert housing.matches and pip.matches
    choose = client.get(f"/casework/cases/{case_id}/needs/{housing.need_id}")
    assert housing.matches[0].name in choose.text and "; ".join(housing.matches[0].reasons) in choose.text
    r = client.post(f"/casework/cases/{case_id}/needs/{housing.need_id}", data={
        "csrf": _csrf(choose.text), "agency": housing.matches[0].agency_id, "consent": "yes",
        "given_by": "the person", "method": "verbal"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, _errors(r.text)
    with db.transaction() as s:
        matched = {x.agency_id for x in pip.matches}
        other = next(a for a in s.exec(select(Agency).order_by(Agency.id)) if a.id not in matched)
    no_reason = client.post(f"/casework/cases/{case_id}/needs/{pip.need_id}", data={
        "csrf": _csrf(choose.text), "agency": "other", "other_agency": other.id})  # fmt: skip
    assert no_reason.status_code == 400 and "Say why you chose an agency" in no_reason.text
    r = client.post(f"/casework/cases/{case_id}/needs/{pip.need_id}", data={
        "csrf": _csrf(choose.text), "agency": "other", "other_agency": other.id,
        "override_reason": "already has an adviser there"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    with db.transaction() as s:
        refs = {x.need_id: x for x in s.exec(select(Referral).where(Referral.case_id == case_id))}
    assert refs[pip.need_id].override_reason == "already has an adviser there"
    page = client.get(f"/casework/cases/{case_id}")
    assert "Missing before it can be sent" in page.text and f"be referred to {other.name}" in page.text
    refused = client.post(f"/casework/cases/{case_id}/referrals/{refs[pip.need_id].id}/send",
                          data={"csrf": _csrf(page.text)})  # fmt: skip
    assert refused.status_code == 409
    assert f"Not sent: the person&#39;s consent to be referred to {other.name}" in refused.text
    sent = client.post(f"/casework/cases/{case_id}/referrals/{refs[housing.need_id].id}/send",
                       data={"csrf": _csrf(page.text)}, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303

    # The third need: none fits, recorded as unmet with the reason; it stays in the case.
    debt = opts["debt.council_tax"]
    r = client.post(f"/casework/cases/{case_id}/needs/{debt.need_id}", data={
        "csrf": _csrf(page.text), "agency": "unmet", "unmet_reason": "person wants to wait a month"},
        follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/casework/cases/{case_id}")
    assert "Unmet need" in page.text and "person wants to wait a month" in page.text

    # Letters: the form asks for what is missing, in words, then the letter downloads as PDF and Word.
    ref_id = refs[housing.need_id].id
    letter = client.get(f"/casework/cases/{case_id}/letters/referral?referral={ref_id}")
    assert "Your job title" in letter.text and "referrer.role" not in letter.text.replace('name="referrer.role"', "")
    missing = client.post(f"/casework/cases/{case_id}/letters/referral?referral={ref_id}", data={
        "csrf": _csrf(letter.text), "referrer.role": "Social prescribing link worker",
        "consent.referral.scope": "the housing problem and the hearing date"}, follow_redirects=False)  # fmt: skip
    assert missing.status_code == 303
    shown = client.get(missing.headers["location"])
    assert "<iframe" in shown.text and "Download as PDF" in shown.text, shown.text[-3000:]
    html = client.get(f"/casework/cases/{case_id}/letters/referral/download?referral={ref_id}&format=html").text
    assert "Testperson Journey-Fictional" in html and "Social prescribing link worker" in html
    assert "07700 900456" not in html  # only through the referrer: no direct details
    assert "<td>Somali</td>" in html and "Large print" in html
    assert re.search(r"Interpreter needed</th><td>Yes", html)
    assert "Council Tax" not in html  # this agency's letter names only its own need
    pdf = client.get(f"/casework/cases/{case_id}/letters/referral/download?referral={ref_id}&format=pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].startswith("attachment")
    docx = client.get(f"/casework/cases/{case_id}/letters/referral/download?referral={ref_id}&format=docx")
    assert docx.content.startswith(b"PK")

    # An agency declines; the link worker sees the decision and the reason on the case page.
    with db.transaction() as s:
        agency = s.get(Agency, refs[housing.need_id].agency_id)
        assert agency is not None
        agency_org = agency.organisation_id
    adviser = Actor(user_id=None, organisation_id=agency_org, role="adviser")
    referrals.decline_referral(db, adviser, ref_id, "no_capacity")
    page = client.get(f"/casework/cases/{case_id}")
    assert re.search(rf'data-referral="{ref_id}" data-status="declined"', page.text)
    assert "because no capacity" in page.text

    # The calendar file holds the hearing and no name.
    ics = client.get(f"/casework/cases/{case_id}/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(ics.content)
    days = {ev.decoded("dtstart") for ev in cal.walk("VEVENT")}
    assert date(2026, 11, 30) in days
    assert b"Testperson" not in ics.content
    with db.transaction() as s:
        assert s.get(Case, case_id) is not None


def test_evidence_requests_sent_chased_received_and_overdue_on_the_case_list(
    client: TestClient, qn: Questionnaire, db: Database
) -> None:
    r = save_case(client, qn, THREE_PROBLEMS, PERSON)
    case_id = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/casework/cases/{case_id}")
    assert "consent to contact their GP or consultant first" in page.text
    client.post(f"/casework/cases/{case_id}/consent", data={
        "csrf": _csrf(page.text), "purposes": ["medical_evidence"], "given_by": "the person", "method": "written",
        "clinician": "Dr Pretend Example"})  # fmt: skip
    future = client.post(f"/casework/cases/{case_id}/evidence", data={
        "csrf": _csrf(page.text), "purpose": "pip", "clinician": "Dr Pretend Example",
        "sent-day": "1", "sent-month": "1", "sent-year": "2027"})  # fmt: skip
    assert future.status_code == 400 and "The date it was sent must be today or in the past" in future.text
    sent = client.post(f"/casework/cases/{case_id}/evidence", data={
        "csrf": _csrf(page.text), "purpose": "pip", "clinician": "Dr Pretend Example",
        "sent-day": "23", "sent-month": "11", "sent-year": "2026"}, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    lw = actor(db, "linkworker@demo.example")
    (req,) = get_case(db, lw, case_id, AS_OF).evidence
    # PIP: reconsideration due 3 December 2026; the reply is asked for a week before, on 26 November,
    # and a chase proposed halfway, on 24 November (23 Nov + 3 days / 2, rounded down).
    assert req.needed_by == date(2026, 11, 26) and req.next_chase_on == date(2026, 11, 24)
    page = client.get(f"/casework/cases/{case_id}")
    assert 'data-chase="2026-11-24"' in page.text
    letter = client.get(f"/casework/cases/{case_id}/letters/medical_evidence?purpose=pip")
    assert "Your job title" in letter.text  # the form, not an error listing field names
    listed = client.get("/casework/cases?as_of=2026-11-27")
    assert re.search(rf'data-case="{case_id}".*?1 overdue', listed.text, re.S)
    client.post(f"/casework/cases/{case_id}/evidence/{req.id}/chase", data={"csrf": _csrf(page.text)})
    got = client.post(f"/casework/cases/{case_id}/evidence/{req.id}/received", data={
        "csrf": _csrf(page.text), "received-day": "23", "received-month": "11", "received-year": "2026",
        "note": "letter supports daily living points"}, follow_redirects=False)  # fmt: skip
    assert got.status_code == 303
    (req,) = get_case(db, lw, case_id, AS_OF).evidence
    assert req.received_on == AS_OF and req.reply_note == "letter supports daily living points"
    assert req.chased_on == [AS_OF.isoformat()]
    listed = client.get("/casework/cases?as_of=2026-11-27")
    assert not re.search(rf'data-case="{case_id}".*?1 overdue', listed.text, re.S)
