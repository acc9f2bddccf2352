"""A stored case's letters: what each is built from, rendered, and the fields a person may fill.

The one place that turns a case record into letter details, for the JSON API and
the casework pages alike. The case record is authoritative for what is sensitive:
the person's name and contact come from it (and the safe-contact methods are the
case's, never the letter section's), so ``triage.facts.contact.contact_rule`` cuts
them as everywhere else. A letter going to a third party needs a live stored consent
for its purpose (:class:`ConsentRequired` otherwise); its consent block comes from it.

A letter for one referral goes to that referral's agency and names only that
referral's need (minimum necessary). What the records lack, a link worker fills in
a form (:func:`fillable`); the answers are kept with the case
(``cases.answers["_letter"]``) and used for every later letter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from triage.casework.communication import CommunicationNeeds
from triage.casework.consent import active_consent, recipient_label
from triage.casework.evidence import MARGIN_DAYS
from triage.engine.assessment import Assessment
from triage.facts import CaseFacts
from triage.facts.identifiers import format_nhs_number
from triage.letters import (
    LetterContext,
    LetterDetailsError,
    build_context,
    parse_details,
    render_letter,
    template_spec,
)
from triage.letters.inputs import CONSENT_PURPOSE, RECIPIENT_SECTION
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import ConsentRequired, InvalidInput, NotFound
from triage.store.models import Agency, Case, MedicalEvidenceRequest, Need, Organisation, Referral, User

LETTER_DETAILS_KEY = "_letter"
"""Where a case's letter details are kept inside ``cases.answers`` (see docs/api.md)."""

KIND_TITLES = {
    "referral": "Referral letter",
    "medical_evidence": "Medical evidence request",
    "duty_to_refer": "Duty to refer notice",
    "voluntary_referral": "Referral to the council's housing team",
    "action_plan": "Action plan for the person",
}


class NotCalledFor(InvalidInput):
    """The case's assessment does not call for this letter."""


class LetterField(BaseModel):
    """A letter field a person can fill in a form: where it is kept and how to ask for it."""

    model_config = ConfigDict(frozen=True)

    name: str  # the form field: the path in the letter details
    label: str
    kind: Literal["text", "date", "yes_no", "choice"] = "text"
    choices: tuple[tuple[str, str], ...] = ()
    value: str = ""


_HOSPITAL_CHOICES = (
    ("emergency_department", "Emergency department"),
    ("urgent_treatment_centre", "Urgent treatment centre"),
    ("inpatient", "Hospital ward (in-patient)"),
)


def _field(kind: str, path: str, purpose: str | None) -> LetterField | None:
    """The form field for a letter context path the letter reports missing; None when a form
    cannot fill it (consent is recorded on the case page; contact details with the person)."""
    recipient = RECIPIENT_SECTION.get(kind, "agency")
    consent = f"consent.{kind}"
    table: dict[str, LetterField] = {
        "person.name": LetterField(name="person.name", label="The person's full name"),
        "person.date_of_birth": LetterField(
            name="person.date_of_birth", label="The person's date of birth", kind="date"
        ),
        "referrer.name": LetterField(name="referrer.name", label="Your name"),
        "referrer.role": LetterField(name="referrer.role", label="Your job title"),
        "referrer.organisation": LetterField(name="referrer.organisation", label="Your organisation"),
        "referrer.phone or referrer.email": LetterField(name="referrer.phone", label="Your work phone number"),
        "recipient.name": LetterField(name=f"{recipient}.name", label="Who the letter is to (their name)"),
        "recipient.organisation": LetterField(
            name=f"{recipient}.organisation", label="The organisation the letter is to"
        ),
        "consent.scope": LetterField(
            name=f"{consent}.scope", label="What the person agreed may be shared (in their words)"
        ),
        "consent.share_contact_details": LetterField(
            name=f"{consent}.share_contact_details",
            kind="yes_no",
            label="Did the person agree that their contact details may be shared?",
        ),
        "consent.authority_chosen_by_person": LetterField(
            name=f"{consent}.authority_chosen_by_person",
            kind="yes_no",
            label="Did the person choose this council themselves?",
        ),
        "hospital.service": LetterField(
            name="hospital.service",
            label="Which hospital service is referring",
            kind="choice",
            choices=_HOSPITAL_CHOICES,
        ),
        "referral_reason": LetterField(name="referral_reason", label="Why you are referring (one or two sentences)"),
        "next_contact": LetterField(name="next_contact", label="When you will next be in touch with the person"),
    }
    if path == "reply_by" and purpose:
        return LetterField(name=f"medical.{purpose}.reply_by", label="Reply needed by", kind="date")
    return table.get(path)


def _stored(case: Case) -> dict[str, Any]:
    return dict(case.answers.get(LETTER_DETAILS_KEY) or {})


def _get(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def details_for(
    s: Session,
    case: Case,
    kind: str,
    *,
    user: User | None = None,
    referral: Referral | None = None,
    purpose: str | None = None,
    consent_required: bool = True,
) -> dict[str, Any]:
    """The letter details for ``kind``: the stored section overlaid with the case record, the
    person's communication needs, the signed-in referrer, the referral's agency and the live
    consent (:class:`ConsentRequired` when there is none, unless ``consent_required`` is False:
    then the consent block is left to be recorded, for checking the other fields early)."""
    stored = _stored(case)
    person = {
        k: v
        for k, v in {
            "name": case.person_name,
            "date_of_birth": case.date_of_birth.isoformat() if case.date_of_birth else None,
            "nhs_number": format_nhs_number(case.nhs_number) if case.nhs_number else None,
            "phone": case.contact_phone,
            "email": case.contact_email,
            "address": [case.contact_address] if case.contact_address else None,
        }.items()
        if v is not None
    }
    stored["person"] = {**(stored.get("person") or {}), **person}
    safe: dict[str, Any] = dict(stored.get("safe_contact") or {})
    safe.pop("method", None)
    safe["methods"] = list(case.safe_contact)  # every method: triage.facts.contact decides what they allow
    notes = [n for n in (case.safe_contact_notes, f"Safe times: {case.safe_times}" if case.safe_times else None) if n]
    if notes:
        safe["details"] = ". ".join(notes)
    stored["safe_contact"] = safe
    words = CommunicationNeeds.model_validate(case.communication or {}).access_words()
    if words:
        access = dict(stored.get("access") or {})
        text = "; ".join([*([access["other"]] if access.get("other") else []), *words])
        access["other"] = text[0].upper() + text[1:]
        stored["access"] = access
    org = s.get(Organisation, case.organisation_id)
    referrer: dict[str, Any] = {}
    if user is not None:
        referrer = {"name": user.display_name, "email": user.email}
    if org is not None:
        referrer["organisation"] = org.name
    stored["referrer"] = {**referrer, **(stored.get("referrer") or {})}
    if referral is not None:
        agency = s.get(Agency, referral.agency_id)
        if agency is not None:
            stored["agency"] = {**(stored.get("agency") or {}), "organisation": agency.name}
    if kind == "medical_evidence" and purpose:
        medical = dict(stored.get("medical") or {})
        one = dict(medical.get(purpose) or {})
        if not one.get("reply_by"):
            reply_by = _reply_by(s, case, purpose)
            if reply_by is not None:
                one["reply_by"] = reply_by.isoformat()
        medical[purpose] = one
        stored["medical"] = medical
    if kind in CONSENT_PURPOSE:
        section = RECIPIENT_SECTION[kind]
        recipient = (stored.get(section) or {}).get("organisation")
        try:
            if referral is not None:
                agency = s.get(Agency, referral.agency_id)
                c = active_consent(s, case.id, "referral", recipient_org_id=agency.organisation_id if agency else None)
            else:
                c = active_consent(
                    s, case.id, CONSENT_PURPOSE[kind],
                    preferred_recipient=recipient if isinstance(recipient, str) else None,
                )  # fmt: skip
        except ConsentRequired:
            if consent_required:
                raise
            return stored
        if section == "housing_authority" and not recipient:
            # Nobody named the authority on the letter: it is the one the person chose, as
            # the consent names it (the case's `place.housing_authority` says where they live).
            stored[section] = {**(stored.get(section) or {}), "organisation": recipient_label(s, c)}
        taker = s.get(User, c.taken_by)
        consents: dict[str, Any] = dict(stored.get("consent") or {})
        consents[kind] = {
            **(consents.get(kind) or {}),
            "given": True,
            "date": c.given_at.date().isoformat(),
            "recipient": recipient_label(s, c) or None,
            "taken_by": taker.display_name if taker else c.taken_by,
            "feedback_agreed": c.feedback_agreed,
            "given_by": c.given_by,
        }
        stored["consent"] = consents
    return stored


def _reply_by(s: Session, case: Case, purpose: str) -> dt.date | None:
    """The reply-by date a medical evidence letter asks for: the recorded request's, else MARGIN_DAYS
    before the need's first open act-by date (never before the case's day), so the evidence
    arrives well before the legal limit."""
    req = s.exec(
        select(MedicalEvidenceRequest)
        .where(MedicalEvidenceRequest.case_id == case.id, MedicalEvidenceRequest.purpose == purpose)
        .order_by(col(MedicalEvidenceRequest.created_at).desc())
    ).first()
    if req is not None:
        return req.needed_by
    assessment = Assessment.model_validate(case.assessment)
    issue = next((x.issue for x in assessment.letters if x.kind == "medical_evidence" and x.purpose == purpose), None)
    dates = [d.date for n in assessment.needs if n.issue == issue for d in n.deadlines
             if d.kind == "act_by" and d.status == "open"]  # fmt: skip
    if not dates:
        return None
    return max(assessment.as_of, min(dates) - dt.timedelta(days=MARGIN_DAYS))


def _load(s: Session, actor: Actor, case_id: str, referral_id: str | None) -> tuple[Case, Referral | None]:
    case = own_case(s, actor, case_id)
    referral = None
    if referral_id is not None:
        referral = s.get(Referral, referral_id)
        if referral is None or referral.case_id != case.id:
            raise NotFound(f"referral {referral_id}: not a referral of case {case_id}", field="referral_id")
    return case, referral


def letter_context(
    db: Database,
    actor: Actor,
    case_id: str,
    kind: str,
    purpose: str | None = None,
    referral_id: str | None = None,
) -> LetterContext:
    """The context of one letter for a case of the actor's organisation (audited as a render).

    :class:`NotCalledFor` when the assessment does not call for it (the action plan always is;
    a referral letter for a referral is)."""
    with db.transaction() as s:
        case, referral = _load(s, actor, case_id, referral_id)
        assessment = Assessment.model_validate(case.assessment)
        wanted = {(x.kind, x.purpose) for x in assessment.letters}
        if kind != "action_plan" and referral is None and (kind, purpose) not in wanted:
            raise NotCalledFor(
                f"case {case_id}: the assessment does not call for a {kind.replace('_', ' ')} letter"
                + (f" ({purpose})" if purpose else ""),
                field="kind",
            )
        user = s.get(User, actor.user_id) if actor.user_id else None
        stored = details_for(s, case, kind, user=user, referral=referral, purpose=purpose)
        details = parse_details(stored, "case letter details")
        facts = CaseFacts.model_validate(case.facts)
        issue = None
        if referral is not None:
            need = s.get(Need, referral.need_id)
            issue = need.issue if need else None
        audit.record(s, actor, "letter.render", case_id=case.id, detail={"kind": kind})
    ctx = build_context(kind, facts, assessment, details, purpose)
    if issue is not None:
        # A referral letter names only the need referred to this agency.
        ctx = ctx.model_copy(update={"needs": [n for n in ctx.needs if n.issue == issue]})
    return ctx


def render_case_letter(
    db: Database,
    actor: Actor,
    case_id: str,
    kind: str,
    fmt: str,
    purpose: str | None = None,
    referral_id: str | None = None,
) -> bytes:
    """The letter as bytes in ``fmt``; ``LetterDataError`` lists every field it still lacks."""
    return render_letter(kind, letter_context(db, actor, case_id, kind, purpose, referral_id), fmt)


def fillable(
    db: Database, actor: Actor, case_id: str, kind: str, problems: list[tuple[str, str]], purpose: str | None = None
) -> tuple[list[LetterField], list[str]]:
    """The form fields for the letter's missing fields (with what is stored so far), and the
    problems a form cannot fix, in plain words."""
    with db.transaction() as s:
        stored = _stored(own_case(s, actor, case_id))
    fields: list[LetterField] = []
    other: list[str] = []
    for path, problem in problems:
        f = _field(kind, path, purpose) if problem.startswith("missing") else None
        if f is None:
            other.append(_plain(path, problem))
        elif f.name not in {x.name for x in fields}:
            current = _get(stored, f.name)
            fields.append(f.model_copy(update={"value": "" if current is None else str(current)}))
    return fields, other


def editable(db: Database, actor: Actor, case_id: str, kind: str, purpose: str | None = None) -> list[LetterField]:
    """Every field of this letter a person may fill or amend, with what it holds now."""
    spec = template_spec(kind, purpose)
    paths = [*spec.requires, *(" or ".join(g) for g in spec.one_of), *spec.must_be_yes]
    fields, _ = fillable(db, actor, case_id, kind, [(p, "missing") for p in paths], purpose)
    return fields


def _plain(path: str, problem: str) -> str:
    if path.startswith("consent."):
        return "The person's consent for this letter is not recorded: record it on the case page first."
    if "person.phone" in path:
        return (
            "There is no safe way to contact the person on the case: add their contact details "
            "or say they may only be contacted through you."
        )
    if path in ("needs", "focus"):
        return "The assessment finds no need this letter is about."
    return f"{path.replace('_', ' ').replace('.', ': ')}: {problem}"


def save_letter_fields(
    db: Database, actor: Actor, case_id: str, kind: str, values: dict[str, str], purpose: str | None = None
) -> None:
    """Keep what a person filled for a letter with the case; only fields a form may fill are taken,
    and each is checked as the letter checks it (:class:`InvalidInput` naming the field)."""
    require_role(actor, REFERRER_ROLES, "fill letters")
    allowed = {f.name: f for p in _ALL_PATHS if (f := _field(kind, p, purpose)) is not None}
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        stored = _stored(case)
        for name, raw in values.items():
            spec = allowed.get(name)
            if spec is None:
                raise InvalidInput(f"{name}: not a field this letter takes", field=name)
            value: Any = raw.strip()
            if value == "":
                continue
            if spec.kind == "date":
                try:
                    value = dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    raise InvalidInput(f"{name}: {spec.label} must be a real date", field=name) from None
            elif spec.kind == "yes_no":
                if value not in ("yes", "no"):
                    raise InvalidInput(f"{name}: answer yes or no", field=name)
                value = value == "yes"
            elif spec.kind == "choice" and value not in {c for c, _ in spec.choices}:
                raise InvalidInput(f"{name}: choose one of the options", field=name)
            node = stored
            *parents, last = name.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = value
        try:
            parse_details(stored, "letter form")  # every value as the letter will read it
        except LetterDetailsError as exc:
            path, problem = exc.problems[0]
            raise InvalidInput(f"{path.removeprefix('letter.')}: {problem}", field=path) from None
        case.answers = {**case.answers, LETTER_DETAILS_KEY: stored}
        s.add(case)
        audit.record(s, actor, "letter.details", case_id=case.id, detail={"kind": kind, "fields": sorted(values)})


_ALL_PATHS = (
    "person.name",
    "person.date_of_birth",
    "referrer.name",
    "referrer.role",
    "referrer.organisation",
    "referrer.phone or referrer.email",
    "recipient.name",
    "recipient.organisation",
    "consent.scope",
    "consent.share_contact_details",
    "consent.authority_chosen_by_person",
    "hospital.service",
    "referral_reason",
    "next_contact",
    "reply_by",
)
