"""``LetterContext``: everything a letter may say, as one typed value.

The store and the API build the same context from a stored case (see
:func:`triage.letters.case_file.build_context` for how the CLI builds it
from a case file and an assessment). Every field is optional here: which
fields a given letter *requires* is data, declared in ``letters/manifest.yaml``
and checked before rendering (:mod:`triage.letters.manifest`), so a missing
value is an error listing every missing field, never a blank in a sent letter.

Free text (names, notes, the person's own words) is refused if it holds
control characters, which neither PDF nor Word can carry faithfully; anything
else, including ``{{ ... }}``, ``<script>`` and Word field codes, is kept as
literal text by every renderer.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from triage.engine.assessment import Deadline, Need, ResourceLink
from triage.facts.common import plain_text
from triage.facts.contact import ContactMethod
from triage.facts.person import DigitalAccess
from triage.rulesets.model import MedicalPurpose, Tier, Urgency

LetterKind = Literal["referral", "medical_evidence", "duty_to_refer", "voluntary_referral", "action_plan"]
HospitalService = Literal["emergency_department", "urgent_treatment_centre", "inpatient"]
"""The NHS services under the duty to refer (Homelessness (Review Procedure etc.) Regulations 2018,
SI 2018/223, reg 10 and Schedule para 12: in-patient treatment of any kind, psychiatric included)."""
Representative = Literal["lpa_attorney", "deputy"]
"""Who may agree for a person who lacks capacity, within their authority (Mental Capacity Act 2005 ss.9, 16)."""
KINDS: tuple[str, ...] = LetterKind.__args__  # type: ignore[attr-defined]
PURPOSES: tuple[str, ...] = MedicalPurpose.__args__  # type: ignore[attr-defined]

_no_control_chars = plain_text


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_no_control_chars)]
"""Free text of a paragraph or less."""
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_control_chars)]
"""One line: a name, a role, a phone number."""
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s\"'<>]+$", max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Model):
    """Who the letter is about. Synthetic people only in fixtures."""

    name: Line | None = None
    date_of_birth: dt.date | None = None
    address: list[Line] = []
    phone: Line | None = None
    email: Line | None = None
    nhs_number: Annotated[str | None, Field(pattern=r"^\d{3} ?\d{3} ?\d{4}$")] = None


class Party(_Model):
    """A sender or recipient: a person in an organisation, or just the organisation."""

    name: Line | None = None
    role: Line | None = None
    organisation: Line | None = None
    address: list[Line] = []
    phone: Line | None = None
    email: Line | None = None


class SafeContact(_Model):
    """How the person may safely be contacted (is it safe to call, text or write?).

    Which details a letter may then carry is ``triage.facts.contact.contact_rule``'s to decide."""

    methods: list[ContactMethod] = Field(
        default=[], description="Every method the person said is safe; `method: phone` is short for `[phone]`."
    )
    details: Text | None = Field(default=None, description="When and how, e.g. 'text first; calls after 6pm only'.")
    voicemail_ok: bool | None = None
    texts_ok: bool | None = None
    post_ok: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_method_is_a_list_of_one(cls, data: Any) -> Any:
        if isinstance(data, dict) and "method" in data:
            data = dict(data)
            one = data.pop("method")
            data["methods"] = [*(data.get("methods") or []), *([one] if one is not None else [])]
        return data


class Consent(_Model):
    """Explicit, specific consent for one letter to one recipient (UK GDPR Art 9(2)(a))."""

    given: bool | None = None
    date: dt.date | None = None
    taken_by: Line | None = None
    recipient: Line | None = Field(default=None, description="The organisation the person agreed to share with.")
    scope: Text | None = Field(default=None, description="What may be shared, including which health information.")
    share_contact_details: bool | None = None
    authority_chosen_by_person: bool | None = Field(
        default=None, description="Duty to refer: the person chose the housing authority (HA 1996 s.213B(3)(b))."
    )
    feedback_agreed: bool | None = None
    given_by: Line | None = Field(
        default=None, description="Who agreed: the person, or the attorney or deputy who agreed for them."
    )
    agreed_by_representative: Representative | None = Field(
        default=None,
        description="Set from the case facts when the person lacks capacity and an attorney or deputy whose "
        "authority covers the decision agreed on their behalf; the letter then says so.",
    )


class AccessNeeds(_Model):
    """What the person needs to take part: language, interpreter, disability, digital access."""

    language: Line | None = None
    interpreter_needed: bool | None = None
    disability_adjustments: Text | None = None
    digital_access: DigitalAccess | None = None
    literacy_difficulty: bool | None = None
    other: Text | None = None


class DeadlineView(_Model):
    date: dt.date
    label: Line
    kind: Literal["act_by", "event"]
    status: Literal["open", "late_route", "expired", "passed"]
    days_left: int
    late_limit: dt.date | None = None
    late_label: Line | None = None

    @classmethod
    def of(cls, d: Deadline) -> DeadlineView:
        return cls(date=d.date, label=d.label, kind=d.kind, status=d.status, days_left=d.days_left,
                   late_limit=d.late_limit, late_label=d.late_label)  # fmt: skip

    @property
    def live(self) -> bool:
        return self.status in ("open", "late_route")


class Resource(_Model):
    title: Line
    publisher: Line
    url: HttpsUrl
    summary: Text = ""

    @classmethod
    def of(cls, r: ResourceLink) -> Resource:
        return cls(title=r.title, publisher=r.publisher, url=r.url, summary=r.summary)


class NeedView(_Model):
    """One legal need from the assessment, as a letter shows it."""

    issue: str
    issue_label: Line
    area_label: Line
    tier: Tier
    urgency: Urgency
    legal_aid: Line | None = None
    health_link: Text = ""
    deadlines: list[DeadlineView] = []
    resources: list[Resource] = []

    @classmethod
    def of(cls, n: Need) -> NeedView:
        return cls(
            issue=n.issue, issue_label=n.issue_label, area_label=n.area_label, tier=n.tier,
            urgency=n.urgency, legal_aid=n.legal_aid, health_link=n.health_link,
            deadlines=[DeadlineView.of(d) for d in n.deadlines],
            resources=[Resource.of(r) for r in n.resources],
        )  # fmt: skip

    @property
    def live_deadlines(self) -> list[DeadlineView]:
        return sorted((d for d in self.deadlines if d.live), key=lambda d: d.date)


class Hospital(_Model):
    """Duty to refer: the hospital service referring and the stay."""

    service: HospitalService | None = None
    ward: Line | None = None
    admission_date: dt.date | None = None
    discharge_date: dt.date | None = None
    care_needs_on_discharge: bool | None = None


class LetterContext(_Model):
    """Everything any letter may use. Which fields a letter needs is in the manifest."""

    as_of: dt.date
    case_ref: str | None = None
    ruleset: Line | None = Field(default=None, description="Rule-set name, version and hash prefix.")
    purpose: MedicalPurpose | None = None
    person: Person = Person()
    safe_contact: SafeContact = SafeContact()
    referrer: Party = Party()
    recipient: Party = Party()
    consent: Consent = Consent()
    access: AccessNeeds = AccessNeeds()
    needs: list[NeedView] = []
    focus: NeedView | None = Field(default=None, description="The need a medical evidence letter is about.")
    decision: Text | None = Field(default=None, description="The decision the evidence is for, in words.")
    reply_by: dt.date | None = None
    fee: Text | None = None
    health_context: Text | None = Field(default=None, description="Only the health information the issue needs.")
    tried: list[Text] = []
    person_words: Text | None = Field(default=None, description="The person's own words, quoted literally.")
    hospital: Hospital = Hospital()
    referral_reason: Text | None = None
    next_contact: Text | None = Field(default=None, description="Action plan: who will contact the person, and when.")
    contact_withheld: Text | None = Field(
        default=None,
        description="Why none of the person's own contact details are in the letter; the letter then names "
        "the referrer as the only way to reach them (see ``triage.facts.contact``).",
    )
    barred: list[tuple[str, Text]] = Field(
        default=[],
        description="(field, reason) pairs from the case facts that stop this letter going out whatever was "
        "recorded: consent refused, no capacity to agree, the wrong kind of letter for the setting. Checked "
        "with the manifest's fields, and reported with them.",
    )

    @property
    def live_deadlines(self) -> list[tuple[NeedView, DeadlineView]]:
        """Every deadline still open (or on a late route), soonest first."""
        pairs = [(n, d) for n in self.needs for d in n.deadlines if d.live]
        return sorted(pairs, key=lambda p: (p[1].date, p[0].issue))

    @property
    def resources(self) -> list[Resource]:
        """Tier-1 guides for every need, each once, in need order."""
        seen: dict[str, Resource] = {}
        for n in self.needs:
            for r in n.resources:
                seen.setdefault(r.url, r)
        return list(seen.values())
