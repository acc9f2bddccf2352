"""What the question search reads per rule, worked out once per rule set and day.

The search itself is ``question_search``; ``cache.FindingsCache`` keeps what
is built here for as long as its engine lives.
"""

from __future__ import annotations

from typing import NamedTuple

from triage.engine.assessment import Question
from triage.engine.compiler import CompiledRule, CompiledRuleSet
from triage.facts.catalog import FACTS, FactSpec
from triage.rulesets.conditions import Evaluator
from triage.rulesets.model import URGENCY_ORDER

# Sections every area's rules may read; they open no area of their own.
CROSS_CUTTING = frozenset({"person", "health"})


class NeedPlan(NamedTuple):
    """A need rule's result, for telling whether it would change a found need."""

    issue: str
    tier: int
    urgency_rank: int
    from_facts: frozenset[str]  # the date facts its deadlines count from
    changes: frozenset[str]  # {issue}: what it would change


class Plan(NamedTuple):
    """One rule as the question search reads it."""

    asking: Evaluator  # three-valued, "is X known?" unknown while X is missing
    rule: CompiledRule
    need: NeedPlan | None  # for a need rule
    weight: int
    facts: tuple[FactSpec, ...]


# A group of rules reading the same areas: (those areas, its rules' plans).
Group = tuple[frozenset[str], tuple[Plan, ...]]


def question_groups(compiled: CompiledRuleSet, as_of_ordinal: int) -> tuple[Group, ...]:
    """Rules that can raise a question on this day, grouped by the areas they read.

    Contradictions change no need, so they never raise a question.
    """
    by_areas: dict[frozenset[str], list[Plan]] = {}
    for c in compiled.rules:
        if c.rule.then.contradiction is None and c.in_force(as_of_ordinal):
            n = c.rule.then.need
            need = (
                NeedPlan(n.issue, n.tier, URGENCY_ORDER[n.urgency], frozenset(d.from_fact for d in n.deadlines),
                         frozenset((n.issue,)))
                if n is not None
                else None
            )  # fmt: skip
            by_areas.setdefault(c.sections - CROSS_CUTTING, []).append(Plan(c.asking, c, need, weight(c), c.facts))
    return tuple((areas, tuple(plans)) for areas, plans in by_areas.items())


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
