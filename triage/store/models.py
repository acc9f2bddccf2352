"""The store's tables (SQLModel). Every change here needs an Alembic revision.

Personal data lives only in the columns listed in :data:`PERSONAL_COLUMNS`, so
erasure (``triage.casework.erasure``) can clear exactly those and keep the counts.
Ids that leave the system (cases, referrals, organisations) are random hex
strings, never sequential numbers, so they cannot be guessed by counting.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.store.types import UTCDateTime, utcnow

OrgKind = Literal["gp_practice", "hospital", "link_worker_service", "advice_agency", "law_centre", "partnership"]
ORG_KINDS: tuple[str, ...] = (
    "gp_practice",
    "hospital",
    "link_worker_service",
    "advice_agency",
    "law_centre",
    "partnership",
)
Role = Literal["referrer", "adviser", "auditor", "admin"]
ROLES: tuple[str, ...] = ("referrer", "adviser", "auditor", "admin")
ApiRole = Literal["referrer", "agency", "auditor", "admin"]

ReferralStatus = Literal["draft", "sent", "accepted", "declined", "in_progress", "closed", "cancelled"]
DeclineCode = Literal[
    "out_of_scope",
    "wrong_area_or_issue",
    "wrong_tier",
    "no_capacity",
    "conflict_of_interest",
    "duplicate",
    "could_not_contact",
    "other",
]
DECLINE_CODES: tuple[str, ...] = (
    "out_of_scope",
    "wrong_area_or_issue",
    "wrong_tier",
    "no_capacity",
    "conflict_of_interest",
    "duplicate",
    "could_not_contact",
    "other",
)
OutcomeCode = Literal["resolved", "partly_resolved", "not_resolved", "withdrawn", "no_contact"]
OUTCOME_CODES: tuple[str, ...] = ("resolved", "partly_resolved", "not_resolved", "withdrawn", "no_contact")
ConsentPurpose = Literal["referral", "share_health", "medical_evidence", "outcome_feedback", "duty_to_refer"]
ConsentMethod = Literal["verbal", "written"]
CONTACT_METHODS: tuple[str, ...] = ("phone", "text", "email", "post", "via_referrer")
UnmetReason = Literal[
    "no_agency", "no_language", "all_full", "place_unknown", "place_ambiguous", "outside_london", "all_declined",
    "none_suitable",
]  # fmt: skip


def new_id() -> str:
    return uuid.uuid4().hex


def _json(nullable: bool = False) -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=nullable))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def _when(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Organisation(SQLModel, table=True):
    """A GP practice, hospital, link-worker service, advice agency, law centre or partnership."""

    __tablename__ = "organisations"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    borough: str | None = Field(default=None, max_length=40)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = _when()


class User(SQLModel, table=True):
    """A person who signs in. Passwords are stored only as scrypt hashes."""

    __tablename__ = "users"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    organisation_id: str = Field(foreign_key="organisations.id", index=True, max_length=64)
    email: str = Field(max_length=200, unique=True)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=300)
    active: bool = True
    created_at: dt.datetime = _when()


class Agency(SQLModel, table=True):
    """A directory entry: what an advice agency or law centre offers and where.

    Lists (areas, issues, tiers, boroughs, languages, accessibility) are JSON so
    one schema serves both engines; the directory is small and routing filters
    it in Python.
    """

    __tablename__ = "agencies"
    id: str = Field(primary_key=True, max_length=64)
    organisation_id: str = Field(foreign_key="organisations.id", unique=True, max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    areas: list[str] = _json_list()
    issues: list[str] = _json_list()
    tiers: list[int] = _json_list()
    boroughs: list[str] = _json_list()
    pan_london: bool = False
    national: bool = False
    remote: bool = False
    languages: list[str] = _json_list()
    interpreters: bool = False
    accessibility: list[str] = _json_list()
    referral_method: str = Field(max_length=16)
    referral_address: str = Field(max_length=300)
    taking_referrals: bool = True
    capacity: int = 0
    ods_code: str | None = Field(default=None, max_length=10)
    updated_at: dt.datetime = _when()


class Case(SQLModel, table=True):
    """One person's case, owned by the organisation that made it.

    ``facts``, ``answers`` and ``assessment`` are the engine's input and output
    as JSON; ``ruleset_*`` and ``as_of`` say exactly how to replay it.
    """

    __tablename__ = "cases"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    organisation_id: str = Field(foreign_key="organisations.id", index=True, max_length=64)
    created_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    case_ref: str | None = Field(default=None, max_length=64)
    person_name: str | None = Field(default=None, max_length=200)
    date_of_birth: dt.date | None = None
    contact_phone: str | None = Field(default=None, max_length=40)
    contact_email: str | None = Field(default=None, max_length=200)
    contact_address: str | None = Field(default=None, max_length=500)
    safe_contact: list[str] = _json_list()
    safe_contact_notes: str | None = Field(default=None, max_length=500)
    safe_times: str | None = Field(default=None, max_length=200)
    code_word: str | None = Field(default=None, max_length=100)
    nhs_number: str | None = Field(default=None, max_length=10)
    # language (ISO 639-1), interpreter, bsl, easy_read, large_print: sent with every referral and letter
    communication: dict[str, Any] = _json()
    borough: str | None = Field(default=None, max_length=40)
    postcode_district: str | None = Field(default=None, max_length=4)
    facts: dict[str, Any] = _json()
    answers: dict[str, Any] = _json()
    assessment: dict[str, Any] = _json()
    ruleset_name: str = Field(max_length=100)
    ruleset_version: str = Field(max_length=40)
    ruleset_hash: str = Field(max_length=80)
    as_of: dt.date
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = _when()
    erased_at: dt.datetime | None = _when(nullable=True)


class Need(SQLModel, table=True):
    """A legal need found in a case: area, issue, tier and urgency at assessment time."""

    __tablename__ = "needs"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    area: str = Field(max_length=40)
    issue: str = Field(max_length=80)
    tier: int
    urgency: str = Field(max_length=16)
    first_deadline: dt.date | None = None
    created_at: dt.datetime = _when()


class NeedRule(SQLModel, table=True):
    """Which rule produced a need (one row per rule), so misrouting can be counted per rule."""

    __tablename__ = "need_rules"
    need_id: str = Field(foreign_key="needs.id", primary_key=True, max_length=64)
    rule_id: str = Field(primary_key=True, max_length=120, index=True)
    kind: str = Field(max_length=16)  # need | escalate: did it find the need or raise its tier


class UnmetNeed(SQLModel, table=True):
    """A need no agency could take, with why: the raw material of gap analysis."""

    __tablename__ = "unmet_needs"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    need_id: str = Field(foreign_key="needs.id", index=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    borough: str | None = Field(default=None, max_length=40)
    area: str = Field(max_length=40)
    issue: str = Field(max_length=80)
    tier: int
    reason: str = Field(max_length=32)
    detail: str = Field(max_length=500)
    recorded_at: dt.datetime = _when()


class Consent(SQLModel, table=True):
    """Explicit consent to share: who gave it, when, for what, to whom; withdrawable."""

    __tablename__ = "consents"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    purpose: str = Field(max_length=32)
    recipient_org_id: str | None = Field(default=None, foreign_key="organisations.id", max_length=64)
    recipient_name: str | None = Field(default=None, max_length=200)
    given_by: str | None = Field(default=None, max_length=200)
    taken_by: str = Field(foreign_key="users.id", max_length=64)
    given_at: dt.datetime = _when()
    feedback_agreed: bool = False
    method: str | None = Field(default=None, max_length=16)  # verbal | written
    expires_on: dt.date | None = None
    review_on: dt.date | None = None
    withdrawn_at: dt.datetime | None = _when(nullable=True)
    withdrawn_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)


class Referral(SQLModel, table=True):
    """One need sent (or about to be sent) to one agency. ``status`` moves only by
    conditional UPDATE (see ``triage.casework.referrals``), so concurrent changes cannot both win."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_agency_status", "agency_id", "status"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    need_id: str = Field(foreign_key="needs.id", index=True, max_length=64)
    agency_id: str = Field(foreign_key="agencies.id", max_length=64)
    referrer_org_id: str = Field(foreign_key="organisations.id", max_length=64)
    status: str = Field(max_length=16)
    rank: int = 1
    match_reasons: list[str] = _json_list()
    consent_id: str | None = Field(default=None, foreign_key="consents.id", max_length=64)
    previous_referral_id: str | None = Field(default=None, max_length=64)
    decline_code: str | None = Field(default=None, max_length=32)
    decline_text: str | None = Field(default=None, max_length=500)
    override_reason: str | None = Field(default=None, max_length=500)  # why not the best match
    created_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)  # None: re-routed
    created_at: dt.datetime = _when()
    sent_at: dt.datetime | None = _when(nullable=True)
    accepted_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    accepted_at: dt.datetime | None = _when(nullable=True)
    closed_at: dt.datetime | None = _when(nullable=True)
    updated_at: dt.datetime = _when()


class ReferralEvent(SQLModel, table=True):
    """The status history of a referral: one row per transition."""

    __tablename__ = "referral_events"
    id: int | None = Field(default=None, primary_key=True)
    referral_id: str = Field(foreign_key="referrals.id", index=True, max_length=64)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_user_id: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    actor_org_id: str | None = Field(default=None, max_length=64)
    at: dt.datetime = _when()


class Outcome(SQLModel, table=True):
    """What happened, as codes and sums (never case notes), for the referrer and evaluation."""

    __tablename__ = "outcomes"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    referral_id: str = Field(foreign_key="referrals.id", unique=True, max_length=64)
    outcome: str = Field(max_length=32)
    first_contact_on: dt.date | None = None
    income_gained_pounds: int | None = None
    debt_written_off_pounds: int | None = None
    home_kept: bool | None = None
    eviction_prevented: bool | None = None
    notes: str | None = Field(default=None, max_length=1000)
    recorded_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    recorded_at: dt.datetime = _when()


class MedicalEvidenceRequest(SQLModel, table=True):
    """A request to a clinician for evidence, tracked until it arrives."""

    __tablename__ = "medical_evidence_requests"
    __table_args__ = (Index("ix_evidence_case_received", "case_id", "received_on"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    case_id: str = Field(foreign_key="cases.id", max_length=64)
    need_id: str | None = Field(default=None, foreign_key="needs.id", max_length=64)
    purpose: str = Field(max_length=40)
    clinician: str | None = Field(default=None, max_length=200)
    consent_id: str = Field(foreign_key="consents.id", max_length=64)
    deadline_id: str | None = Field(default=None, max_length=120)
    sent_on: dt.date
    needed_by: dt.date
    chase_every_days: int = 7
    chased_on: list[str] = _json_list()
    received_on: dt.date | None = None
    reply_note: str | None = Field(default=None, max_length=500)
    created_by: str | None = Field(default=None, foreign_key="users.id", max_length=64)
    created_at: dt.datetime = _when()


class AuditEntry(SQLModel, table=True):
    """Every read and write of a case: who, when, what. ``detail`` never holds more
    personal data than needed, and erasure empties it."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _when()
    actor_user_id: str | None = Field(default=None, max_length=64)
    actor_org_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60)
    case_id: str | None = Field(default=None, max_length=64, index=True)
    referral_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = _json()


class ApiKey(SQLModel, table=True):
    """An API key for one organisation and role; only a hash of the secret is kept."""

    __tablename__ = "api_keys"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    organisation_id: str = Field(foreign_key="organisations.id", index=True, max_length=64)
    role: str = Field(max_length=16)
    key_prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=200)
    created_at: dt.datetime = _when()
    revoked_at: dt.datetime | None = _when(nullable=True)


class IdempotencyRecord(SQLModel, table=True):
    """The stored response to a request made with an Idempotency-Key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("key", "organisation_id", name="uq_idempotency_key_org"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    organisation_id: str = Field(foreign_key="organisations.id", max_length=64)
    method_path: str = Field(max_length=300)
    request_hash: str = Field(max_length=80)
    response_status: int
    response_body: str
    created_at: dt.datetime = _when()


class OutboxEvent(SQLModel, table=True):
    """An event to deliver (e.g. a webhook), written in the same transaction as the change."""

    __tablename__ = "outbox_events"
    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=60)
    payload: dict[str, Any] = _json()
    target_url: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    next_attempt_at: dt.datetime | None = _when(nullable=True)
    delivered_at: dt.datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: dt.datetime = _when()


class QuestionnaireDraft(SQLModel, table=True):
    """Questionnaire answers saved to resume later, sealed (encrypted and authenticated) with a
    key made from the resume code and the service secret, and keyed by an HMAC of the code: the
    table reveals neither codes nor answers. In the store, so a draft follows the link worker
    across workers and hosts; deleted once idle for the session timeout."""

    __tablename__ = "questionnaire_drafts"
    code_hash: str = Field(primary_key=True, max_length=64)
    sealed: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = Field(default="en", max_length=8)
    created_at: dt.datetime = _when()
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))


# Columns erased with a case: everything that could identify the person or say
# something about their health beyond the coded counts.
PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (
        "case_ref",
        "person_name",
        "date_of_birth",
        "contact_phone",
        "contact_email",
        "contact_address",
        "safe_contact_notes",
        "safe_times",
        "code_word",
        "nhs_number",
        "communication",
        "postcode_district",
        "facts",
        "answers",
        "assessment",
    ),
    "consents": ("given_by", "recipient_name"),
    "referrals": ("decline_text", "override_reason"),
    "outcomes": ("notes",),
    "medical_evidence_requests": ("clinician", "reply_note"),
    "audit_log": ("detail",),
}


class WebSession(SQLModel, table=True):
    """A browser session of the web pages, kept on the server: the cookie holds only a random
    token, the row is keyed by an HMAC of it and its data sealed with a key made from it. Signing
    out or a quick exit deletes the row, so a copied cookie opens nothing afterwards."""

    __tablename__ = "web_sessions"
    id_hash: str = Field(primary_key=True, max_length=64)
    sealed: str = Field(sa_column=Column(Text, nullable=False))
    user_id: str | None = Field(default=None, max_length=64, index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
