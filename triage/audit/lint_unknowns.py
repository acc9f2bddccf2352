"""Lint checks that a missing answer cannot silently hide a need.

* ``unknown-hides-need`` (warning): a need or escalation rule tests a fact
  that, while unknown, keeps it from firing although the fact is an exception
  to the need ("no reconsideration asked for") or a detail the catalogue says a
  person may not know, and the rule makes no reasoned ``on_unknown`` choice for
  it. The engine assumes such facts (``triage.rulesets.unknowns``) unless a
  rule tests the fact both ways, or assuming it would leave the rule needing
  nothing known: then the rule must say what it does (``on_unknown: {assume:
  [...]}`` or ``{ask: [...], reason: ...}``).
* ``no-date-unknown-path`` (warning): a need with a time limit the person must
  act by, counted from a date the rule needs known, and no rule raising the
  same issue while that date is unknown: a refusal whose letter is lost would
  show no need at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from triage.audit.lint_finding import Finding
from triage.facts.catalog import FACTS
from triage.rulesets.conditions import compared_facts, exception_facts, facts_of
from triage.rulesets.model import DeadlineDef, OnUnknown, Rule
from triage.rulesets.unknowns import assumed_facts, tested_unknown


def check_unknowns(rules: Iterable[Rule], deadlines: Mapping[str, Sequence[DeadlineDef]]) -> list[Finding]:
    rules = list(rules)
    out: list[Finding] = []
    for r in rules:
        if r.then.kind not in ("need", "escalate") or r.on_unknown == "fire":
            continue
        compared = compared_facts(r.condition)
        candidates = (set(exception_facts(r.condition)) | {p for p in compared if FACTS[p].may_not_know}) & compared
        # A fact tested both as evidence and as an exception is ambiguous: count it too.
        negative = compared_facts(r.condition, "exception")
        candidates |= negative & {p for p in compared if p not in exception_facts(r.condition)}
        chosen = set(r.on_unknown.ask) | set(r.on_unknown.assume) if isinstance(r.on_unknown, OnUnknown) else set()
        for path in sorted(candidates - assumed_facts(r) - chosen):
            out.append(Finding(
                r.file, r.line, r.id, "warning", "unknown-hides-need",
                f"while {path} is unknown this rule cannot fire, though it is "
                + ("a detail the person may not know" if FACTS[path].may_not_know else "an exception to the need")
                + ": say what the rule does with it (on_unknown: assume or ask, with a reason)",
            ))  # fmt: skip
    out += _date_unknown_paths(rules, deadlines)
    return out


def _date_unknown_paths(rules: list[Rule], deadlines: Mapping[str, Sequence[DeadlineDef]]) -> list[Finding]:
    """Each act-by time limit counted from a date has a path for when that date is unknown.

    Another rule raising the same issue covers it when it tests that date as
    unknown, or shares a fact the rule tests and does not need the date (it
    does not read it, or assumes it).
    """
    by_issue: dict[str, list[Rule]] = {}
    for r in rules:
        if r.then.need is not None:
            by_issue.setdefault(r.then.need.issue, []).append(r)
    out: list[Finding] = []
    for r in rules:
        need = r.then.need
        if need is None:
            continue
        mine = compared_facts(r.condition)
        for ref in need.deadlines:
            versions = deadlines.get(ref.use, ())
            if not versions or versions[0].kind != "act_by":
                continue  # an event (a hearing, an eviction) is the date itself, not a limit to act by
            date_fact = ref.from_fact
            if not _needs_known(r, date_fact):
                continue
            if any(
                other is not r
                and not _needs_known(other, date_fact)
                and (
                    date_fact in tested_unknown(other.condition)
                    or (mine - {date_fact}) & compared_facts(other.condition)
                )
                for other in by_issue[need.issue]
            ):
                continue
            out.append(Finding(
                r.file, r.line, r.id, "warning", "no-date-unknown-path",
                f"{need.issue}: no rule raises this need while {date_fact} is unknown, so a lost "
                f"letter hides the need and its time limit ({ref.use}): add a rule testing "
                f"{{fact: {date_fact}, unknown: true}}",
            ))  # fmt: skip
    return out


def _needs_known(r: Rule, path: str) -> bool:
    """Whether the rule can only fire with ``path`` known, and does not say why (``on_unknown.ask``:
    the date is the only evidence that the decision was made, so the question is asked)."""
    read = {f.path for f in facts_of(r.condition)}
    asked = set(r.on_unknown.ask) if isinstance(r.on_unknown, OnUnknown) else set()
    return path in read and path not in tested_unknown(r.condition) and path not in assumed_facts(r) | asked
