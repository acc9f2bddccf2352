"""What each letter must say: DOMAIN.md sections 2.3, 4 and 5."""

from __future__ import annotations

import pytest

from tests.letters.util import ALL_LETTERS, context, flat, html_text, rendered
from triage.letters.environment import weekday


def _text(case: str, kind: str, purpose: str | None = None) -> str:
    return flat(html_text(rendered(case, kind, purpose, "html")))


def test_referral_has_tiers_urgency_access_consent_contact_and_what_was_tried() -> None:
    text = _text("discharge-homeless", "referral")
    ctx = context("discharge-homeless", "referral")
    for need in ctx.needs:
        assert need.issue_label in text
    assert "Tier 3 (casework or specialist)" in text and "Emergency" in text
    assert "Interpreter needed Yes: Bengali" in text
    assert "Digital access None: no internet or email" in text
    assert "Disability or adjustments Uses a walking frame" in text
    assert "Contact by Phone" in text and "Voicemail is safe No" in text
    assert "Asked a friend to stay" in text
    assert "gave explicit consent" in text and "Shared with Example Law Centre only" in text
    assert "Deadlines" in text and "Friday 27 November 2026 in 4 days" in text


def test_referral_with_no_known_deadline_says_so() -> None:
    ctx = context("three-problems", "referral")
    ctx = ctx.model_copy(update={"needs": [n.model_copy(update={"deadlines": []}) for n in ctx.needs]})
    from triage.letters import render_letter

    text = flat(html_text(render_letter("referral", ctx, "html")))
    assert "No dated deadline is known yet" in text


def test_medical_request_shares_its_own_health_context_only() -> None:
    text = _text("three-problems", "medical_evidence", "pip")
    assert "struggles to walk far" in text and "asthma" not in text
    assert "asthma" in _text("three-problems", "medical_evidence", "disrepair")


def test_duty_to_refer_carries_what_the_duty_requires() -> None:
    text = _text("discharge-homeless", "duty_to_refer")
    ctx = context("discharge-homeless", "duty_to_refer")
    assert "section 213B of the Housing Act 1996" in text
    assert "This referral is not a homelessness application" in text
    assert "Planned discharge date: Friday 27 November 2026 (in 4 days)" in text
    assert "Referring service Inpatient care" in text
    assert "Consents to the referral Yes" in text
    assert "Chose this housing authority Yes" in text and "Agrees to share contact details Yes" in text
    assert ctx.referral_reason and ctx.referral_reason in text
    assert ctx.person.phone and ctx.person.phone in text
    assert "Homelessness (Review Procedure etc.) Regulations 2018" in text
    # Minimum necessary: no other needs' detail goes to the council.
    assert "Unsafe discharge from hospital" not in text and "Tier 3" not in text


MEDICAL = sorted({(case, p) for case, k, p in ALL_LETTERS if k == "medical_evidence"}, key=lambda x: str(x[1]))
LEGAL_TEST = {
    "pip": ["regulations 4(2A) and 7", "safely, to an acceptable standard, repeatedly", "Mobility"],
    "wca": ["limited capability for work (LCW)", "(LCWRA)", "substantial risk"],
    "housing_medical": ["section 166A(3)(d)", "medical or welfare grounds"],
    "homelessness_vulnerability": ["section 189(1)(c)", "Hotak v Southwark", "significantly more vulnerable"],
    "disrepair": ["sections 9A and 11", "Awaab's Law", "serious risk of harm"],
    "employment": ["Equality Act 2010, section 6", "reasonable adjustments", "12 months"],
    "debt_mental_health": ["Debt and Mental Health Evidence Form", "should not charge"],
    "mental_health_tribunal": ["section 72(1)(a)", "within 14 days of the section starting", "no means test"],
    "mental_health_crisis_breathing_space": ["approved mental health professional (AMHP)", "regulation 28",
                                             "30 days after it", "should be free"],
}


@pytest.mark.parametrize(("case", "purpose"), MEDICAL, ids=[p or "" for _, p in MEDICAL])
def test_medical_request_names_decision_deadline_function_and_consent(case: str, purpose: str) -> None:
    text = _text(case, "medical_evidence", purpose)
    ctx = context(case, "medical_evidence", purpose)
    assert ctx.focus is not None and ctx.reply_by is not None
    assert f"Please reply by {weekday(ctx.reply_by)}" in text
    first = ctx.focus.live_deadlines[0].date if ctx.focus.live_deadlines else None
    if first is not None and ctx.reply_by >= first:
        assert "That is the deadline itself, so please reply as soon as you can" in text
    assert f"The decision and its deadline {ctx.focus.issue_label}" in text
    assert "A diagnosis alone does not help" in text
    assert "What they can and cannot do safely" in text and "good days and bad days" in text
    assert f"{ctx.person.name} has consented to us asking you for this evidence" in text
    assert "Fees" in text
    for phrase in LEGAL_TEST[purpose]:
        assert phrase in text, phrase
