"""The assessment: what the engine found for one case, with every reason.

These models are the engine's output contract, shared by the CLI, the API,
the store and the letters. Field order is stable and lists are sorted, so the
same facts, rule set and ``as_of`` day always give the same JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from triage.rulesets.model import LetterKind, MedicalPurpose, Source, Tier, Urgency


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


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
