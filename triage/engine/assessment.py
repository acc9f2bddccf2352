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


class _Required:
    """Stands in for a required field the caller did not give (serialising it fails loudly)."""

    def __repr__(self) -> str:
        return "<required field not given>"


_REQUIRED: Any = _Required()


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Filled per class on first use: every field in declared order with its
    # default (``_REQUIRED`` for required ones), and the fields whose default
    # is a container that each instance needs its own copy of.
    _template: ClassVar[dict[str, Any] | None] = None
    _mutable: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """Build from values the engine made itself, skipping validation.

        Like ``model_construct`` without its per-field alias handling, which
        costs more than the rest of an assessment's assembly. Every field
        without a default must be given (one left out makes serialising fail);
        a name that is not a field is a TypeError. Tests check the output
        validates.
        """
        template = cls.__dict__.get("_template")
        if template is None:
            template = {n: _REQUIRED if f.is_required() else f.default for n, f in cls.model_fields.items()}
            mutable = tuple(n for n, v in template.items() if isinstance(v, (list, dict)))
            # _mutable first: another thread seeing the template must see it too.
            type.__setattr__(cls, "_mutable", mutable)
            type.__setattr__(cls, "_template", template)
        # Updating a copy of the template keeps the declared field order,
        # which is the order the serialiser writes.
        fields = template.copy()
        fields.update(values)
        if len(fields) != len(template):
            raise TypeError(f"{cls.__name__}.trusted: not fields: {sorted(set(values) - set(template))}")
        for name in cls._mutable:
            if name not in values:
                fields[name] = fields[name].copy()
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", fields)
        object.__setattr__(obj, "__pydantic_fields_set__", set(template))
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
    # Facts still unknown that the letter cannot go out without (the person's
    # consent): the letter is due but waits for them, and they are asked first.
    to_confirm: list[str] = []


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
    # Facts still unknown that a rule assumed so as not to hide this need (or its
    # urgency or deadline): the need stands until they are confirmed, and they
    # are asked first.
    to_confirm: list[str] = []
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
