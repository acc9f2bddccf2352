"""Duty to refer (Housing Act 1996 s.213B) and the voluntary referral: who may send which, on whose
agreement, and that no discharge date is needed. The case facts bar a letter whatever was recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.letters.util import flat, html_text, load_case
from triage.engine.engine import Engine
from triage.facts import CaseFacts
from triage.letters import LetterContext, LetterDataError, build_context, render_letter

DTR_SECTION = "under the public authority duty to refer in section 213B"


def _facts(case: str, person: dict[str, Any] | None = None, health: dict[str, Any] | None = None) -> CaseFacts:
    facts, _, _ = load_case(case)
    return facts.model_copy(update={
        "person": facts.person.model_copy(update=person or {}),
        "health": facts.health.model_copy(update=health or {}),
    })  # fmt: skip


def _context(case: str, kind: str, facts: CaseFacts, **letter: Any) -> LetterContext:
    _, assessment, details = load_case(case)
    if letter:
        details = details.model_copy(update=letter)
    return build_context(kind, facts, assessment, details)


def _text(kind: str, ctx: LetterContext) -> str:
    return flat(html_text(render_letter(kind, ctx, "html")))


def _refused(kind: str, ctx: LetterContext) -> dict[str, str]:
    with pytest.raises(LetterDataError) as info:
        render_letter(kind, ctx, "html")
    return dict(info.value.problems)


def test_emergency_department_notice_needs_no_discharge_date() -> None:
    facts = _facts("discharge-homeless", health={"setting": "emergency_department", "admission_date": None,
                                                 "discharge_date": None, "care_needs_on_discharge": None})
    ctx = _context("discharge-homeless", "duty_to_refer", facts)
    assert ctx.hospital.service == "emergency_department" and ctx.hospital.discharge_date is None
    text = _text("duty_to_refer", ctx)
    assert DTR_SECTION in text and "may be homeless or threatened with homelessness" in text
    assert "Planned discharge date" not in text and "before the discharge date" not in text
    assert "Where the person was seen Referring service Emergency department" in text
    assert "as soon as you can" in text


def test_known_discharge_date_is_printed() -> None:
    facts, _, _ = load_case("discharge-homeless")
    text = _text("duty_to_refer", _context("discharge-homeless", "duty_to_refer", facts))
    assert "Planned discharge date: Friday 27 November 2026 (in 4 days)" in text
    assert "Planned discharge date Friday 27 November 2026" in text


@pytest.mark.parametrize(
    ("health", "service"),
    [
        ({"setting": "urgent_treatment_centre", "admission_date": None, "discharge_date": None},
         "urgent_treatment_centre"),
        ({"setting": "mental_health_inpatient"}, "inpatient"),
        ({"setting": "mental_health"}, "inpatient"),  # admitted (admission date known): a psychiatric ward
    ],
)
def test_specified_services_send_the_notice(health: dict[str, Any], service: str) -> None:
    ctx = _context("discharge-homeless", "duty_to_refer", _facts("discharge-homeless", health=health))
    assert ctx.hospital.service == service and not ctx.barred
    assert DTR_SECTION in _text("duty_to_refer", ctx)


@pytest.mark.parametrize("setting", ["gp_practice", "community", "mental_health"])
def test_no_section_213b_notice_from_outside_the_duty(setting: str) -> None:
    """Even when the letter section names a hospital service, the facts' setting decides."""
    facts = _facts("discharge-homeless", health={"setting": setting, "admission_date": None, "discharge_date": None})
    _, _, details = load_case("discharge-homeless")
    forced = details.hospital.model_copy(update={"service": "emergency_department"})
    problems = _refused("duty_to_refer", _context("discharge-homeless", "duty_to_refer", facts, hospital=forced))
    assert "not a public authority under the duty to refer" in problems["hospital.service"]
    assert "voluntary_referral" in problems["hospital.service"]


def test_gp_practice_gets_the_voluntary_referral_never_a_notice() -> None:
    facts, assessment, _ = load_case("gp-homeless")
    kinds = {x.kind for x in assessment.letters}
    assert "voluntary_referral" in kinds and "duty_to_refer" not in kinds
    text = _text("voluntary_referral", _context("gp-homeless", "voluntary_referral", facts))
    assert "Voluntary referral" in text and "this is not a notice under section 213B" in text
    assert DTR_SECTION not in text and "Agreed reason" not in text
    assert "This referral is not a homelessness application" in text
    assert "GP practices are not among the public authorities specified" in text


def test_voluntary_referral_is_refused_where_the_duty_applies() -> None:
    facts = _facts("gp-homeless", health={"setting": "emergency_department"})
    problems = _refused("voluntary_referral", _context("gp-homeless", "voluntary_referral", facts))
    assert "send the duty_to_refer notice" in problems["hospital.service"]


BOTH = [("discharge-homeless", "duty_to_refer"), ("gp-homeless", "voluntary_referral")]


@pytest.mark.parametrize(("case", "kind"), BOTH)
def test_a_refusal_in_the_facts_wins_over_a_recorded_consent(case: str, kind: str) -> None:
    facts = _facts(case, person={"consent_to_notify_housing": False})
    problems = _refused(kind, _context(case, kind, facts))
    assert "said no to the council being told" in problems["consent.given"]


def test_no_notice_on_the_own_agreement_of_a_person_who_lacks_capacity() -> None:
    for acting in (None, "none", "appointee", "best_interests_decision_maker"):
        facts = _facts("discharge-homeless", person={"lacks_capacity_for_decision": True, "acting_for_person": acting,
                                                     "acting_within_authority": True})
        problems = _refused("duty_to_refer", _context("discharge-homeless", "duty_to_refer", facts))
        assert "lacks capacity to agree" in problems["consent.given"]
        assert "adult social care" in problems["consent.given"] and "best-interests" in problems["consent.given"]


def test_a_deputy_within_their_authority_may_agree_and_the_notice_says_so() -> None:
    facts = _facts("discharge-homeless", person={"lacks_capacity_for_decision": True, "acting_for_person": "deputy",
                                                 "acting_within_authority": True})
    ctx = _context("discharge-homeless", "duty_to_refer", facts)
    assert ctx.consent.agreed_by_representative == "deputy"
    assert "name the attorney or deputy" in _refused("duty_to_refer", ctx)["consent.given_by"]
    named = ctx.model_copy(update={"consent": ctx.consent.model_copy(update={"given_by": "Sam Deputy-Fictional"}),
                                   "barred": []})  # fmt: skip
    text = _text("duty_to_refer", named)
    assert "Sam Deputy-Fictional, their deputy appointed by the Court of Protection" in text
    assert "Agreed by Sam Deputy-Fictional (deputy appointed by the Court of Protection)" in text


def test_a_deputy_beyond_their_authority_may_not() -> None:
    facts = _facts("discharge-homeless", person={"lacks_capacity_for_decision": True, "acting_for_person": "deputy",
                                                 "acting_within_authority": False})
    assert "lacks capacity" in _refused("duty_to_refer", _context("discharge-homeless", "duty_to_refer", facts))[
        "consent.given"]


@pytest.mark.parametrize(("case", "kind"), [("discharge-homeless", "duty_to_refer"), ("discharge-homeless", "referral"),
                                            ("gp-homeless", "voluntary_referral")])
def test_no_health_information_without_consent_to_share_it(case: str, kind: str) -> None:
    _, _, details = load_case(case)
    assert details.health_context
    facts = _facts(case, person={"consent_to_share_health": False})
    ctx = _context(case, kind, facts)
    assert ctx.health_context is None
    assert details.health_context not in _text(kind, ctx)


def test_no_referral_letter_when_the_person_said_no_to_being_referred() -> None:
    facts = _facts("gp-homeless", person={"consent_to_refer": False})
    assessment = Engine.default().assess(facts, dt.date(2026, 11, 23))
    assert "referral" not in {x.kind for x in assessment.letters}
    problems = _refused("referral", _context("gp-homeless", "referral", facts))
    assert "said no to being referred" in problems["consent.given"]


def test_the_notice_waits_for_consent_the_facts_do_not_yet_give() -> None:
    """Consent unknown in the facts: the notice is listed, to confirm, and nothing is sent without a
    recorded consent (the letter section's or the casework store's)."""
    facts = _facts("discharge-homeless", person={"consent_to_notify_housing": None, "housing_authority_chosen": None})
    assessment = Engine.default().assess(facts, dt.date(2026, 11, 23))
    dtr = next(x for x in assessment.letters if x.kind == "duty_to_refer")
    assert dtr.to_confirm == ["person.consent_to_notify_housing", "person.housing_authority_chosen"]
    homeless = next(n for n in assessment.needs if n.issue == "housing.homelessness")
    assert {"person.consent_to_notify_housing", "person.housing_authority_chosen"} <= set(homeless.to_confirm)
    assert assessment.questions[0].fact in dtr.to_confirm
    _, _, details = load_case("discharge-homeless")
    unrecorded = details.model_copy(update={"consent": details.consent.model_copy(update={
        "duty_to_refer": details.consent.duty_to_refer.model_copy(update={"given": None})})})  # fmt: skip
    ctx = build_context("duty_to_refer", facts, assessment, unrecorded)
    assert _refused("duty_to_refer", ctx)["consent.given"] == "missing"
