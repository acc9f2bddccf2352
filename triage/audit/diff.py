"""``triage rules diff OLD NEW --cases DIR``: what a new rule set changes, case by case.

Each case is assessed under both rule sets on the same ``as_of`` day and the
outcomes compared: needs found or no longer found, tier, urgency, late
marking, legal aid scope, and each deadline (by deadline id and the date fact
it runs from: its date and status). Reasons, questions and letters are not
compared: they explain an outcome rather than make it. The rules that fired
differently are listed beside each changed case, to say why.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from triage.audit.corpus import CaseRecord, CorpusError
from triage.engine.assessment import Assessment
from triage.engine.batch import map_ordered
from triage.facts import CaseFacts, FactsError, parse_facts
from triage.rulesets.model import URGENCY_ORDER


@dataclass(frozen=True)
class Change:
    kind: str  # need_added, need_removed, tier, urgency, late, legal_aid, deadline_added, deadline_removed, deadline
    issue: str
    old: Any = None
    new: Any = None
    detail: str = ""

    def __str__(self) -> str:
        if self.kind == "need_added":
            return f"+ {self.issue} (tier {self.new[0]}, {self.new[1]})"
        if self.kind == "need_removed":
            return f"- {self.issue} (was tier {self.old[0]}, {self.old[1]})"
        what = f" {self.detail}" if self.detail else ""
        return f"~ {self.issue}: {self.kind}{what} {self.old} -> {self.new}"


@dataclass(frozen=True)
class CaseDiff:
    ref: str
    as_of: date
    changes: tuple[Change, ...]
    rules_only_old: tuple[str, ...] = ()
    rules_only_new: tuple[str, ...] = ()


@dataclass
class DiffReport:
    old: str
    new: str
    cases: int
    changed: list[CaseDiff] = field(default_factory=list)

    def summary(self) -> dict[str, Counter[str]]:
        """Change kind -> issue -> number of cases."""
        out: dict[str, Counter[str]] = {}
        for cd in self.changed:
            for ch in cd.changes:
                kind = ch.kind
                if kind in ("tier", "urgency"):
                    up = (ch.new > ch.old) if kind == "tier" else URGENCY_ORDER[ch.new] > URGENCY_ORDER[ch.old]
                    kind = f"{kind}_{'up' if up else 'down'}"
                out.setdefault(kind, Counter())[ch.issue] += 1
        return out

    def to_json(self) -> str:
        return json.dumps(
            {"old": self.old, "new": self.new, "cases": self.cases, "changed_cases": len(self.changed),
             "summary": {k: dict(v) for k, v in sorted(self.summary().items())},
             "changed": [asdict(c) for c in self.changed]},
            indent=2, default=str,
        )  # fmt: skip


def _need_map(a: Assessment) -> dict[str, Any]:
    return {
        n.issue: (n.tier, n.urgency, n.late, n.legal_aid,
                  {(d.deadline_id, d.from_fact): (d.date, d.status) for d in n.deadlines})
        for n in a.needs
    }  # fmt: skip


def compare(old: Assessment, new: Assessment) -> tuple[Change, ...]:
    """The outcome changes from ``old`` to ``new`` (empty when they decide the same)."""
    a, b = _need_map(old), _need_map(new)
    if a == b:
        return ()
    out: list[Change] = []
    for issue in sorted(a.keys() | b.keys()):
        x, y = a.get(issue), b.get(issue)
        if x == y:
            continue
        if x is None:
            out.append(Change("need_added", issue, None, (y[0], y[1])))  # type: ignore[index]
            continue
        if y is None:
            out.append(Change("need_removed", issue, (x[0], x[1]), None))
            continue
        for i, kind in enumerate(("tier", "urgency", "late", "legal_aid")):
            if x[i] != y[i]:
                out.append(Change(kind, issue, x[i], y[i]))
        dx, dy = x[4], y[4]
        for key in sorted(dx.keys() | dy.keys()):
            label = f"{key[0]} from {key[1]}"
            if key not in dy:
                out.append(Change("deadline_removed", issue, _dl(dx[key]), None, label))
            elif key not in dx:
                out.append(Change("deadline_added", issue, None, _dl(dy[key]), label))
            elif dx[key] != dy[key]:
                out.append(Change("deadline", issue, _dl(dx[key]), _dl(dy[key]), label))
    return tuple(out)


def _dl(value: tuple[date, str]) -> str:
    return f"{value[0].isoformat()} ({value[1]})"


# ---------------------------------------------------------------- running over a corpus

_ENGINES: tuple[Any, Any] | None = None


def prepare(records: Sequence[CaseRecord], as_of: date | None) -> list[tuple[str, date, CaseFacts]]:
    """Validate every case once (both rule sets read the same facts)."""
    out = []
    for rec in records:
        day = as_of or rec.as_of
        if day is None:
            raise CorpusError(f"{rec.where}: case {rec.ref} has no as_of; give --as-of")
        try:
            facts = parse_facts(rec.facts, rec.where)
        except FactsError as exc:
            raise CorpusError(str(exc)) from None
        out.append((rec.ref, day, facts))
    return out


def _diff_one(job: tuple[str, date, CaseFacts]) -> CaseDiff | None:
    assert _ENGINES is not None
    old_engine, new_engine = _ENGINES
    ref, day, facts = job
    a = old_engine.assess(facts, day)
    b = new_engine.assess(facts, day)
    changes = compare(a, b)
    if not changes:
        return None
    fa, fb = set(a.rules_fired), set(b.rules_fired)
    return CaseDiff(ref, day, changes, tuple(sorted(fa - fb)), tuple(sorted(fb - fa)))


def _assess_both(job: tuple[str, date, CaseFacts]) -> int:
    """The baseline the diff is measured against: both assessments, no comparison."""
    assert _ENGINES is not None
    _, day, facts = job
    _ENGINES[0].assess(facts, day)
    _ENGINES[1].assess(facts, day)
    return 1


def iter_diff(old_engine: Any, new_engine: Any, jobs: Sequence[tuple[str, date, CaseFacts]],
              processes: int | None = None) -> Iterator[CaseDiff | None]:  # fmt: skip
    global _ENGINES
    _ENGINES = (old_engine, new_engine)
    try:
        yield from map_ordered(_diff_one, jobs, processes)
    finally:
        _ENGINES = None


def assess_both(old_engine: Any, new_engine: Any, jobs: Sequence[tuple[str, date, CaseFacts]],
                processes: int | None = None) -> int:  # fmt: skip
    """Assess every case under both rule sets and discard the results (benchmark baseline)."""
    global _ENGINES
    _ENGINES = (old_engine, new_engine)
    try:
        return sum(map_ordered(_assess_both, jobs, processes))
    finally:
        _ENGINES = None


def diff(old_engine: Any, new_engine: Any, records: Sequence[CaseRecord], as_of: date | None = None,
         processes: int | None = None) -> DiffReport:  # fmt: skip
    """Assess every case under both engines and report the cases whose outcome changed."""
    jobs = prepare(records, as_of)
    label = f"{old_engine.ruleset.name} {old_engine.ruleset.version} ({old_engine.ruleset.hash[:12]})"
    report = DiffReport(label, f"{new_engine.ruleset.name} {new_engine.ruleset.version} "
                               f"({new_engine.ruleset.hash[:12]})", len(jobs))  # fmt: skip
    report.changed = [cd for cd in iter_diff(old_engine, new_engine, jobs, processes) if cd is not None]
    return report


def render(report: DiffReport, limit: int | None = 200) -> str:
    """Per-case changes (up to ``limit`` cases) and a summary table."""
    lines = [f"old: {report.old}", f"new: {report.new}", ""]
    shown = report.changed if limit is None else report.changed[:limit]
    for cd in shown:
        lines.append(f"{cd.ref} (as of {cd.as_of}):")
        lines += [f"  {ch}" for ch in cd.changes]
        if cd.rules_only_old or cd.rules_only_new:
            lines.append(f"  because rules fired only in old: {', '.join(cd.rules_only_old) or '-'}; "
                         f"only in new: {', '.join(cd.rules_only_new) or '-'}")  # fmt: skip
    if len(shown) < len(report.changed):
        lines.append(f"... and {len(report.changed) - len(shown)} more changed cases (use --format json for all)")
    summary = report.summary()
    lines += ["", f"{report.cases} cases, {len(report.changed)} changed", ""]
    if summary:
        rows = [(kind, issue, n) for kind, counter in sorted(summary.items()) for issue, n in sorted(counter.items())]
        w1 = max(len("change"), *(len(r[0]) for r in rows))
        w2 = max(len("issue"), *(len(r[1]) for r in rows))
        lines.append(f"{'change':<{w1}}  {'issue':<{w2}}  cases")
        lines.append(f"{'-' * w1}  {'-' * w2}  -----")
        lines += [f"{k:<{w1}}  {i:<{w2}}  {n:>5}" for k, i, n in rows]
    return "\n".join(lines) + "\n"
