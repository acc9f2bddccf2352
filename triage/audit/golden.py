"""Golden cases: facts and the needs an auditor expects, kept beside each rule set.

A golden file (``rules/<set>/tests/*.yaml``) holds ``cases:``, each::

    id: pip-refused-20-days-ago
    description: Plain words on what the case shows.
    as_of: 2026-11-23
    facts: {...}                       # CaseFacts
    expect:
      needs:                           # exactly these issues, no others
        - issue: benefits.pip
          tier: 2
          urgency: urgent
          late: false                  # optional
          legal_aid: true              # optional: in legal aid scope or not
          to_confirm: [benefits.mr_requested]  # optional: exactly these facts to confirm
          deadlines:                   # optional: exactly these (id, date[, status][, late_limit])
            - {id: mandatory_reconsideration, date: 2026-12-03}
      letters:                         # optional: exactly these non-referral letters
        - {kind: medical_evidence, purpose: pip, issue: benefits.pip}
        - {kind: duty_to_refer, issue: housing.homelessness, to_confirm: [person.consent_to_notify_housing]}
      contradictions: [rule.id]        # optional: exactly these
      fired: [rule.id, ...]            # optional: these rules at least fire

Run by pytest and by ``triage rules test``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from triage.engine.assessment import Assessment
from triage.facts import FactsError, parse_facts
from triage.rulesets.model import Tier, Urgency
from triage.rulesets.yaml_lines import line_at, load_yaml


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectDeadline(_S):
    id: str
    date: date
    status: str | None = None
    late_limit: _dt.date | None = None  # the late route's own limit, where the case states one


class ExpectNeed(_S):
    issue: str
    tier: Tier
    urgency: Urgency
    late: bool | None = None
    legal_aid: bool | None = None
    to_confirm: list[str] | None = None
    deadlines: list[ExpectDeadline] | None = None


class ExpectLetter(_S):
    kind: str
    issue: str
    purpose: str | None = None
    to_confirm: list[str] | None = None  # optional: exactly these facts it waits for


class Expect(_S):
    needs: list[ExpectNeed]
    letters: list[ExpectLetter] | None = None
    contradictions: list[str] | None = None
    fired: list[str] | None = None


class GoldenCase(_S):
    id: str
    description: str
    as_of: date
    facts: dict[str, Any]
    expect: Expect
    file: str = ""
    line: int = 0


class GoldenError(ValueError):
    pass


def load_golden(ruleset_root: Path) -> list[GoldenCase]:
    """Every golden case beside a rule set, validated (facts included)."""
    cases: list[GoldenCase] = []
    seen: dict[str, str] = {}
    for path in sorted((ruleset_root / "tests").glob("*.yaml")):
        data = load_yaml(path)
        rel = f"{ruleset_root.name}/tests/{path.name}"
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            raise GoldenError(f"{rel}: expected a mapping with a list under `cases`")
        for raw in data["cases"]:
            line = getattr(raw, "line", 0)
            try:
                case = GoldenCase.model_validate({**raw, "file": rel, "line": line})
                parse_facts(case.facts, f"{rel}:{line}: case {case.id}")
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(map(str, err["loc"]))
                raise GoldenError(
                    f"{rel}:{line_at(raw, tuple(err['loc'])) or line}: case {raw.get('id')}: {where}: {err['msg']}"
                ) from None
            except FactsError as exc:
                raise GoldenError(str(exc)) from None
            if case.id in seen:
                raise GoldenError(f"{rel}:{line}: case id {case.id} also in {seen[case.id]}")
            seen[case.id] = rel
            cases.append(case)
    return cases


@dataclass(frozen=True)
class Mismatch:
    case: GoldenCase
    problems: list[str]

    def __str__(self) -> str:
        return f"{self.case.file}:{self.case.line}: case {self.case.id}:\n  " + "\n  ".join(self.problems)


def compare(case: GoldenCase, got: Assessment) -> list[str]:
    """What differs between the expectation and the assessment (empty when it matches)."""
    problems: list[str] = []
    exp = case.expect
    got_needs = {n.issue: n for n in got.needs}
    want = {n.issue for n in exp.needs}
    for extra in sorted(set(got_needs) - want):
        n = got_needs[extra]
        problems.append(f"unexpected need {extra} (tier {n.tier}, {n.urgency})")
    for need in exp.needs:
        g = got_needs.get(need.issue)
        if g is None:
            problems.append(f"missing need {need.issue}")
            continue
        if g.tier != need.tier:
            problems.append(f"{need.issue}: tier {g.tier}, expected {need.tier}")
        if g.urgency != need.urgency:
            problems.append(f"{need.issue}: urgency {g.urgency}, expected {need.urgency}")
        if need.late is not None and g.late != need.late:
            problems.append(f"{need.issue}: late {g.late}, expected {need.late}")
        if need.legal_aid is not None and (g.legal_aid is not None) != need.legal_aid:
            problems.append(f"{need.issue}: legal aid {g.legal_aid!r}, expected {need.legal_aid}")
        if need.to_confirm is not None and g.to_confirm != sorted(need.to_confirm):
            problems.append(f"{need.issue}: to confirm {g.to_confirm}, expected {sorted(need.to_confirm)}")
        if need.deadlines is not None:
            got_dl = sorted((d.deadline_id, d.date.isoformat(), d.status) for d in g.deadlines)
            want_dl = sorted((d.id, d.date.isoformat(), d.status) for d in need.deadlines)
            got_cmp = [(i, dt, st if any(w[2] for w in want_dl if w[0] == i) else None) for i, dt, st in got_dl]
            want_cmp = [(i, dt, st) for i, dt, st in want_dl]
            if got_cmp != want_cmp:
                problems.append(f"{need.issue}: deadlines {got_dl}, expected {want_dl}")
            for d in need.deadlines:
                limits = [x.late_limit for x in g.deadlines if x.deadline_id == d.id and x.date == d.date]
                if d.late_limit is not None and limits != [d.late_limit]:
                    shown = [x.isoformat() if x else None for x in limits]
                    problems.append(f"{need.issue}: {d.id} late limit {shown}, expected {d.late_limit}")
    if exp.letters is not None:
        got_l = sorted((x.kind, x.issue, x.purpose or "") for x in got.letters if x.kind != "referral")
        want_l = sorted((x.kind, x.issue, x.purpose or "") for x in exp.letters)
        if got_l != want_l:
            problems.append(f"letters {got_l}, expected {want_l}")
        for x in exp.letters:
            g_x = next((y for y in got.letters if (y.kind, y.issue, y.purpose) == (x.kind, x.issue, x.purpose)), None)
            if g_x is not None and x.to_confirm is not None and g_x.to_confirm != sorted(x.to_confirm):
                problems.append(f"letter {x.kind}: to confirm {g_x.to_confirm}, expected {sorted(x.to_confirm)}")
    if exp.contradictions is not None:
        got_c = sorted(c.rule_id for c in got.contradictions)
        if got_c != sorted(exp.contradictions):
            problems.append(f"contradictions {got_c}, expected {sorted(exp.contradictions)}")
    for rid in exp.fired or []:
        if rid not in got.rules_fired:
            problems.append(f"rule {rid} did not fire")
    return problems


def signature(a: Assessment) -> tuple[Any, ...]:
    """What an assessment decides (needs, tiers, urgency, deadlines, letters, contradictions)."""
    return (
        tuple(
            (
                n.issue,
                n.tier,
                n.urgency,
                n.late,
                n.legal_aid,
                tuple((d.deadline_id, d.date, d.status) for d in n.deadlines),
            )
            for n in a.needs
        ),
        tuple((x.kind, x.issue, x.purpose, tuple(x.to_confirm)) for x in a.letters),
        tuple(c.rule_id for c in a.contradictions),
    )


@dataclass
class GoldenReport:
    """Results of running every golden case: mismatches and rule coverage."""

    cases: int
    mismatches: list[Mismatch]
    fired: dict[str, int]  # rule id -> cases in which it fired
    decisive: dict[str, int]  # rule id -> cases whose result changes without it
    rule_ids: list[str]

    @property
    def never_fired(self) -> list[str]:
        return [r for r in self.rule_ids if not self.fired.get(r)]

    @property
    def never_decisive(self) -> list[str]:
        return [r for r in self.rule_ids if not self.decisive.get(r)]

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.never_fired or self.never_decisive)


def run_golden(engine: Any, cases: list[GoldenCase] | None = None) -> GoldenReport:
    """Assess every golden case; check expectations, and that every rule fires and matters.

    A rule is *decisive* in a case when leaving it out of the rules that
    fired changes what the assessment decides.
    """
    from triage.engine.findings import build
    from triage.engine.flatten import flatten

    cases = load_golden(engine.ruleset.root) if cases is None else cases
    mismatches: list[Mismatch] = []
    fired_count: dict[str, int] = {}
    decisive: dict[str, int] = {}
    for case in cases:
        facts = parse_facts(case.facts)
        flat = flatten(facts, case.as_of)
        fired = engine.fired_rules(flat, case.id)
        got = build(engine.findings, fired, facts, flat, case.as_of)
        problems = compare(case, got)
        if problems:
            mismatches.append(Mismatch(case, problems))
        base = signature(got)
        for rule in fired:
            fired_count[rule.rule.id] = fired_count.get(rule.rule.id, 0) + 1
            without = [r for r in fired if r is not rule]
            if signature(build(engine.findings, without, facts, flat, case.as_of)) != base:
                decisive[rule.rule.id] = decisive.get(rule.rule.id, 0) + 1
    rule_ids = sorted({r.id for r in engine.ruleset.rules})
    return GoldenReport(len(cases), mismatches, fired_count, decisive, rule_ids)


def main(argv: list[str] | None = None) -> int:
    """``python -m triage.audit.golden [RULESET_DIR]``: run the golden cases, print a report."""
    import sys

    from triage.engine.engine import Engine

    args = sys.argv[1:] if argv is None else argv
    engine = Engine.default(args[0] if args else None)
    report = run_golden(engine)
    for m in report.mismatches:
        print(m)
    for rid in report.never_fired:
        print(f"rule {rid}: fires in no golden case")
    for rid in report.never_decisive:
        if rid not in report.never_fired:
            print(f"rule {rid}: decisive in no golden case (removing it changes nothing)")
    print(
        f"{report.cases} cases, {len(report.mismatches)} mismatched; "
        f"{len(report.rule_ids)} rules, {len(report.never_fired)} never fired, "
        f"{len(report.never_decisive)} never decisive"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
