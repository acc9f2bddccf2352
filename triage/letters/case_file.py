"""Build a :class:`LetterContext` from case facts, their assessment and letter details.

Case facts never hold names (see ``triage.facts.person``). What a letter
needs beyond the facts (names, addresses, consent per recipient, how to make
contact safely) lives in a separate ``letter:`` section of a case file,
validated here as :class:`LetterDetails`. The store can keep the same
section beside a case and call :func:`build_context` the same way.

Which needs a letter shows is decided here, by the minimum-necessary rule:
a referral shows the needs the assessment refers; a medical evidence request
shows only the need it is for; a duty-to-refer notice and a voluntary referral
to the council only homelessness; the action plan, addressed to the person,
shows everything.

The case facts also bar a letter whatever consent was recorded
(``LetterContext.barred``, see :func:`barred`): a refusal, a person who lacks
capacity with nobody lawfully agreeing for them, a section 213B notice from a
setting outside the duty (a GP practice sends the voluntary referral), and
health information left out when the person said no to sharing it.

The person's own contact details follow the one contact rule of the service,
``triage.facts.contact.contact_rule`` (through :func:`minimum_contact`), the same
rule referral packets, pages and API answers use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.facts.contact import (  # noqa: F401  (re-exported: letters name these reasons)
    WITHHELD_NO_CONSENT,
    WITHHELD_UNKNOWN,
    WITHHELD_VIA_REFERRER,
    ContactMethod,
    contact_rule,
)
from triage.facts.health import under_duty_to_refer
from triage.letters.context import (
    AccessNeeds,
    Consent,
    Hospital,
    HospitalService,
    LetterContext,
    Line,
    NeedView,
    Party,
    Person,
    Representative,
    SafeContact,
    Text,
)
from triage.letters.languages import language_name
from triage.letters.manifest import load_manifest
from triage.paths import letters_dir
from triage.rulesets.model import MedicalPurpose


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MedicalRequest(_Section):
    """Details for one medical evidence request."""

    decision: Text | None = Field(default=None, description="The decision, e.g. 'PIP decision of 3 November 2026'.")
    reply_by: dt.date | None = Field(default=None, description="Overrides the need's earliest open deadline.")
    fee: Text | None = None
    health_context: Text | None = Field(default=None, description="Overrides health_context here.")


class Consents(_Section):
    referral: Consent = Consent()
    medical_evidence: Consent = Consent()
    duty_to_refer: Consent = Consent()
    voluntary_referral: Consent = Consent()


class HospitalDetails(_Section):
    service: HospitalService | None = None
    ward: Line | None = None
    discharge_date: dt.date | None = Field(default=None, description="Overrides health.discharge_date.")


class AccessDetails(_Section):
    disability_adjustments: Text | None = None
    other: Text | None = None


class LetterDetails(_Section):
    """The ``letter:`` section of a case file: who, to whom, consent, and safe contact."""

    person: Person = Person()
    safe_contact: SafeContact = SafeContact()
    referrer: Party = Party()
    agency: Party = Field(default=Party(), description="The receiving advice agency (referral).")
    clinician: Party = Field(default=Party(), description="Who is asked for medical evidence.")
    housing_authority: Party = Field(
        default=Party(), description="The authority the person chose (duty to refer, or a voluntary referral)."
    )
    consent: Consents = Consents()
    access: AccessDetails = AccessDetails()
    health_context: Text | None = None
    tried: list[Text] = []
    person_words: Text | None = None
    medical: dict[MedicalPurpose, MedicalRequest] = {}
    hospital: HospitalDetails = HospitalDetails()
    referral_reason: Text | None = None
    next_contact: Text | None = None


class LetterDetailsError(ValueError):
    """The ``letter:`` section is invalid; ``problems`` lists (path, reason)."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "letter") -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(f"{p}: {r}" for p, r in problems))


def parse_details(data: Any, source: str = "case file") -> LetterDetails:
    """Validate a ``letter:`` section; errors name each field as ``letter.<path>``."""
    if data is None:
        return LetterDetails()
    try:
        return LetterDetails.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(["letter", *(str(p) for p in err["loc"])])
            problems.append((path, "unknown field" if err["type"] == "extra_forbidden" else err["msg"]))
        raise LetterDetailsError(problems, source) from None


_HOSPITAL_SERVICE: dict[str, HospitalService] = {
    "emergency_department": "emergency_department", "urgent_treatment_centre": "urgent_treatment_centre",
    "hospital_ward": "inpatient", "discharge": "inpatient", "mental_health_inpatient": "inpatient",
}  # fmt: skip
_SETTING_WORDS = {"gp_practice": "GP practice", "community": "community service",
                  "mental_health": "mental health service outside hospital"}  # fmt: skip
_REPRESENTATIVES = ("lpa_attorney", "deputy")
# Letters to a third party that may carry health information only with consent to share it.
_SHARES_HEALTH = ("referral", "duty_to_refer", "voluntary_referral")


def _service(facts: CaseFacts) -> HospitalService | None:
    h = facts.health
    if h.setting == "mental_health" and h.admission_date is not None:
        return "inpatient"  # a mental health service that admitted the person: a psychiatric ward
    return _HOSPITAL_SERVICE.get(h.setting or "")


def _representative(facts: CaseFacts) -> Representative | None:
    """The attorney or deputy agreeing for a person who lacks capacity, when their authority covers it."""
    p = facts.person
    if p.lacks_capacity_for_decision is True and p.acting_within_authority is True:
        who = p.acting_for_person
        if who == "lpa_attorney" or who == "deputy":
            return who
    return None


def barred(kind: str, facts: CaseFacts) -> list[tuple[str, str]]:
    """What in the case facts stops ``kind`` going out whatever consent was recorded, as (field, reason).

    The facts are what the engine reasons on; the recorded consent (a letter's consent section, or the
    casework store's) is what the letter shows. A letter needs both: a "no" in the facts wins."""
    p, h = facts.person, facts.health
    out: list[tuple[str, str]] = []
    if kind == "referral" and p.consent_to_refer is False:
        out.append(("consent.given", "the person said no to being referred (person.consent_to_refer)"))
    if kind in ("duty_to_refer", "voluntary_referral"):
        if p.consent_to_notify_housing is False:
            out.append(
                (
                    "consent.given",
                    "the person said no to the council being told "
                    "(person.consent_to_notify_housing): nothing may be sent (Housing Act 1996 s.213B(2)-(3))",
                )
            )
        if p.lacks_capacity_for_decision is True and _representative(facts) is None:
            out.append(
                (
                    "consent.given",
                    "the person lacks capacity to agree (Mental Capacity Act 2005 ss.2-3) and "
                    "no attorney or deputy whose authority covers it has agreed for them: their own agreement "
                    "cannot be relied on. Refer to adult social care for an assessment and a best-interests "
                    "decision (MCA 2005 s.4; Care Act 2014 ss.9 and 67)",
                )
            )
    specified = under_duty_to_refer(h.setting, h.admission_date)
    if kind == "duty_to_refer":
        if p.housing_authority_chosen is False:
            out.append(
                (
                    "consent.authority_chosen_by_person",
                    "the person has not chosen a council: the notice "
                    "goes only to the housing authority they choose (Housing Act 1996 s.213B(3)(b))",
                )
            )
        if specified is False:
            where = _SETTING_WORDS.get(h.setting or "", h.setting or "")
            out.append(
                (
                    "hospital.service",
                    f"a {where} is not a public authority under the duty to refer "
                    "(Homelessness (Review Procedure etc.) Regulations 2018, Schedule): send a voluntary_referral "
                    "letter, never a section 213B notice",
                )
            )
    if kind == "voluntary_referral" and specified is True:
        out.append(
            (
                "hospital.service",
                "this service is under the duty to refer: send the duty_to_refer notice "
                "(Housing Act 1996 s.213B), not a voluntary referral",
            )
        )
    return out


def _focus(purpose: str, assessment: Assessment, by_issue: dict[str, NeedView]) -> NeedView | None:
    """The need a medical evidence request is about: one the assessment asks evidence for,
    in the manifest's order of likelihood; else the first need the manifest says it serves."""
    spec = load_manifest(letters_dir()).spec("medical_evidence", purpose)
    asked = {x.issue for x in assessment.letters if x.kind == "medical_evidence" and x.purpose == purpose}
    ranked = [i for i in spec.issues if i in asked] + sorted(asked - set(spec.issues)) + spec.issues
    return next((by_issue[i] for i in ranked if i in by_issue), None)


def minimum_contact(
    person: Person, methods: Sequence[str], share: bool | None
) -> tuple[Person, tuple[ContactMethod, ...], str | None]:
    """``person`` with only the contact details ``contact_rule`` allows, the methods that
    may be used, and why the rest (or all) were left out."""
    rule = contact_rule(methods, person.phone, person.email, person.address, share_consent=share)
    kept = person.model_copy(update={"phone": rule.phone, "email": rule.email, "address": list(rule.address)})
    return kept, rule.usable, rule.withheld


def build_context(
    kind: str,
    facts: CaseFacts,
    assessment: Assessment,
    details: LetterDetails,
    purpose: str | None = None,
) -> LetterContext:
    """The context for one letter about this case. Checks nothing: ``render_letter`` does."""
    all_needs = [NeedView.of(n) for n in assessment.needs]
    by_issue = {n.issue: n for n in all_needs}
    p = facts.person
    access = AccessNeeds(
        language=language_name(p.language) if p.language else None,
        interpreter_needed=p.interpreter_needed,
        disability_adjustments=details.access.disability_adjustments,
        digital_access=p.digital_access,
        literacy_difficulty=p.literacy_difficulty,
        other=details.access.other,
    )
    safe = details.safe_contact
    if not safe.methods and p.safe_contact is not None:
        safe = safe.model_copy(update={"methods": [p.safe_contact]})
    h = facts.health
    hospital = Hospital(
        service=details.hospital.service or _service(facts),
        ward=details.hospital.ward,
        admission_date=h.admission_date,
        discharge_date=details.hospital.discharge_date or h.discharge_date,
        care_needs_on_discharge=h.care_needs_on_discharge,
    )
    recipient, consent = Party(), Consent()
    needs, focus = all_needs, None
    medical = MedicalRequest()
    if kind == "referral":
        referred = {x.issue for x in assessment.letters if x.kind == "referral"}
        needs = [n for n in all_needs if n.issue in referred]
        recipient, consent = details.agency, details.consent.referral
    elif kind == "medical_evidence":
        if purpose is not None:
            focus = _focus(purpose, assessment, by_issue)
            medical = details.medical.get(purpose, MedicalRequest())  # type: ignore[call-overload]
        needs = [focus] if focus else []
        recipient, consent = details.clinician, details.consent.medical_evidence
    elif kind in ("duty_to_refer", "voluntary_referral"):
        needs = [n for n in all_needs if n.issue == "housing.homelessness"]
        recipient = details.housing_authority
        consent = details.consent.duty_to_refer if kind == "duty_to_refer" else details.consent.voluntary_referral
    bars = barred(kind, facts)
    on_behalf = _representative(facts) if kind in ("duty_to_refer", "voluntary_referral") else None
    if on_behalf is not None:
        consent = consent.model_copy(update={"agreed_by_representative": on_behalf})
        if not (consent.given_by or "").strip():
            bars.append(("consent.given_by", "missing: name the attorney or deputy who agreed for the person"))
    health_context = medical.health_context or details.health_context
    if kind in _SHARES_HEALTH and p.consent_to_share_health is False:
        health_context = None  # the person said no to sharing health information (UK GDPR Art 9)
    reply_by = medical.reply_by
    if reply_by is None and focus is not None:
        # Evidence must arrive before the first thing that can go wrong: the
        # earliest open act-by date or event (hearing, discharge).
        live = [d.date for d in focus.live_deadlines]
        reply_by = min(live) if live else None
    person, usable, withheld = minimum_contact(details.person, safe.methods, consent.share_contact_details)
    safe = safe.model_copy(update={"methods": list(usable)})
    rs = assessment.ruleset
    return LetterContext(
        as_of=assessment.as_of,
        case_ref=assessment.case_ref,
        ruleset=f"{rs.name} {rs.version} ({rs.hash[:12]})",
        purpose=purpose,
        person=person,
        safe_contact=safe,
        referrer=details.referrer,
        recipient=recipient,
        consent=consent,
        access=access,
        needs=needs,
        focus=focus,
        decision=medical.decision,
        reply_by=reply_by,
        fee=medical.fee,
        health_context=health_context,
        tried=details.tried,
        person_words=details.person_words,
        hospital=hospital,
        referral_reason=details.referral_reason,
        next_contact=details.next_contact,
        contact_withheld=withheld,
        barred=bars,
    )
