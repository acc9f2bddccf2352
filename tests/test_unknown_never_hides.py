"""Property: setting any single known fact of a golden case to unknown never removes a need or
lowers its urgency, unless a rule says why.

A rule "says why" when the fact is evidence of the problem itself (a positive test of a fact the
catalogue says a person can tell: the question is then asked, never assumed), when the rule that
now raises the need tests the fact as unknown on purpose (a date-unknown path, with its own
urgency and explanation), or when the rule names the fact under ``on_unknown.ask`` with a reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from triage.audit.golden import load_golden
from triage.engine.engine import Engine
from triage.facts.catalog import FACTS
from triage.rulesets.conditions import compared_facts, exception_facts
from triage.rulesets.model import URGENCY_ORDER, OnUnknown, Rule
from triage.rulesets.unknowns import tested_unknown as _tested_unknown


def _anchors(rule: Rule, events: set[str]) -> set[str]:
    """Facts that are evidence of the problem: tested positively, not exceptions, not "may not know";
    and the date of an event the need is dated by (a hearing listed, an exclusion: the date is the
    evidence that it happened or will)."""
    evidence = compared_facts(rule.condition, "evidence") - exception_facts(rule.condition)
    anchors = {p for p in evidence if not FACTS[p].may_not_know}
    if rule.then.need is not None:
        anchors |= {d.from_fact for d in rule.then.need.deadlines if d.use in events}
    if isinstance(rule.on_unknown, OnUnknown):
        anchors |= set(rule.on_unknown.ask)
    return anchors


# Known violations still to fix (issue 16), one per line; the test fails on any new one and on
# any listed one that no longer happens, so the list only shrinks.
_KNOWN = Path(__file__).with_name("unknown_never_hides_known.txt")


def _leaves(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s, k) for s, sec in facts.items() if isinstance(sec, dict) for k in sec if k != "concern"]


def test_one_unknown_fact_never_hides_a_need(engine: Engine) -> None:
    rules = {r.id: r for r in engine.ruleset.rules}
    events = {i for i, versions in engine.ruleset.deadlines.items() if versions[0].kind == "event"}
    cases = load_golden(engine.ruleset.root)
    problems: list[str] = []
    checked = 0
    for case in cases:
        before = engine.assess(case.facts, case.as_of)
        for section, name in _leaves(case.facts):
            path = f"{section}.{name}"
            if path not in FACTS:
                continue
            facts = {s: (dict(v) if isinstance(v, dict) else v) for s, v in case.facts.items()}
            del facts[section][name]
            after = engine.assess(facts, case.as_of)
            now = {n.issue: n for n in after.needs}
            folded = {r.text for n in after.needs for r in n.reasons if r.id == "policy.alternatives"}
            for need in before.needs:
                why = {r.id for r in need.reasons if r.id in rules}
                if any(path in _anchors(rules[rid], events) for rid in why):
                    continue  # evidence of the problem itself: asked, never assumed
                got = now.get(need.issue)
                if got is None and any(need.issue_label in t for t in folded):
                    continue  # folded into the worst plausible alternative, which names it
                if got is not None and URGENCY_ORDER[got.urgency] >= URGENCY_ORDER[need.urgency]:
                    checked += 1
                    continue
                if got is not None and any(
                    path in _tested_unknown(rules[r.id].condition) for r in got.reasons if r.id in rules
                ):
                    continue  # a rule for exactly this unknown says what it means
                problems.append(
                    f"{case.id}: without {path}, {need.issue} "
                    + ("disappears" if got is None else f"drops from {need.urgency} to {got.urgency}")
                )
    assert checked > 500
    known = set(_KNOWN.read_text().splitlines()) if _KNOWN.exists() else set()
    new = sorted(set(problems) - known)
    fixed = sorted(known - set(problems))
    assert not new, "a missing answer now hides a need:\n" + "\n".join(new)
    assert not fixed, f"fixed: remove from {_KNOWN.name}:\n" + "\n".join(fixed)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()
