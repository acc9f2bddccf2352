"""Cases: create one from facts (assessing it), read it, list an organisation's cases.

Each function is one transaction and writes an audit row for every case it
reads or writes. Only the organisation that made a case can see it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, col, select

from triage.casework.communication import CommunicationNeeds
from triage.casework.consent import visible_outcome
from triage.casework.contact import contact_of
from triage.casework.letter_details import letter_gaps
from triage.casework.place import audit_detail
from triage.engine.assessment import Assessment
from triage.engine.assessment import Need as AssessedNeed
from triage.engine.engine import Engine
from triage.facts import CaseFacts, FactsError, parse_facts
from triage.facts.common import plain_text
from triage.facts.contact import ContactMethod, normalise_methods
from triage.facts.identifiers import normalise_nhs_number
from triage.routing.place import place_of
from triage.rulesets.model import URGENCY_ORDER
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import InvalidInput
from triage.store.models import (
    Agency,
    Case,
    Consent,
    MedicalEvidenceRequest,
    Need,
    NeedRule,
    Outcome,
    Referral,
    UnmetNeed,
)
from triage.store.types import utcnow
from triage.store.views import (
    CaseSummary,
    CaseView,
    consent_view,
    evidence_view,
    need_view,
    referral_view,
    unmet_view,
)

EARLIEST_BIRTH = dt.date(1900, 1, 1)


class PersonDetails(BaseModel):
    """Who the person is and how to reach them safely. Kept apart from the facts the
    rules see, and removed on erasure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Refused at the edge: a name with a NUL in it would be stored and then stop every letter.
    name: Annotated[str | None, Field(max_length=200), AfterValidator(plain_text)] = None
    date_of_birth: dt.date | None = None
    nhs_number: str | None = Field(default=None, description="Optional; checked and kept as ten digits.")
    phone: Annotated[str | None, Field(max_length=40), AfterValidator(plain_text)] = None
    email: Annotated[str | None, Field(max_length=200), AfterValidator(plain_text)] = None
    address: Annotated[str | None, Field(max_length=500), AfterValidator(plain_text)] = None
    safe_contact: list[ContactMethod] | None = None
    safe_contact_notes: Annotated[str | None, Field(max_length=500), AfterValidator(plain_text)] = None
    safe_times: Annotated[str | None, Field(max_length=200), AfterValidator(plain_text)] = None
    code_word: Annotated[str | None, Field(max_length=100), AfterValidator(plain_text)] = None
    communication: CommunicationNeeds = CommunicationNeeds()

    @field_validator("date_of_birth")
    @classmethod
    def _born_possibly(cls, value: dt.date | None) -> dt.date | None:
        # The record's own check, not a legal date: the wall clock is the right "today".
        if value is not None and not EARLIEST_BIRTH <= value <= dt.date.today():
            raise ValueError(f"expected a day from {EARLIEST_BIRTH.isoformat()} to today, got {value.isoformat()}")
        return value

    @field_validator("nhs_number")
    @classmethod
    def _nhs_number(cls, v: str | None) -> str | None:
        return normalise_nhs_number(v) if v and v.strip() else None


def _with_communication(facts: CaseFacts, needs: CommunicationNeeds) -> CaseFacts:
    """The facts with the person's language and interpreter need as the link worker recorded them
    with the person (later and surer than a questionnaire answer): routing matches on them."""
    person = facts.person
    update: dict[str, Any] = {}
    if needs.language and person.language != needs.language:
        update["language"] = needs.language
    if (needs.interpreter or needs.bsl) and person.interpreter_needed is not True:
        update["interpreter_needed"] = True
    if not update:
        return facts
    return facts.model_copy(update={"person": person.model_copy(update=update)})


def parse_case_facts(raw: CaseFacts | dict[str, Any]) -> CaseFacts:
    if isinstance(raw, CaseFacts):
        return raw
    try:
        return parse_facts(raw)
    except FactsError as exc:
        path, problem = exc.problems[0]
        raise InvalidInput(f"facts.{path}: {problem}", field=f"facts.{path}") from None


def first_deadline(need: AssessedNeed) -> dt.date | None:
    """The need's next date: the earliest act-by date or event (a hearing, a discharge) still to
    come, or passed with a late route still open; None when it has no such date."""
    dates = [d.date for d in need.deadlines if d.status in ("open", "late_route")]
    return min(dates) if dates else None


def add_need_rules(session: Session, need_id: str, need: AssessedNeed) -> None:
    """One row per rule that found the need or raised its tier (the first role each rule played)."""
    kinds: dict[str, str] = {}
    for r in need.reasons:
        if r.kind in ("need", "escalate") and r.id not in kinds:
            kinds[r.id] = r.kind
    for rule_id, kind in sorted(kinds.items()):
        session.add(NeedRule(need_id=need_id, rule_id=rule_id, kind=kind))


def store_assessment(session: Session, case: Case, assessment: Assessment) -> list[Need]:
    """Write the needs (with the rules that found or escalated them) for a new assessment."""
    rows: list[Need] = []
    for n in assessment.needs:
        need = Need(
            case_id=case.id,
            area=n.area,
            issue=n.issue,
            tier=n.tier,
            urgency=n.urgency,
            first_deadline=first_deadline(n),
        )
        session.add(need)
        session.flush()
        add_need_rules(session, need.id, n)
        rows.append(need)
    return rows


def create_case(
    db: Database,
    actor: Actor,
    facts: CaseFacts | dict[str, Any],
    as_of: dt.date,
    engine: Engine,
    person: PersonDetails | None = None,
    answers: dict[str, Any] | None = None,
) -> CaseView:
    """Assess ``facts`` as on ``as_of`` and store the case, its needs and the rule set that made them.

    Safe contact defaults to what the facts say (``person.safe_contact``); with
    nothing recorded, contact is only via the referrer.
    """
    require_role(actor, REFERRER_ROLES, "create cases")
    person = person or PersonDetails()
    parsed = _with_communication(parse_case_facts(facts), person.communication)
    assessment = engine.assess(parsed, as_of)
    stated = [parsed.person.safe_contact] if parsed.person.safe_contact else []
    methods: list[str] = list(normalise_methods(person.safe_contact or stated, "person.safe_contact"))
    now = utcnow()
    with db.transaction() as s:
        case = Case(
            organisation_id=actor.organisation_id,
            created_by=actor.user_id,
            case_ref=parsed.case_ref,
            person_name=person.name,
            date_of_birth=person.date_of_birth,
            contact_phone=person.phone,
            contact_email=person.email,
            contact_address=person.address,
            safe_contact=methods or ["via_referrer"],
            safe_contact_notes=person.safe_contact_notes,
            safe_times=person.safe_times,
            code_word=person.code_word,
            nhs_number=person.nhs_number,
            communication=person.communication.model_dump(),
            borough=parsed.person.borough,
            postcode_district=parsed.person.postcode_district,
            facts=parsed.model_dump(mode="json", exclude_none=True),
            answers=answers or {},
            assessment=assessment.model_dump(mode="json"),
            ruleset_name=assessment.ruleset.name,
            ruleset_version=assessment.ruleset.version,
            ruleset_hash=assessment.ruleset.hash,
            as_of=as_of,
            created_at=now,
            updated_at=now,
        )
        s.add(case)
        s.flush()
        store_assessment(s, case, assessment)
        detail = {"needs": len(assessment.needs), "place": audit_detail(place_of(parsed.person))}
        audit.record(s, actor, "case.create", case_id=case.id, detail=detail, at=now)
        return case_view(s, case, as_of)


def case_etag(case: Case) -> str:
    """A strong entity tag for the case's current version (changes with every amendment)."""
    stamp = f"{case.id}|{case.updated_at.isoformat()}|{case.ruleset_hash}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:20] + '"'


def case_view(session: Session, case: Case, today: dt.date) -> CaseView:
    needs = list(session.exec(select(Need).where(Need.case_id == case.id).order_by(col(Need.created_at), col(Need.id))))
    rules: dict[str, list[str]] = defaultdict(list)
    if needs:
        for nr in session.exec(select(NeedRule).where(col(NeedRule.need_id).in_([n.id for n in needs]))):
            rules[nr.need_id].append(nr.rule_id)
    by_id = {n.id: n for n in needs}
    refs = list(session.exec(select(Referral).where(Referral.case_id == case.id).order_by(col(Referral.created_at))))
    names = {a.id: a.name for a in session.exec(select(Agency).where(col(Agency.id).in_({r.agency_id for r in refs})))}
    outcomes = {
        o.referral_id: o
        for o in session.exec(select(Outcome).where(col(Outcome.referral_id).in_([r.id for r in refs])))
    }
    consents = session.exec(select(Consent).where(Consent.case_id == case.id).order_by(col(Consent.given_at)))

    def shown(r: Referral) -> Outcome | None:
        # A case is seen by its own organisation: the referrer, told an outcome only with agreement.
        return visible_outcome(session, r, case.organisation_id, outcomes.get(r.id)) if r.id in outcomes else None

    evidence = session.exec(
        select(MedicalEvidenceRequest)
        .where(MedicalEvidenceRequest.case_id == case.id)
        .order_by(col(MedicalEvidenceRequest.needed_by))
    )
    unmet = session.exec(select(UnmetNeed).where(UnmetNeed.case_id == case.id).order_by(col(UnmetNeed.recorded_at)))
    return CaseView(
        id=case.id,
        organisation_id=case.organisation_id,
        case_ref=case.case_ref,
        person_name=case.person_name,
        date_of_birth=case.date_of_birth,
        borough=case.borough,
        postcode_district=case.postcode_district,
        safe_contact=list(case.safe_contact),
        safe_contact_notes=case.safe_contact_notes,
        safe_times=case.safe_times,
        code_word=case.code_word,
        nhs_number=case.nhs_number,
        communication=dict(case.communication or {}),
        contact=contact_of(case),
        as_of=case.as_of,
        ruleset_name=case.ruleset_name,
        ruleset_version=case.ruleset_version,
        ruleset_hash=case.ruleset_hash,
        facts=dict(case.facts),
        answers=dict(case.answers),
        assessment=dict(case.assessment),
        created_at=case.created_at,
        etag=case_etag(case),
        letter_gaps=letter_gaps(session, case),
        needs=[need_view(n, rules[n.id]) for n in needs],
        referrals=[referral_view(r, by_id[r.need_id], names.get(r.agency_id, r.agency_id), shown(r)) for r in refs],
        consents=[consent_view(c) for c in consents],
        evidence=[evidence_view(e, today) for e in evidence],
        unmet=[unmet_view(u) for u in unmet],
    )


def get_case(db: Database, actor: Actor, case_id: str, today: dt.date) -> CaseView:
    """One case of the actor's organisation, with needs, referrals, consents and evidence
    requests (overdue as on ``today``). Audited as a read."""
    with db.transaction() as s:
        case = own_case(s, actor, case_id)
        audit.record(s, actor, "case.read", case_id=case.id)
        return case_view(s, case, today)


def list_cases(db: Database, actor: Actor, today: dt.date, limit: int = 200) -> list[CaseSummary]:
    """The organisation's cases, newest first, with referral status counts and overdue
    evidence requests as on ``today``. Every case listed is audited as read."""
    with db.transaction() as s:
        cases = list(
            s.exec(
                select(Case)
                .where(Case.organisation_id == actor.organisation_id, col(Case.erased_at).is_(None))
                .order_by(col(Case.created_at).desc(), col(Case.id))
                .limit(limit)
            )
        )
        ids = [c.id for c in cases]
        if not ids:
            return []
        needs: dict[str, list[Need]] = defaultdict(list)
        for n in s.exec(select(Need).where(col(Need.case_id).in_(ids))):
            needs[n.case_id].append(n)
        statuses: dict[str, Counter[str]] = defaultdict(Counter)
        for case_id, status in s.exec(select(Referral.case_id, Referral.status).where(col(Referral.case_id).in_(ids))):
            statuses[case_id][status] += 1
        overdue: Counter[str] = Counter()
        for e in s.exec(
            select(MedicalEvidenceRequest).where(
                col(MedicalEvidenceRequest.case_id).in_(ids), col(MedicalEvidenceRequest.received_on).is_(None)
            )
        ):
            if evidence_view(e, today).overdue:
                overdue[e.case_id] += 1
        unmet: Counter[str] = Counter(
            u for u in s.exec(select(UnmetNeed.case_id).where(col(UnmetNeed.case_id).in_(ids)))
        )
        out = []
        for c in cases:
            audit.record(s, actor, "case.list", case_id=c.id)
            urg = [n.urgency for n in needs[c.id]]
            out.append(
                CaseSummary(
                    id=c.id,
                    case_ref=c.case_ref,
                    person_name=c.person_name,
                    as_of=c.as_of,
                    needs=len(urg),
                    highest_urgency=max(urg, key=URGENCY_ORDER.__getitem__) if urg else None,
                    referral_statuses=dict(statuses[c.id]),
                    overdue_evidence=overdue[c.id],
                    unmet=unmet[c.id],
                    created_at=c.created_at,
                )
            )
        return out
