"""What a missing answer means for a rule: the one place that decides it.

A missing answer must never hide a legal need or its deadline. A rule raises
a need from what is known about the problem (a refusal, a notice, a court
claim); the details a person often cannot tell, and the exceptions that
would take the need away, are assumed while unknown to be whatever keeps the
need, and the need is marked "to confirm" with those facts asked first.
"""

from __future__ import annotations

from triage.rulesets.conditions import (
    All,
    Any_,
    Cmp,
    Cond,
    Known,
    compared_facts,
    exception_facts,
    facts_of,
    interpret,
    possibly_over,
    tested_unknown,
)
from triage.rulesets.model import OnUnknown, Rule

__all__ = ["assumed_facts", "tested_unknown"]


def assumed_facts(rule: Rule) -> frozenset[str]:
    """The facts whose tests pass while unknown, so a missing answer cannot hide the finding.

    Needs and escalations only (a letter or a contradiction is never guessed; a letter
    that may wait for consent says so in its condition and its ``to_confirm``):
    the facts the rule tests only as exceptions, and those the catalogue marks
    ``may_not_know``, plus the rule's own ``on_unknown.assume`` and less its
    ``on_unknown.ask``. A date is assumed only when the rule names it under
    ``on_unknown.assume`` (then its "known" guard passes too: a refusal whose
    letter is lost is still a refusal to challenge, its time limit not yet
    counted), because a date is often the only evidence of a stage (a
    reconsideration notice's date shows the reconsideration happened). If that
    would leave the rule nothing it needs known, nothing is assumed: a rule
    must never fire on a case that says nothing.
    """
    cond = rule.condition
    read = facts_of(cond)
    if rule.on_unknown == "fire":
        return frozenset(f.path for f in read)
    if rule.then.kind not in ("need", "escalate"):
        return frozenset()
    chosen = set(exception_facts(cond)) | {f.path for f in read if f.may_not_know}
    # Only comparisons can pass while unknown; "is X known?" is asked on purpose.
    chosen &= compared_facts(cond)
    if isinstance(rule.on_unknown, OnUnknown):
        chosen = (chosen | set(rule.on_unknown.assume)) - set(rule.on_unknown.ask)
    if not chosen or not _needs_something_known(cond, frozenset(chosen)):
        return frozenset()
    return frozenset(chosen)


def assumed_condition(cond: Cond, assumed: frozenset[str]) -> Cond:
    """``cond`` with the tests of ``assumed`` facts passing while unknown (and a date's "known" guard)."""
    if isinstance(cond, Known):
        if cond.known and cond.fact.path in assumed and cond.fact.kind == "date":
            return Any_((cond, Known(cond.fact, False)))
        return cond
    if isinstance(cond, Cmp):
        return possibly_over(cond, assumed)
    if isinstance(cond, All):
        return All(tuple(assumed_condition(i, assumed) for i in cond.items))
    if isinstance(cond, Any_):
        return Any_(tuple(assumed_condition(i, assumed) for i in cond.items))
    raise TypeError("assumed_condition() needs a condition in negation normal form")


def _needs_something_known(cond: Cond, assumed: frozenset[str]) -> bool:
    """Whether the condition, with ``assumed`` facts passing while unknown, still fails on an empty case."""
    return interpret(assumed_condition(cond, assumed))({}) is not True
