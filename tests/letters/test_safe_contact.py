"""Minimum necessary contact details: a letter carries only what the person's safe-contact
method allows, and none at all when they may only be reached through the referrer, when no
method is recorded, or when they did not agree to share contact details."""

from __future__ import annotations

from functools import cache

import pytest

from tests.letters.util import ALL_LETTERS, flat, load_case, text_of
from triage.letters import LetterContext, build_context, render_letter
from triage.letters.case_file import WITHHELD_NO_CONSENT, WITHHELD_UNKNOWN, WITHHELD_VIA_REFERRER

# Every example person gets all three kinds of contact detail, so a leak would show.
PHONE, EMAIL, ADDRESS = "07700 900999", "fictional.person@example.com", "99 Leaky Lane"


def _context(case: str, kind: str, purpose: str | None, method: str | None, share: bool | None = None) -> LetterContext:
    facts, assessment, details = load_case(case)
    person = details.person.model_copy(update={"phone": PHONE, "email": EMAIL, "address": [ADDRESS, "London E1 0ZZ"]})
    safe = details.safe_contact.model_copy(update={"methods": [method] if method else []})
    facts = facts.model_copy(update={"person": facts.person.model_copy(update={"safe_contact": method})})
    consent = details.consent
    if share is not None:
        consent = consent.model_copy(update={
            k: getattr(consent, k).model_copy(update={"share_contact_details": share})
            for k in ("referral", "medical_evidence", "duty_to_refer", "voluntary_referral")})  # fmt: skip
    details = details.model_copy(update={"person": person, "safe_contact": safe, "consent": consent})
    return build_context(kind, facts, assessment, details, purpose)


@cache
def _text(case: str, kind: str, purpose: str | None, method: str | None, fmt: str = "html",
          share: bool | None = None) -> str:  # fmt: skip
    return flat(text_of(fmt, render_letter(kind, _context(case, kind, purpose, method, share), fmt)))


IDS = [f"{c}-{k}-{p}" if p else f"{c}-{k}" for c, k, p in ALL_LETTERS]


def test_every_kind_of_letter_is_covered() -> None:
    kinds = {k for _, k, _ in ALL_LETTERS}
    assert kinds == {"referral", "medical_evidence", "duty_to_refer", "voluntary_referral", "action_plan"}
    assert len({p for _, k, p in ALL_LETTERS if k == "medical_evidence"}) == 9


@pytest.mark.parametrize(("case", "kind", "purpose"), ALL_LETTERS, ids=IDS)
@pytest.mark.parametrize("method", ["via_referrer", None])
def test_no_personal_contact_details_when_only_the_referrer_may_be_used(
    case: str, kind: str, purpose: str | None, method: str | None
) -> None:
    text = _text(case, kind, purpose, method)
    assert PHONE not in text and EMAIL not in text and ADDRESS not in text
    ctx = _context(case, kind, purpose, method)
    assert ctx.contact_withheld == (WITHHELD_VIA_REFERRER if method else WITHHELD_UNKNOWN)
    assert ctx.person.phone is None and ctx.person.email is None and ctx.person.address == []
    referrer = ctx.referrer.name
    assert referrer
    if kind in ("referral", "duty_to_refer", "voluntary_referral"):
        assert f"only through the referrer: {referrer}" in text
        assert ctx.contact_withheld in text
        assert "Contact by Phone" not in text and "Contact by Only through the referrer" in text
    if kind == "duty_to_refer":
        assert "the contact details this referral gives for them under section 213B are the referrer's" in text
    if kind == "action_plan":
        assert f"They will not contact you themselves. They will go through {referrer}." in text


@pytest.mark.parametrize(("case", "kind", "purpose"), ALL_LETTERS, ids=IDS)
@pytest.mark.parametrize(("method", "shown"), [("phone", PHONE), ("text", PHONE), ("email", EMAIL), ("post", ADDRESS)])
def test_only_the_detail_the_method_allows(case: str, kind: str, purpose: str | None, method: str, shown: str) -> None:
    text = _text(case, kind, purpose, method)
    for detail in {PHONE, EMAIL, ADDRESS} - {shown}:
        assert detail not in text
    if kind in ("referral", "duty_to_refer", "voluntary_referral"):
        assert shown in text
    if kind == "action_plan":
        assert shown not in text  # the plan is for the person: it never repeats their own details


def test_phone_says_whether_voicemail_and_texts_are_safe() -> None:
    facts, assessment, details = load_case("discharge-homeless")
    safe = details.safe_contact.model_copy(update={"methods": ["phone"], "voicemail_ok": False, "texts_ok": True})
    ctx = build_context("referral", facts, assessment, details.model_copy(update={"safe_contact": safe}))
    text = flat(text_of("html", render_letter("referral", ctx, "html")))
    assert "Contact by Phone" in text and "Voicemail is safe No" in text and "Texts are safe Yes" in text


SHARING = [(i, x) for i, x in zip(IDS, ALL_LETTERS, strict=True) if x[1] in ("referral", "medical_evidence")]


@pytest.mark.parametrize(("case", "kind", "purpose"), [x for _, x in SHARING], ids=[i for i, _ in SHARING])
def test_no_contact_details_without_consent_to_share_them(case: str, kind: str, purpose: str | None) -> None:
    text = _text(case, kind, purpose, "phone", share=False)
    assert PHONE not in text and EMAIL not in text and ADDRESS not in text
    assert _context(case, kind, purpose, "phone", share=False).contact_withheld == WITHHELD_NO_CONSENT


def test_duty_to_refer_cannot_go_without_agreement_to_share_contact_details() -> None:
    from triage.letters import LetterDataError

    ctx = _context("discharge-homeless", "duty_to_refer", None, "phone", share=False)
    with pytest.raises(LetterDataError, match=r"consent\.share_contact_details"):
        render_letter("duty_to_refer", ctx, "html")


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_via_referrer_in_pdf_and_word(fmt: str) -> None:
    for kind, purpose in (("duty_to_refer", None), ("referral", None)):
        text = _text("discharge-homeless", kind, purpose, "via_referrer", fmt)
        squashed = "".join(text.split())
        for detail in (PHONE, EMAIL, ADDRESS):
            assert "".join(detail.split()) not in squashed
        assert "onlythroughthereferrer" in squashed
    text = _text("three-problems", "medical_evidence", "pip", "via_referrer", fmt)
    assert "".join(ADDRESS.split()) not in "".join(text.split())
