"""Where each letter field comes from in what a caller sends: the one map from a letter's
context paths (``recipient.organisation``) to the input that fills them
(``letter.housing_authority.organisation`` for a duty-to-refer notice).

The API's problems and its case answers name these paths, so a caller is told the field
it can actually send, never a name that exists only inside the letter's context.
"""

from __future__ import annotations

RECIPIENT_SECTION = {"referral": "agency", "medical_evidence": "clinician", "duty_to_refer": "housing_authority",
                     "voluntary_referral": "housing_authority"}  # fmt: skip
"""Which ``letter:`` section names each letter's recipient."""

CONSENT_PURPOSE = {"referral": "referral", "medical_evidence": "medical_evidence", "duty_to_refer": "duty_to_refer",
                   "voluntary_referral": "referral"}  # fmt: skip
"""The stored consent purpose each letter needs (the action plan goes to the person: none)."""

STORED_CONSENT = ("given", "date", "taken_by", "recipient", "given_by", "feedback_agreed")
"""Consent fields that come from the consent stored with POST /v1/cases/{id}/consents."""


def input_path(kind: str, path: str, purpose: str | None = None) -> str:
    """The input a letter context ``path`` comes from, for letter ``kind`` (groups ``a or b`` mapped each)."""
    if " or " in path:
        return " or ".join(input_path(kind, p, purpose) for p in path.split(" or "))
    head, _, rest = path.partition(".")
    if head == "recipient" and kind in RECIPIENT_SECTION:
        return f"letter.{RECIPIENT_SECTION[kind]}.{rest}"
    if head == "consent" and kind in CONSENT_PURPOSE:
        if rest in STORED_CONSENT:
            return f"consent.{CONSENT_PURPOSE[kind]}"  # record it: POST /v1/cases/{id}/consents
        return f"letter.consent.{kind}.{rest}"
    if head == "person":
        return path  # the case's person details
    if path == "contact_withheld":
        return "person.safe_contact"
    if path in ("needs", "focus"):
        return "facts"  # the assessment finds the needs from the facts
    if path == "reply_by":
        return f"letter.medical.{purpose}.reply_by" if purpose else "letter.medical.reply_by"
    return f"letter.{path}"
