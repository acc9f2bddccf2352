"""What the question search reads per rule, worked out once per rule set and day.

The search itself is ``question_search``; ``cache.FindingsCache`` keeps what
is built here for as long as its engine lives. Everything a plan can know
before the case (its harm band, the flat keys it reads, the issues an
escalation applies to) is worked out here, so the search per case only
compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from triage.engine.assessment import Question
from triage.engine.compiler import CompiledRule, CompiledRuleSet
from triage.facts.catalog import FACTS, FactSpec
from triage.rulesets.conditions import Evaluator
from triage.rulesets.model import URGENCY_ORDER

# Sections every area's rules may read; they open no area of their own.
CROSS_CUTTING = frozenset({"person", "health"})

# Harm bands (lower is asked first): a fact a found need was assumed on ("to
# confirm"), then one whose answer could add an emergency or a deadline, then
# one that could make a need urgent, then the rest (a tier, a letter).
TO_CONFIRM, EMERGENCY_OR_DEADLINE, URGENT, OTHER = -1, 0, 1, 2
_EMERGENCY, _URGENT_RANK = URGENCY_ORDER["emergency"], URGENCY_ORDER["urgent"]


class NeedPlan(NamedTuple):
    """A need rule's result, for telling whether it would change a found need."""

    issue: str
    tier: int
    urgency_rank: int
    from_facts: frozenset[str]  # the date facts its deadlines count from
    from_keys: frozenset[str]  # the same facts' flat keys


class EscalationPlan(NamedTuple):
    """An escalation's result, for telling which found needs it would raise."""

    applies: frozenset[str]  # the rule set's need issues it applies to
    tier: int  # -1: it sets no tier
    urgency_rank: int  # -1: it sets no urgency
    legal_aid: bool  # it puts a need in legal aid scope


class Plan(NamedTuple):
    """One rule as the question search reads it."""

    asking: Evaluator  # three-valued, "is X known?" unknown while X is missing
    rule: CompiledRule
    need: NeedPlan | None  # for a need rule
    escalation: EscalationPlan | None  # for an escalation rule
    letter: tuple[str, str, str | None] | None  # for a letter rule: (kind, issue, purpose)
    changes: frozenset[str]  # a need or letter rule: the issue it would change
    harm: int  # the harm band of the questions it raises
    weight: int
    facts: tuple[FactSpec, ...]
    keys: frozenset[str]  # its facts' flat keys


@dataclass(frozen=True, slots=True)
class Scan:
    """The plans one case's search reads, by what the rule would change."""

    needs: tuple[Plan, ...]
    escalations: tuple[Plan, ...]
    letters: tuple[Plan, ...]

    def plans(self) -> tuple[Plan, ...]:
        """Every plan, need rules first."""
        return self.needs + self.escalations + self.letters


# A group of rules reading the same areas: (those areas, its rules' plans).
Group = tuple[frozenset[str], tuple[Plan, ...]]


def question_groups(compiled: CompiledRuleSet, as_of_ordinal: int) -> tuple[Group, ...]:
    """Rules that can raise a question on this day, grouped by the areas they read.

    Contradictions change no need, so they never raise a question.
    """
    need_issues = frozenset(c.rule.then.need.issue for c in compiled.rules if c.rule.then.need is not None)
    by_areas: dict[frozenset[str], list[Plan]] = {}
    for c in compiled.rules:
        if c.rule.then.contradiction is None and c.in_force(as_of_ordinal):
            by_areas.setdefault(c.sections - CROSS_CUTTING, []).append(plan(c, need_issues))
    return tuple((areas, tuple(plans)) for areas, plans in by_areas.items())


def plan(c: CompiledRule, need_issues: frozenset[str]) -> Plan:
    """One rule's plan; ``need_issues``: every issue a need rule of the rule set can raise."""
    then = c.rule.then
    keys = frozenset(spec.key for spec in c.facts)
    if len(keys) != len(c.facts):
        raise ValueError(f"rule {c.rule.id}: a fact is listed twice")
    need = escalation = letter = None
    changes: frozenset[str] = frozenset()
    if then.need is not None:
        n = then.need
        froms = frozenset(d.from_fact for d in n.deadlines)
        need = NeedPlan(n.issue, n.tier, URGENCY_ORDER[n.urgency], froms, frozenset(FACTS[p].key for p in froms))
        changes = frozenset((n.issue,))
        harm = _band(need.urgency_rank, bool(froms))
    elif then.escalate is not None:
        e = then.escalate
        rank = URGENCY_ORDER[e.urgency] if e.urgency is not None else -1
        applies = frozenset(i for i in need_issues if e.applies_to.matches(i))
        escalation = EscalationPlan(applies, e.tier if e.tier is not None else -1, rank, e.legal_aid is not None)
        harm = _band(rank, False)
    else:
        harm = OTHER
        if then.letter is not None:
            letter = (then.letter.kind, then.letter.issue, then.letter.purpose)
            changes = frozenset((then.letter.issue,))
    return Plan(c.asking, c, need, escalation, letter, changes, harm, weight(c), c.facts, keys)


def _band(urgency_rank: int, dated: bool) -> int:
    if urgency_rank >= _EMERGENCY or dated:
        return EMERGENCY_OR_DEADLINE
    return URGENT if urgency_rank >= _URGENT_RANK else OTHER


def scan(groups: tuple[Group, ...], live_sections: frozenset[str]) -> Scan:
    """The plans of the groups whose areas are all live, by kind."""
    live = [p for areas, plans in groups if areas <= live_sections for p in plans]
    return Scan(
        tuple(p for p in live if p.need is not None),
        tuple(p for p in live if p.escalation is not None),
        tuple(p for p in live if p.letter is not None),
    )


def weight(c: CompiledRule) -> int:
    """How much a rule's result matters: ranks the questions it raises among equals."""
    then = c.rule.then
    if then.need is not None:
        return then.need.tier * 10 + URGENCY_ORDER[then.need.urgency]
    if then.escalate is not None:
        return (then.escalate.tier or 0) * 10 + URGENCY_ORDER.get(then.escalate.urgency or "", 0)
    return 5


def make_question(path: str, issues: tuple[str, ...]) -> Question:
    """The question for a fact (or an area's screening question, ``<area>.concern``)."""
    text = (
        f"Is anything about {path.split('.')[0].replace('_', ' ')} causing a problem?"
        if path.endswith(".concern")
        else FACTS[path].question
    )
    return Question(fact=path, question=text, could_change=list(issues))
