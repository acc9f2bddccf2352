"""``triage rules explain``: which rules fired for a case, on which facts, and the near misses.

A *near miss* is a rule in force on ``as_of`` that did not fire, where exactly
one leaf test of its condition (in the closest branch of an ``any``) is not
True and at least one other leaf about something known holds (an "is unknown"
test alone does not count): one answer away from firing. Rules none of whose
tests hold are not near misses, however short their condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.audit.logic import effective, leaf_true, leaves
from triage.engine.assessment import Assessment
from triage.engine.flatten import fact_value, flatten
from triage.facts import CaseFacts
from triage.rulesets.conditions import Cmp, Known, describe, failing_leaves
from triage.rulesets.model import Rule


@dataclass(frozen=True)
class FiredRule:
    rule_id: str
    title: str
    where: str
    finding: str
    facts: dict[str, Any]
    fired_on_unknown: list[str]


@dataclass(frozen=True)
class NearMiss:
    rule_id: str
    title: str
    where: str
    finding: str
    failed: str  # the leaf test, in plain words
    fact: str
    value: Any  # the fact's value on this case, or "unknown"


@dataclass(frozen=True)
class Explanation:
    case_ref: str | None
    as_of: date
    ruleset: str
    fired: list[FiredRule]
    near_misses: list[NearMiss]
    assessment: Assessment

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_ref": self.case_ref,
            "as_of": self.as_of.isoformat(),
            "ruleset": self.ruleset,
            "fired": [f.__dict__ for f in self.fired],
            "near_misses": [m.__dict__ for m in self.near_misses],
            "needs": [{"issue": n.issue, "tier": n.tier, "urgency": n.urgency}
                      for n in self.assessment.needs],
        }  # fmt: skip


def finding_text(rule: Rule) -> str:
    """A rule's finding in a few words (``need housing.x tier 2 urgent``)."""
    t = rule.then
    if t.need:
        return f"need {t.need.issue} tier {t.need.tier} {t.need.urgency}"
    if t.escalate:
        a = t.escalate.applies_to
        scope = "all needs" if a.all else ", ".join([*a.areas, *a.issues])
        parts = [f"tier {t.escalate.tier}" if t.escalate.tier else "",
                 t.escalate.urgency or "", "legal aid" if t.escalate.legal_aid else ""]  # fmt: skip
        return f"escalate {scope}: {' '.join(p for p in parts if p)}"
    if t.letter:
        return f"letter {t.letter.kind} for {t.letter.issue}" + (f" ({t.letter.purpose})" if t.letter.purpose else "")
    return "contradiction"


def explain(engine: Any, facts: CaseFacts, as_of: date) -> Explanation:
    """Trace one case through ``engine`` (a :class:`triage.engine.engine.Engine`)."""
    flat = flatten(facts, as_of)
    fired = engine.fired_rules(flat, facts.case_ref)
    assessment = engine.assess(facts, as_of)
    fired_ids = {c.rule.id for c in fired}
    out_fired = []
    for c in fired:
        used = {f.path: fact_value(facts, f.path) for f in c.facts}
        out_fired.append(FiredRule(
            rule_id=c.rule.id, title=c.rule.title, where=f"{c.rule.file}:{c.rule.line}",
            finding=finding_text(c.rule), facts=used,
            fired_on_unknown=[p for p, v in used.items() if v == "unknown"] if c.rule.on_unknown == "fire" else [],
        ))  # fmt: skip
    misses = []
    for c in engine.compiled.rules:
        rule = c.rule
        if rule.id in fired_ids or not c.in_force(flat["__as_of"]):
            continue
        cond = effective(rule)
        failing = failing_leaves(cond, flat)
        if len(failing) != 1:
            continue
        # Something the case says must hold: "x is unknown" alone does not count.
        if not any(leaf_true(leaf, flat) for leaf in leaves(cond) if not (isinstance(leaf, Known) and not leaf.known)):
            continue
        leaf = failing[0]
        assert isinstance(leaf, (Cmp, Known))  # failing_leaves returns leaf tests only
        misses.append(NearMiss(
            rule_id=rule.id, title=rule.title, where=f"{rule.file}:{rule.line}",
            finding=finding_text(rule), failed=describe(leaf), fact=leaf.fact.path,
            value=fact_value(facts, leaf.fact.path),
        ))  # fmt: skip
    return Explanation(facts.case_ref, as_of, f"{engine.ruleset.name} {engine.ruleset.version}",
                       out_fired, misses, assessment)  # fmt: skip


def render(ex: Explanation) -> str:
    """Plain-text trace for the terminal."""
    lines = [f"Case {ex.case_ref or '(no reference)'} as of {ex.as_of}, rule set {ex.ruleset}", ""]
    lines.append(f"Rules that fired ({len(ex.fired)}):")
    for f in ex.fired:
        lines.append(f"  {f.rule_id}  [{f.finding}]  {f.where}")
        lines.append(f"    {f.title}")
        for path, value in f.facts.items():
            lines.append(f"      {path} = {value}")
        if f.fired_on_unknown:
            lines.append(f"    fired although unknown (safety first): {', '.join(f.fired_on_unknown)}")
    if not ex.fired:
        lines.append("  (none)")
    lines += ["", f"Near misses: one answer away from firing ({len(ex.near_misses)}):"]
    for m in ex.near_misses:
        lines.append(f"  {m.rule_id}  [{m.finding}]  {m.where}")
        lines.append(f"    failed on: {m.failed}  (here {m.fact} = {m.value})")
    if not ex.near_misses:
        lines.append("  (none)")
    lines += ["", "Result:"]
    for n in ex.assessment.needs:
        lines.append(
            f"  {n.issue}: tier {n.tier}, {n.urgency}"
            + "".join(f"; {d.deadline_id} {d.date} ({d.status})" for d in n.deadlines)
        )
    if not ex.assessment.needs:
        lines.append("  no legal needs found")
    return "\n".join(lines) + "\n"
