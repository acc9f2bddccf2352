"""A need while it is being worked out, and the reasons rules give for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triage.engine.assessment import Deadline, LetterNeeded, Reason
from triage.engine.compiler import CompiledRule
from triage.facts import CaseFacts
from triage.rulesets.model import URGENCY_ORDER, Urgency

# Letters by (kind, issue, purpose): one letter of each.
LetterKey = tuple[str, str, str | None]
Letters = dict[LetterKey, LetterNeeded]


@dataclass
class Draft:
    """One issue's need: raised (never lowered) by rules and policy, then frozen into a ``Need``."""

    issue: str
    tier: int
    urgency: Urgency
    deadlines: list[Deadline] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    late: bool = False
    legal_aid: str | None = None
    # Unknown facts a rule that raised this need fired for lack of.
    waits_on: set[str] = field(default_factory=set)
    # Time limits a rule raised the need with while their start date was assumed (unknown):
    # (label, whether the limit is so short it may already be within the time acting takes).
    undated: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def to_confirm(self) -> list[str]:
        """Unknown facts whose answer decides whether the need stands as it is."""
        return sorted(self.waits_on.union(*(r.fired_on_unknown for r in self.reasons)))

    def raise_to(self, tier: int | None, urgency: Urgency | None) -> str:
        """Raise tier and urgency (never lower); describe what changed."""
        changes = []
        if tier is not None and tier > self.tier:
            changes.append(f"tier {self.tier} to {tier}")
            self.tier = tier
        if urgency is not None and URGENCY_ORDER[urgency] > URGENCY_ORDER[self.urgency]:
            changes.append(f"urgency {self.urgency} to {urgency}")
            self.urgency = urgency
        return "; ".join(changes)


def facts_used(rule: CompiledRule, facts: CaseFacts) -> tuple[dict[str, Any], list[str]]:
    """The facts a rule read, as ``triage.engine.flatten.fact_value`` shows them, and which of them were unknown."""
    used: dict[str, Any] = {}
    unknown: list[str] = []
    for spec in rule.facts:
        value = getattr(getattr(facts, spec.section), spec.name)
        if value is None:
            value = "unknown"
            unknown.append(spec.path)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, frozenset):
            value = sorted(value)
        used[spec.path] = value
    return used, unknown


def reason(rule: CompiledRule, facts: CaseFacts, effect: str = "") -> Reason:
    """The reason a rule that fired gives, with the facts it read and what it changed."""
    used, unknown = facts_used(rule, facts)
    return Reason.trusted(
        kind=rule.kind,
        id=rule.rule.id,
        text=rule.reason,
        source=rule.rule.source,
        facts=used,
        fired_on_unknown=[p for p in unknown if p in rule.assumed],
        effect=effect,
    )
