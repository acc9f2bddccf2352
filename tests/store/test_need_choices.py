"""Choosing an agency per need (issue 18): every need stays, overrides need a reason, unmet needs are
recorded, sending needs its consent, consent expires, and the case's dates go to a calendar file."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlmodel import select

from tests.store.conftest import actor
from tests.store.helpers import AS_OF, org_of
from triage.casework import need_choices, referrals
from triage.casework.calendar_file import case_calendar
from triage.casework.cases import PersonDetails, create_case, get_case
from triage.casework.communication import CommunicationNeeds
from triage.casework.consent import record_consent
from triage.casework.evidence import request_evidence
from triage.engine.engine import Engine
from triage.facts.identifiers import NhsNumberError, format_nhs_number, normalise_nhs_number
from triage.facts.languages import language_label, language_options
from triage.store.db import Database
from triage.store.errors import ConsentRequired, InvalidInput
from triage.store.models import Agency
from triage.store.types import utcnow

# Homeless tonight after domestic abuse: both needs are tier-3 emergencies.
EMERGENCY = {"person": {"age": 34, "borough": "hackney"},
             "housing": {"concern": True, "homeless_tonight": True},
             "family": {"domestic_abuse": True, "safe_now": False}}  # fmt: skip
PERSON = PersonDetails(name="Testperson Emergency-Fictional", safe_contact=["via_referrer"], code_word="heron",
                       communication=CommunicationNeeds(bsl=True))


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def _without_tier_3(db: Database, issue: str) -> None:
    """The directory as in a borough with no tier-3 service for ``issue``."""
    with db.transaction() as s:
        for a in s.exec(select(Agency)):
            if a.id and 3 in a.tiers and (issue in a.issues or issue.split(".")[0] in a.areas):
                a.tiers = [t for t in a.tiers if t != 3] or [1]
                s.add(a)


def test_an_emergency_with_no_tier_3_agency_is_saved_with_every_need(db: Database, engine: Engine) -> None:
    _without_tier_3(db, "housing.homelessness")
    lw = actor(db, "linkworker@demo.example")
    case = create_case(db, lw, EMERGENCY, AS_OF, engine, person=PERSON)
    issues = {n.issue: n for n in case.needs}
    assert issues["housing.homelessness"].urgency == "emergency" and issues["housing.homelessness"].tier == 3
    options = {o.issue: o for o in need_choices.need_options(db, lw, case.id)}
    assert set(options) == set(issues)  # every need offered, matched or not
    homeless = options["housing.homelessness"]
    assert homeless.matches == [] and homeless.unmet_reason == "no_agency" and "tier 3" in (homeless.unmet_detail or "")
    routed = {r.issue: r for r in referrals.route_case(db, lw, case.id)}
    assert routed["housing.homelessness"].unmet is not None
    after = get_case(db, lw, case.id, AS_OF)
    assert {n.issue for n in after.needs} == set(issues)
    assert [u.issue for u in after.unmet] == [i for i in issues if not options[i].matches]


def test_override_needs_a_reason_and_unmet_with_matches_needs_why(db: Database, engine: Engine) -> None:
    lw = actor(db, "linkworker@demo.example")
    case = create_case(db, lw, EMERGENCY, AS_OF, engine, person=PERSON)
    options = {o.issue: o for o in need_choices.need_options(db, lw, case.id)}
    need = next(o for o in options.values() if o.matches)
    with db.transaction() as s:
        stranger = next(a.id for a in s.exec(select(Agency)) if a.id not in {m.agency_id for m in need.matches})
    with pytest.raises(InvalidInput, match="say why you chose it"):
        need_choices.choose_agency(db, lw, case.id, need.need_id, stranger)
    with pytest.raises(InvalidInput, match="say why none of them fits"):
        need_choices.record_unmet(db, lw, case.id, need.need_id)
    ref = need_choices.choose_agency(db, lw, case.id, need.need_id, stranger, override_reason="already a client there")
    assert ref.override_reason == "already a client there" and ref.status == "draft"
    # One live referral per need: choosing again is refused until it is cancelled.
    with pytest.raises(Exception, match="already has a referral"):
        need_choices.choose_agency(db, lw, case.id, need.need_id, need.matches[0].agency_id)
    gaps = need_choices.consent_gaps(db, lw, case.id)
    assert "consent to be referred to" in gaps[ref.id]
    with pytest.raises(ConsentRequired):
        referrals.send_referral(db, lw, ref.id)
    record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org_of(db, stranger), method="verbal")
    assert need_choices.consent_gaps(db, lw, case.id) == {}
    assert referrals.send_referral(db, lw, ref.id).status == "sent"
    packet = referrals.get_referral(db, lw, ref.id)
    assert packet.communication == ["needs a British Sign Language interpreter"]
    assert packet.safe_times is None and packet.code_word is None  # via the referrer only: no code word to use


def test_consent_expiry_and_review_dates(db: Database, engine: Engine) -> None:
    lw = actor(db, "linkworker@demo.example")
    case = create_case(db, lw, EMERGENCY, AS_OF, engine, person=PERSON)
    today = utcnow().date()
    with pytest.raises(InvalidInput, match="expires_on"):
        record_consent(db, lw, case.id, "share_health", "the person", expires_on=today - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="review_on: review the consent before it expires"):
        later = today + dt.timedelta(days=1)
        record_consent(db, lw, case.id, "share_health", "the person", expires_on=today, review_on=later)
    c = record_consent(db, lw, case.id, "medical_evidence", "the person", recipient_name="Dr Pretend",
                       method="written", expires_on=today, review_on=today)  # fmt: skip
    assert c.method == "written" and c.live_on(today) and not c.live_on(today + dt.timedelta(days=1))


def test_calendar_file_holds_open_deadlines_and_evidence_dates_but_no_name(db: Database, engine: Engine) -> None:
    lw = actor(db, "linkworker@demo.example")
    pip = {"pip_stage": "refused", "pip_decision_date": "2026-11-03", "mr_requested": False}
    facts = {"person": {"age": 52, "borough": "hackney"}, "benefits": pip}
    case = create_case(db, lw, facts, AS_OF, engine, person=PersonDetails(name="Testperson Ics-Fictional"))
    record_consent(db, lw, case.id, "medical_evidence", "the person", recipient_name="Dr Pretend")
    request_evidence(db, lw, case.id, "pip", "Dr Pretend", AS_OF, needed_by=dt.date(2026, 12, 1), chase_every_days=7)
    body = case_calendar(db, lw, case.id, AS_OF, utcnow())
    cal = Calendar.from_ical(body)
    events = {str(e.get("summary")): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    # The PIP mandatory reconsideration: one month from the decision on 3 November is 3 December 2026.
    assert dt.date(2026, 12, 3) in events.values()
    assert events[f"case {case.id[:8]}: medical evidence due from Dr Pretend"] == dt.date(2026, 12, 1)
    # Chase proposed halfway from sending (23 Nov) to the reply-by date (1 Dec): 27 November.
    assert events[f"case {case.id[:8]}: chase medical evidence from Dr Pretend"] == dt.date(2026, 11, 27)
    assert b"Testperson" not in body and b"BEGIN:VCALENDAR" in body


def test_communication_needs_reach_the_facts_routing_reads(db: Database, engine: Engine) -> None:
    lw = actor(db, "linkworker@demo.example")
    person = PersonDetails(name="Testperson Bsl-Fictional", communication=CommunicationNeeds(language="bn", bsl=True))
    case = create_case(db, lw, EMERGENCY, AS_OF, engine, person=person)
    assert case.facts["person"]["language"] == "bn" and case.facts["person"]["interpreter_needed"] is True
    assert case.communication["bsl"] is True
    with pytest.raises(ValueError, match="not a language on the list"):
        CommunicationNeeds(language="xx")


def test_nhs_number_is_checked_by_its_check_digit() -> None:
    assert normalise_nhs_number("999 000 0018") == "9990000018"
    assert normalise_nhs_number("999-000-0018") == "9990000018"
    assert format_nhs_number("9990000018") == "999 000 0018"
    for bad, words in (("999 000 0019", "not a valid NHS number"), ("12345", "10 numbers long; this one has 5"),
                       ("999 000 001X", "only include numbers")):  # fmt: skip
        with pytest.raises(NhsNumberError, match=words):
            normalise_nhs_number(bad)
    with pytest.raises(ValueError, match="not a valid NHS number"):
        PersonDetails(nhs_number="9990000019")


def test_language_list_is_iso_639_1_named_in_english_and_in_the_language() -> None:
    options = language_options()
    codes = [o.code for o in options]
    assert len(codes) == len(set(codes)) and len(codes) > 150 and all(len(c) == 2 for c in codes)
    assert "iw" not in codes and "he" in codes  # aliases are not listed twice
    assert language_label("so") == "Somali (Soomaali)" and language_label("en") == "English"
    assert language_label("pl") == "Polish (polski)"
    names = [o.english.casefold() for o in options]
    assert names == sorted(names)
