"""The assessment: what the engine found for one case, with every reason.

These models are the engine's output contract, shared by the CLI, the API,
the store and the letters. Field order is stable and lists are sorted, so the
same facts, rule set and ``as_of`` day always give the same JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict

from triage.rulesets.model import LetterKind, MedicalPurpose, Source, Tier, Urgency


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Filled per class on first use: the fields in order, and each optional
    # field's default (immutable here: None, "", False, or an empty container
    # that is copied).
    _order: ClassVar[tuple[str, ...] | None] = None
    _defaults: ClassVar[dict[str, Any]] = {}

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """Build from values the engine made itself, skipping validation.

        Like ``model_construct`` without its per-field alias handling, which
        costs more than the rest of an assessment's assembly. Every field
        without a default must be given; tests check the output validates.
        """
        order = cls.__dict__.get("_order")
        if order is None:
            order = tuple(cls.model_fields)
            defaults = {n: f.default for n, f in cls.model_fields.items() if not f.is_required()}
            type.__setattr__(cls, "_order", order)
            type.__setattr__(cls, "_defaults", defaults)
        # The serialiser writes __dict__ in its own order, so keep the declared one.
        defaults = cls._defaults
        values = {
            n: values[n] if n in values else (
                defaults[n].copy() if isinstance(defaults[n], (list, dict)) else defaults[n]
            )
            for n in order
        }  # fmt: skip
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj


class Deadline(_Out):
    """A dated deadline or event for a need."""

    date: dt.date
    label: str
    kind: Literal["act_by", "event"]
    status: Literal["open", "late_route", "expired", "passed"]
    days_left: int
    late_limit: dt.date | None = None
    late_label: str | None = None
    deadline_id: str
    rule_id: str
    from_fact: str
    from_date: dt.date
    source: list[Source]


class Reason(_Out):
    """Why a need has the area, tier or urgency it has: a rule or a routing policy step."""

    kind: Literal["need", "escalate", "letter", "policy"]
    id: str
    text: str
    source: list[Source]
    facts: dict[str, Any] = {}
    fired_on_unknown: list[str] = []
    effect: str = ""


class ResourceLink(_Out):
    id: str
    title: str
    publisher: str
    url: str
    summary: str


class LetterNeeded(_Out):
    kind: LetterKind
    issue: str
    purpose: MedicalPurpose | None = None
    rule_id: str
    reason: str


class Question(_Out):
    """A question still worth asking: its answer could change the assessment."""

    fact: str
    question: str
    could_change: list[str]


class Contradiction(_Out):
    rule_id: str
    message: str
    facts: dict[str, Any]


class Need(_Out):
    area: str
    area_label: str
    issue: str
    issue_label: str
    tier: Tier
    urgency: Urgency
    late: bool = False
    legal_aid: str | None = None
    confidence: Literal["high", "medium", "low"]
    deadlines: list[Deadline]
    reasons: list[Reason]
    resources: list[ResourceLink]
    letters: list[LetterNeeded]
    health_link: str


class RuleSetRef(_Out):
    name: str
    version: str
    hash: str


class Assessment(_Out):
    case_ref: str | None
    as_of: dt.date
    ruleset: RuleSetRef
    needs: list[Need]
    letters: list[LetterNeeded]
    questions: list[Question]
    contradictions: list[Contradiction]
    rules_fired: list[str]

    @property
    def highest_urgency(self) -> str | None:
        from triage.rulesets.model import URGENCY_ORDER

        if not self.needs:
            return None
        return max((n.urgency for n in self.needs), key=URGENCY_ORDER.__getitem__)
