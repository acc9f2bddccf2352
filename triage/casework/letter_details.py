"""A stored case's letter details: the one place that assembles them, and says what is still missing.

A letter is built from the case's ``letter:`` section, with the case record
winning for who the person is and how to reach them (``safe_contact`` decides
what may be used), the organisation as the referrer, and the stored consent
for the letter's purpose. ``letter_gaps`` checks every letter the assessment
requires as soon as the case is stored or amended, so the caller learns the
missing fields then, named as the inputs that fill them
(``triage.letters.inputs``), not first at download.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from triage.casework.consent import active_consent, recipient_label
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.letters import LetterDetails, LetterDetailsError, build_context, parse_details, template_spec
from triage.letters.inputs import CONSENT_PURPOSE, RECIPIENT_SECTION, input_path
from triage.letters.manifest import check
from triage.store.errors import ConsentRequired
from triage.store.models import Case, Consent, Organisation, User

LETTER_DETAILS_KEY = "_letter"
"""Where a case's letter details are kept inside ``cases.answers`` (see docs/api.md)."""


def letter_details(s: Session, case: Case, kind: str, consent: Consent | None) -> LetterDetails:
    """The letter details for ``kind`` from the stored case (and its live ``consent``, when one is found)."""
    stored: dict[str, Any] = dict(case.answers.get(LETTER_DETAILS_KEY) or {})
    person = {k: v for k, v in {
        "name": case.person_name,
        "date_of_birth": case.date_of_birth.isoformat() if case.date_of_birth else None,
        "phone": case.contact_phone,
        "email": case.contact_email,
        "address": [case.contact_address] if case.contact_address else None,
    }.items() if v is not None}  # fmt: skip
    # The case record wins over the letter section for who the person is and how to reach them.
    stored["person"] = {**(stored.get("person") or {}), **person}
    safe: dict[str, Any] = dict(stored.get("safe_contact") or {})
    safe.pop("method", None)
    safe["methods"] = list(case.safe_contact)  # every method: triage.facts.contact decides what they allow
    if case.safe_contact_notes:
        safe["details"] = case.safe_contact_notes
    stored["safe_contact"] = safe
    org = s.get(Organisation, case.organisation_id)
    if org is not None:
        stored["referrer"] = {"organisation": org.name, **(stored.get("referrer") or {})}
    if consent is not None and kind in CONSENT_PURPOSE:
        section = RECIPIENT_SECTION[kind]
        if section == "housing_authority" and not (stored.get(section) or {}).get("organisation"):
            # Nobody named the authority on the letter: it is the one the person chose, as
            # the consent names it (the case's `place.housing_authority` says where they live).
            stored[section] = {**(stored.get(section) or {}), "organisation": recipient_label(s, consent)}
        taker = s.get(User, consent.taken_by)
        consents: dict[str, Any] = dict(stored.get("consent") or {})
        consents[kind] = {
            **(consents.get(kind) or {}),
            "given": True,
            "date": consent.given_at.date().isoformat(),
            "recipient": recipient_label(s, consent) or None,
            "taken_by": taker.display_name if taker else consent.taken_by,
            "feedback_agreed": consent.feedback_agreed,
            "given_by": consent.given_by,
        }
        stored["consent"] = consents
    return parse_details(stored, "case letter details")


def _live(s: Session, case: Case, kind: str) -> Consent | None:
    if kind not in CONSENT_PURPOSE:
        return None
    stored = case.answers.get(LETTER_DETAILS_KEY) or {}
    recipient = (stored.get(RECIPIENT_SECTION[kind]) or {}).get("organisation")
    try:
        return active_consent(s, case.id, CONSENT_PURPOSE[kind],
                              preferred_recipient=recipient if isinstance(recipient, str) else None)  # fmt: skip
    except ConsentRequired:
        return None


def letter_gaps(s: Session, case: Case) -> dict[str, list[tuple[str, str]]]:
    """For each letter the assessment requires (``kind`` or ``kind/purpose``): what stops it going
    out, as (input path, problem). Consent, recorded after the case, is one entry naming its purpose."""
    if not case.assessment:
        return {}
    assessment = Assessment.model_validate(case.assessment)
    facts = CaseFacts.model_validate(case.facts)
    out: dict[str, list[tuple[str, str]]] = {}
    for x in assessment.letters:
        name = f"{x.kind}/{x.purpose}" if x.purpose else x.kind
        consent = _live(s, case, x.kind)
        try:
            details = letter_details(s, case, x.kind, consent)
        except LetterDetailsError as exc:
            out[name] = list(exc.problems)
            continue
        ctx = build_context(x.kind, facts, assessment, details, x.purpose)
        found: dict[str, str] = {}
        for field, problem in check(template_spec(x.kind, x.purpose), ctx):
            path = input_path(x.kind, field, x.purpose)
            if path.startswith("consent."):
                problem = "record the person's consent: POST /v1/cases/{id}/consents"
            elif path == "letter.housing_authority.organisation" and consent is None:
                problem = (
                    "missing: name the authority the person chose here or as the consent's recipient_name "
                    "(place.housing_authority is the one they live in)"
                )
            found.setdefault(path, problem)
        out[name] = sorted(found.items())
    return out
