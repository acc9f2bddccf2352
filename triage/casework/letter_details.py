"""What a stored case's letters still lack, checked when the case is stored or amended.

The details themselves are assembled in one place, ``triage.casework.case_letters``.
``letter_gaps`` checks every letter the assessment requires as soon as the case
is stored or amended, so the caller learns the missing fields then, named as
the inputs that fill them (``triage.letters.inputs``), not first at download.
"""

from __future__ import annotations

from sqlmodel import Session

from triage.casework.case_letters import LETTER_DETAILS_KEY, details_for
from triage.casework.consent import active_consent
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.letters import LetterDetailsError, build_context, parse_details, template_spec
from triage.letters.inputs import CONSENT_PURPOSE, RECIPIENT_SECTION, input_path
from triage.letters.manifest import check
from triage.store.errors import ConsentRequired
from triage.store.models import Case, Consent


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
            stored = details_for(s, case, x.kind, purpose=x.purpose, consent_required=False)
            details = parse_details(stored, "case letter details")
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
