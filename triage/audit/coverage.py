"""``triage rules coverage --cases DIR``: how often each rule fires on a corpus, and which never do.

Firing is what the engine (durable-rules) reports for each case on its own
``as_of`` day (or the one given). A rule not in force on any case's day is
listed apart from one that was in force and still never fired: the first
says the corpus's dates miss it, the second that its conditions never occur.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.audit.corpus import CaseRecord
from triage.audit.diff import prepare
from triage.engine.batch import map_ordered
from triage.engine.flatten import flatten
from triage.facts import CaseFacts


@dataclass
class CoverageReport:
    cases: int
    fired: Counter[str]  # rule id -> cases in which it fired
    rules: list[tuple[str, str]]  # (rule id, file:line) in rule-file order, one per id
    in_force_somewhere: set[str]

    @property
    def never_fired(self) -> list[str]:
        return [rid for rid, _ in self.rules if not self.fired.get(rid) and rid in self.in_force_somewhere]

    @property
    def never_in_force(self) -> list[str]:
        return [rid for rid, _ in self.rules if rid not in self.in_force_somewhere]

    def to_json(self) -> str:
        return json.dumps(
            {"cases": self.cases,
             "rules": [{"rule_id": rid, "where": where, "fired": self.fired.get(rid, 0)} for rid, where in self.rules],
             "never_fired": self.never_fired, "never_in_force": self.never_in_force},
            indent=2,
        )  # fmt: skip


_ENGINE: Any = None


def _fired(job: tuple[str, date, CaseFacts]) -> tuple[str, ...]:
    ref, day, facts = job
    return tuple(sorted({c.rule.id for c in _ENGINE.fired_rules(flatten(facts, day), ref)}))


def coverage(engine: Any, records: Sequence[CaseRecord], as_of: date | None = None,
             processes: int | None = None) -> CoverageReport:  # fmt: skip
    global _ENGINE
    jobs = prepare(records, as_of)
    counts: Counter[str] = Counter()
    _ENGINE = engine
    try:
        for ids in map_ordered(_fired, jobs, processes):
            counts.update(ids)
    finally:
        _ENGINE = None
    days = {day for _, day, _ in jobs}
    rules: dict[str, str] = {}
    in_force: set[str] = set()
    for r in engine.ruleset.rules:
        rules.setdefault(r.id, f"{r.file}:{r.line}")
        if any(r.in_force(d) for d in days):
            in_force.add(r.id)
    return CoverageReport(len(jobs), counts, list(rules.items()), in_force)


def render(report: CoverageReport) -> str:
    width = max((len(rid) for rid, _ in report.rules), default=10)
    lines = [f"{'rule':<{width}}  {'cases':>7}  {'share':>6}"]
    for rid, _ in sorted(report.rules, key=lambda x: (-report.fired.get(x[0], 0), x[0])):
        n = report.fired.get(rid, 0)
        share = f"{100 * n / report.cases:.1f}%" if report.cases else "-"
        lines.append(f"{rid:<{width}}  {n:>7}  {share:>6}")
    lines.append("")
    lines.append(f"{report.cases} cases; {len(report.rules)} rules; {len(report.never_fired)} never fired; "
                 f"{len(report.never_in_force)} not in force on any case's day")  # fmt: skip
    where = dict(report.rules)
    for rid in report.never_fired:
        lines.append(f"never fired: {rid} ({where[rid]})")
    for rid in report.never_in_force:
        lines.append(f"not in force on any case's day: {rid} ({where[rid]})")
    return "\n".join(lines) + "\n"
