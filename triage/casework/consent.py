"""Consent to share: recorded per purpose and recipient, checked before anything leaves,
and withdrawable, after which nothing more is shared under it."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select, update

from triage.casework.referral_states import record_change
from triage.store import audit
from triage.store.access import REFERRER_ROLES, own_case, require_role
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import ConsentRequired, InvalidInput, NotFound
from triage.store.models import Agency, Consent, ConsentMethod, ConsentPurpose, Organisation, Outcome, Referral
from triage.store.types import utcnow
from triage.store.views import ConsentView, consent_view

PURPOSES = ("referral", "share_health", "medical_evidence", "outcome_feedback", "duty_to_refer")
"""``duty_to_refer``: the person agreed to a Housing Act 1996 s.213B referral to the housing
authority they chose. ``share_health``: explicit consent (UK GDPR Art 9(2)(a)) for health
information to go with referrals; without it letters leave health information out.
``consents.purpose`` is a plain string column: no migration needed."""
METHODS = ("verbal", "written")


def record_consent(
    db: Database,
    actor: Actor,
    case_id: str,
    purpose: ConsentPurpose,
    given_by: str,
    *,
    recipient_org_id: str | None = None,
    recipient_name: str | None = None,
    feedback_agreed: bool = False,
    at: dt.datetime | None = None,
    method: ConsentMethod | None = None,
    expires_on: dt.date | None = None,
    review_on: dt.date | None = None,
) -> ConsentView:
    """Record explicit consent: ``given_by`` (the person, or who speaks for them) agreed on
    ``at`` that this case may be shared for ``purpose`` with one recipient; taken ``method``
    (verbal or written), to review on ``review_on`` and lapsing after ``expires_on``."""
    require_role(actor, REFERRER_ROLES, "record consent")
    given_on = (at or utcnow()).date()
    if method is not None and method not in METHODS:
        raise InvalidInput(f"method: expected verbal or written, got {method!r}", field="method")
    if expires_on is not None and expires_on < given_on:
        raise InvalidInput("expires_on: the expiry date must be today or later", field="expires_on")
    if review_on is not None and review_on < given_on:
        raise InvalidInput("review_on: the review date must be today or later", field="review_on")
    if review_on is not None and expires_on is not None and review_on > expires_on:
        raise InvalidInput("review_on: review the consent before it expires", field="review_on")
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose: expected one of {', '.join(PURPOSES)}, got {purpose!r}", field="purpose")
    if actor.user_id is None:
        raise InvalidInput("taken_by: consent must be taken by a signed-in person", field="taken_by")
    if not given_by.strip():
        raise InvalidInput("given_by: say who gave consent", field="given_by")
    if purpose == "referral" and recipient_org_id is None:
        raise InvalidInput("recipient_org_id: consent to refer names the organisation", field="recipient_org_id")
    if purpose == "medical_evidence" and not (recipient_name or recipient_org_id):
        raise InvalidInput(
            "recipient_name: consent for evidence names the clinician or practice", field="recipient_name"
        )
    if purpose == "duty_to_refer" and not (recipient_name or recipient_org_id):
        raise InvalidInput(
            "recipient_name: consent to a duty-to-refer notice names the housing authority the person chose",
            field="recipient_name",
        )
    with db.transaction() as s:
        own_case(s, actor, case_id)
        if recipient_org_id is not None and s.get(Organisation, recipient_org_id) is None:
            raise InvalidInput(f"recipient_org_id: no organisation {recipient_org_id}", field="recipient_org_id")
        c = Consent(
            case_id=case_id,
            purpose=purpose,
            recipient_org_id=recipient_org_id,
            recipient_name=recipient_name,
            given_by=given_by.strip(),
            taken_by=actor.user_id,
            given_at=at or utcnow(),
            feedback_agreed=feedback_agreed,
            method=method,
            expires_on=expires_on,
            review_on=review_on,
        )
        s.add(c)
        s.flush()
        audit.record(s, actor, "consent.record", case_id=case_id, detail={"consent_id": c.id, "purpose": purpose})
        return consent_view(c)


def withdraw_consent(db: Database, actor: Actor, consent_id: str, at: dt.datetime | None = None) -> ConsentView:
    """Withdraw consent. Referrals not yet accepted under it are cancelled (nothing more is
    sent); agencies holding accepted ones lose access to the person's details."""
    require_role(actor, REFERRER_ROLES, "withdraw consent")
    when = at or utcnow()
    with db.transaction() as s:
        c = s.get(Consent, consent_id)
        if c is None:
            raise NotFound(f"consent {consent_id}: not found", field="consent_id")
        own_case(s, actor, c.case_id)
        if c.withdrawn_at is None:
            c.withdrawn_at, c.withdrawn_by = when, actor.user_id
            s.add(c)
            pending = list(
                s.exec(select(Referral).where(Referral.consent_id == c.id, col(Referral.status).in_(["sent"])))
            )
            if c.purpose == "referral" and c.recipient_org_id is not None:
                agency_ids = [a.id for a in s.exec(select(Agency).where(Agency.organisation_id == c.recipient_org_id))]
                pending += list(
                    s.exec(
                        select(Referral).where(
                            Referral.case_id == c.case_id,
                            col(Referral.agency_id).in_(agency_ids),
                            Referral.status == "draft",
                        )
                    )
                )
            for ref in pending:
                before = ref.status
                s.execute(
                    update(Referral)
                    .where(col(Referral.id) == ref.id, col(Referral.status) == before)
                    .values(status="cancelled", updated_at=when)
                )
                record_change(s, actor, ref, before, "cancelled", when, {"because": "consent_withdrawn"},
                              c.case_id)  # fmt: skip
            audit.record(s, actor, "consent.withdraw", case_id=c.case_id, detail={"consent_id": c.id}, at=when)
        return consent_view(c)


def recipient_label(session: Session, c: Consent) -> str:
    """Who a consent is to, as a person would name them: the organisation, else the name recorded."""
    org = session.get(Organisation, c.recipient_org_id) if c.recipient_org_id else None
    return (org.name if org else None) or c.recipient_name or ""


def active_consent(
    session: Session,
    case_id: str,
    purpose: str,
    recipient_org_id: str | None = None,
    recipient_name: str | None = None,
    preferred_recipient: str | None = None,
) -> Consent:
    """The newest unwithdrawn, unexpired consent for this purpose and recipient; ConsentRequired if none.

    The only place that decides whether consent allows a step. ``recipient_org_id`` or
    ``recipient_name`` require that recipient; ``preferred_recipient`` (a letter's addressee,
    as named on it) picks a matching consent when there are several and any otherwise."""
    q = select(Consent).where(
        Consent.case_id == case_id, Consent.purpose == purpose, col(Consent.withdrawn_at).is_(None)
    )
    if recipient_org_id is not None:
        q = q.where(Consent.recipient_org_id == recipient_org_id)
    elif recipient_name is not None:
        q = q.where(Consent.recipient_name == recipient_name)
    today = utcnow().date()
    live = [
        c
        for c in session.exec(q.order_by(col(Consent.given_at).desc()))
        if c.expires_on is None or c.expires_on >= today
    ]
    wanted = (preferred_recipient or "").strip().casefold()
    found = next((c for c in live if wanted and recipient_label(session, c).casefold() == wanted), None)
    found = found or (live[0] if live else None)
    if found is None:
        to = f" to {recipient_org_id or recipient_name}" if (recipient_org_id or recipient_name) else ""
        raise ConsentRequired(
            f"no recorded consent for {purpose.replace('_', ' ')}{to}: record the person's consent first",
            field="consent",
        )
    return found


def outcome_feedback_agreed(session: Session, ref: Referral) -> bool:
    """Whether the referrer may be told how ``ref`` ended: the only place that decides it.

    Yes when the consent the referral was sent under said so (``feedback_agreed``) and is
    still live, or when the person gave a live ``outcome_feedback`` consent for the case to
    the referring organisation (or to nobody named). Otherwise the referrer learns that the
    referral closed, never its outcome (UK GDPR Art 6: sharing needs its own basis)."""
    sent_under = session.get(Consent, ref.consent_id) if ref.consent_id else None
    if sent_under is not None and sent_under.feedback_agreed and sent_under.withdrawn_at is None:
        return True
    later = session.exec(
        select(Consent.id).where(
            Consent.case_id == ref.case_id,
            Consent.purpose == "outcome_feedback",
            col(Consent.withdrawn_at).is_(None),
            (col(Consent.recipient_org_id).is_(None)) | (col(Consent.recipient_org_id) == ref.referrer_org_id),
        )
    ).first()
    return later is not None


def visible_outcome(s: Session, ref: Referral, organisation_id: str, outcome: Outcome | None = None) -> Outcome | None:
    """The referral's outcome as ``organisation_id`` may see it: the receiving agency always;
    the referrer only with the person's agreement (``consent.outcome_feedback_agreed``)."""
    if outcome is None:
        outcome = s.exec(select(Outcome).where(Outcome.referral_id == ref.id)).first()
    if outcome is None:
        return None
    agency = s.get(Agency, ref.agency_id)
    if agency is not None and agency.organisation_id == organisation_id:
        return outcome
    return outcome if outcome_feedback_agreed(s, ref) else None
