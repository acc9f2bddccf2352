"""Pydantic models for rule-set files: rules and deadline parameters (routing policy: ``policy_model``).

Everything here is data an auditor can read: each legal fact carries its
source and the dates it is in force.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from triage.rulesets.conditions import Cond, ConditionError, facts_of, parse, push_not, tested_unknown

Urgency = Literal["emergency", "urgent", "soon", "routine"]
URGENCY_ORDER: dict[str, int] = {"routine": 0, "soon": 1, "urgent": 2, "emergency": 3}
Tier = Literal[1, 2, 3]
LetterKind = Literal["referral", "medical_evidence", "duty_to_refer", "voluntary_referral"]
MedicalPurpose = Literal[
    "pip", "wca", "housing_medical", "homelessness_vulnerability", "disrepair", "employment",
    "debt_mental_health", "mental_health_tribunal", "mental_health_crisis_breathing_space",
]  # fmt: skip
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", max_length=120)]
IssueCode = Annotated[str, Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    """Where a legal fact comes from."""

    title: Annotated[str, Field(min_length=3)]
    url: Annotated[str, Field(pattern=r"^https://\S+$")]
    kind: Literal["statute", "regulation", "case_law", "guidance", "practice"]
    cite: str | None = None


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


Sources = Annotated[list[Source], Field(min_length=1)]


class Dated(Strict):
    """Something in force from ``effective_from`` up to, not including, ``effective_to``."""

    effective_from: date
    effective_to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Dated:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


# ---------------------------------------------------------------- rules


class DeadlineRef(Strict):
    """Use the deadline parameter ``use``, counted from the date fact ``from_fact``.

    ``not_before`` names a date fact the deadline can never fall before (when
    that fact is known): a duty that starts "56 days before the notice expires"
    cannot start before the notice was given.
    """

    use: str
    from_fact: str
    not_before: str | None = None


class NeedThen(Strict):
    issue: IssueCode
    tier: Tier
    urgency: Urgency
    deadlines: list[DeadlineRef] = []


class AppliesTo(Strict):
    issues: list[IssueCode] = []
    areas: list[str] = []
    all: bool = False

    @model_validator(mode="after")
    def _some(self) -> AppliesTo:
        if not (self.issues or self.areas or self.all):
            raise ValueError("name issues, areas, or all: true")
        return self

    def matches(self, issue: str) -> bool:
        return self.all or issue in self.issues or issue.split(".", 1)[0] in self.areas


class EscalateThen(Strict):
    applies_to: AppliesTo
    tier: Tier | None = None
    urgency: Urgency | None = None
    legal_aid: str | None = Field(
        default=None, description="The LASPO 2012 Sch 1 basis when this puts a need in scope."
    )

    @model_validator(mode="after")
    def _something(self) -> EscalateThen:
        if self.tier is None and self.urgency is None and self.legal_aid is None:
            raise ValueError("an escalation needs a tier, an urgency or a legal_aid basis")
        return self


class LetterThen(Strict):
    kind: LetterKind
    issue: IssueCode
    purpose: MedicalPurpose | None = None
    to_confirm: list[str] = Field(
        default_factory=list,
        description="Facts the letter cannot go out without (consent): while one is unknown the letter "
        "is listed as waiting for it, its need lists it to confirm, and it is asked first. The rule's "
        "condition must allow it unknown in so many words ({fact: X, unknown: true}): never assumed.",
    )

    @model_validator(mode="after")
    def _purpose(self) -> LetterThen:
        if (self.kind == "medical_evidence") != (self.purpose is not None):
            raise ValueError("a medical_evidence letter needs a purpose; other letters take none")
        return self


class ContradictionThen(Strict):
    message: Annotated[str, Field(min_length=5)]


class Then(Strict):
    need: NeedThen | None = None
    escalate: EscalateThen | None = None
    letter: LetterThen | None = None
    contradiction: ContradictionThen | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Then:
        given = [k for k in ("need", "escalate", "letter", "contradiction") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of need, escalate, letter or contradiction")
        return self

    @property
    def kind(self) -> str:
        for k in ("need", "escalate", "letter", "contradiction"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError("unreachable")


class OnUnknown(Strict):
    """A rule's own choice about facts left unknown, with the reason for it.

    By default (no ``on_unknown``) a rule also fires, "to confirm", while a fact
    it tests only as an exception ("no reconsideration asked for") or a fact
    the catalogue marks ``may_not_know`` (tenancy type, notice type) is
    unknown; see :func:`triage.engine.compiler.assumed_facts`. ``assume`` adds
    facts to that set; ``ask`` takes facts out of it, so the rule waits for
    the answer. Both need a reason a partnership auditor can read.
    """

    assume: list[str] = Field(default_factory=list)
    ask: list[str] = Field(default_factory=list)
    reason: Annotated[str, Field(min_length=20)]

    @model_validator(mode="after")
    def _some_fact(self) -> OnUnknown:
        if not self.assume and not self.ask:
            raise ValueError("on_unknown: name facts under assume or ask")
        both = set(self.assume) & set(self.ask)
        if both:
            raise ValueError(f"on_unknown: {', '.join(sorted(both))} is under both assume and ask")
        return self


class Rule(Dated):
    """One rule: when the condition holds, record the finding in ``then``."""

    id: RuleId
    title: Annotated[str, Field(min_length=5, max_length=160)]
    explain: str | None = Field(default=None, description="Plain-English reason shown to people.")
    note: str | None = Field(default=None, description="For auditors: where the law is unsettled, the reading chosen.")
    when: dict[str, Any]
    then: Then
    source: Sources
    # "fire": every test also passes while its fact is unknown (safety first).
    on_unknown: Literal["fire"] | OnUnknown | None = None
    file: str = ""
    line: int = 0

    _cond: Cond = PrivateAttr()

    _source_list = field_validator("source", mode="before")(_as_list)

    @field_validator("on_unknown", mode="before")
    @classmethod
    def _one_form(cls, value: Any) -> Any:
        # One message for the form given, not pydantic's report on each form of the union.
        if value is None or value == "fire" or isinstance(value, OnUnknown):
            return value
        if not isinstance(value, dict):
            raise ValueError("write `fire`, or a mapping with ask and/or assume and a reason")
        try:
            return OnUnknown.model_validate(value)
        except ValidationError as exc:
            raise ValueError(
                "; ".join(f"{'.'.join(map(str, e['loc'])) or 'on_unknown'}: {e['msg']}" for e in exc.errors())
            ) from None

    @model_validator(mode="after")
    def _parse_when(self) -> Rule:
        try:
            self._cond = push_not(parse(self.when, "when"))
        except ConditionError as exc:
            raise ValueError(str(exc)) from None
        if isinstance(self.on_unknown, OnUnknown):
            read = {f.path for f in facts_of(self._cond)}
            stray = [p for p in (*self.on_unknown.assume, *self.on_unknown.ask) if p not in read]
            if stray:
                raise ValueError(f"on_unknown: {', '.join(stray)} is not a fact this rule's condition tests")
        if self.then.letter is not None and self.then.letter.to_confirm:
            allowed = tested_unknown(self._cond)
            stray = [p for p in self.then.letter.to_confirm if p not in allowed]
            if stray:
                raise ValueError(
                    f"letter.to_confirm: {', '.join(stray)}: the condition must test it with unknown: true"
                )
        return self

    @property
    def condition(self) -> Cond:
        return self._cond

    @property
    def reason(self) -> str:
        return self.explain or self.title


class RuleFile(Strict):
    rules: list[dict[str, Any]]


# ---------------------------------------------------------------- deadlines


class Period(Strict):
    """How a deadline is counted from its start date.

    Exactly one of months, weeks, days, working_days, clear_days or
    uc_assessment_periods. ``before`` counts backwards (for example 56 days
    before an eviction date). ``less_days`` subtracts days at the end.
    ``beginning_with_start`` says the start day is itself day 1, as in "21 days
    beginning with the day on which he is notified" (Housing Act 1996 s.202(3)):
    such a period ends a day sooner than one counted "after" or "from" the start
    (21 days beginning with 1 May end on 21 May; 21 days after it, on 22 May).
    Months beginning with a day that a later month lacks end on that month's
    last day (three months beginning with 31 January end on 30 April), never a
    day before it (``calendar.months_beginning_with``): write "three months
    beginning (or starting) with" this way, not as months less a day.
    ``uc_assessment_periods`` ends with the last day of that many Universal
    Credit assessment periods beginning with the start (UC Regulations 2013
    reg 21(2); ``calendar.uc_assessment_period_end``).
    ``acas_extension`` applies the ACAS early conciliation clock stop
    (Employment Rights Act 1996 s.207B), with the time after the certificate
    taken from the parameter ``employment.early_conciliation_time_after_certificate``.
    ``then`` counts a second period on from the day the first one ends, for a
    limit that runs from a deemed event: a county court claim form is deemed
    served on the second business day after it was posted (CPR 6.14) and the
    defendant responds within 14 days after service (CPR 10.3, 15.4), so
    ``{working_days: 2, then: {days: 14}}``.
    """

    months: int | None = Field(default=None, ge=0, le=120)
    weeks: int | None = Field(default=None, ge=0, le=520)
    days: int | None = Field(default=None, ge=0, le=3650)
    working_days: int | None = Field(default=None, ge=0, le=365)
    clear_days: int | None = Field(default=None, ge=0, le=365)
    uc_assessment_periods: int | None = Field(default=None, ge=1, le=12)
    skip_sundays_and_bank_holidays: bool = False
    less_days: int = Field(default=0, ge=0, le=31)
    beginning_with_start: bool = False
    before: bool = False
    acas_extension: bool = False
    then: Period | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> Period:
        units = [u for u in ("months", "weeks", "days", "working_days", "clear_days", "uc_assessment_periods")
                 if getattr(self, u) is not None]  # fmt: skip
        if len(units) != 1:
            raise ValueError("give exactly one of months, weeks, days, working_days, clear_days, uc_assessment_periods")
        if units[0] == "uc_assessment_periods" and (self.before or self.beginning_with_start or self.less_days):
            raise ValueError("uc_assessment_periods counts forward from the first day of the first period, as it is")
        if self.skip_sundays_and_bank_holidays and self.clear_days is None:
            raise ValueError("skip_sundays_and_bank_holidays applies to clear_days only")
        if self.beginning_with_start and (self.before or units[0] in ("working_days", "clear_days")):
            raise ValueError("beginning_with_start applies to months, weeks or days counted forward")
        then = self.then
        if then is not None and (self.before or then.before or self.acas_extension or then.acas_extension):
            raise ValueError("then counts forward only, without the ACAS extension")
        return self


class Duration(Strict):
    """A length of time held by a legal parameter: exactly one of months, weeks or days."""

    months: int | None = Field(default=None, ge=0, le=120)
    weeks: int | None = Field(default=None, ge=0, le=520)
    days: int | None = Field(default=None, ge=0, le=3650)

    @model_validator(mode="after")
    def _one_unit(self) -> Duration:
        if sum(v is not None for v in (self.months, self.weeks, self.days)) != 1:
            raise ValueError("give exactly one of months, weeks, days")
        return self

    def __str__(self) -> str:
        for unit in ("months", "weeks", "days"):
            n = getattr(self, unit)
            if n is not None:
                return f"{n} {unit[:-1] if n == 1 else unit}"
        raise AssertionError("unreachable")


class LateRoute(Strict):
    """A way to act once the usual limit has passed, and until when.

    ``period`` is the later, absolute limit (13 months for a late mandatory
    reconsideration), counted from the same start as the deadline; none when
    the law sets no outer limit and a court or tribunal may extend time on
    reasons (an asylum support appeal, SEC Rules r.5(3)(a) and r.22(6)).
    ``urgency`` is how urgent acting late is (the routing policy's
    ``late_route_urgency`` when not given), with its ``reason``.
    """

    # Letters print labels on one line of at most 200 characters (triage/letters/context.py ``Line``).
    label: Annotated[str, Field(min_length=3, max_length=200)]
    period: Period | None = None
    urgency: Urgency | None = None
    reason: str | None = None
    source: Sources

    _source_list = field_validator("source", mode="before")(_as_list)

    @model_validator(mode="after")
    def _urgency_reason(self) -> LateRoute:
        if self.urgency is not None and not self.reason:
            raise ValueError("late: an urgency needs a reason")
        return self


class LeadTime(Strict):
    """How long the action a deadline calls for takes, and why: urgency follows the time left.

    A need is an emergency once the days left are within ``days`` (an
    application to suspend a warrant must be issued and heard before the
    eviction; a reconsideration letter takes days; evidence takes weeks), or
    whenever the deadline is open if ``always_emergency`` (a bailiffs' date).
    ``emergency_once_passed`` says a passed event means the harm is here (a
    possession order's date gone by: homeless or about to be).
    """

    days: int | None = Field(default=None, ge=0, le=365)
    always_emergency: bool = False
    emergency_once_passed: bool = False
    reason: Annotated[str, Field(min_length=20)]

    @model_validator(mode="after")
    def _days_or_always(self) -> LeadTime:
        if (self.days is None) == (not self.always_emergency):
            raise ValueError("lead_time: give days, or always_emergency: true (not both)")
        return self


class DeadlineDef(Dated):
    """A dated, sourced time limit, used by rules through ``deadlines: [{use: id, ...}]``."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: Annotated[str, Field(min_length=3, max_length=200)]
    kind: Literal["act_by", "event"] = "act_by"
    period: Period
    lead_time: LeadTime
    source: Sources
    late: LateRoute | None = None
    note: str | None = None
    file: str = ""
    line: int = 0

    # Set by the loader from the rule set's parameters, never written in YAML:
    # for ``acas_extension``, the time a claimant has at least after the ACAS
    # certificate (ERA 1996 s.207B(4)), as in force for this version's dates.
    _acas_after_certificate: Duration | None = PrivateAttr(default=None)

    _source_list = field_validator("source", mode="before")(_as_list)

    @property
    def acas_after_certificate(self) -> Duration | None:
        return self._acas_after_certificate

    def set_acas_after_certificate(self, value: Duration) -> None:
        """Record the resolved s.207B(4) period (the loader does this once, at load time)."""
        self._acas_after_certificate = value


class DeadlineFile(Strict):
    deadlines: list[dict[str, Any]]


class RuleSetMeta(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
    title: str
    version: Annotated[str, Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")]
    jurisdiction: str
    published: date
    # The day partnerships start using this version for new decisions; the
    # registry picks the version in force on an assessment's as_of by it.
    in_force_from: date | None = None
    description: str = ""
    previous: str | None = None
