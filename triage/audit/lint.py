"""``triage rules lint``: static checks of a rule set, each finding with file, line and rule id.

Checks (code: severity):

* ``schema`` (error): everything the loader refuses (``missing-source`` when a
  rule or deadline has no source). Lint keeps going after load errors: each
  rule that validates on its own is still checked below.
* ``unsettable-fact`` (error): a rule tests a fact that neither the API (the
  ``CaseFacts`` model) nor a questionnaire question can set. With a
  questionnaire installed, ``api-only-fact`` (info) lists facts only the API sets.
* ``never-fires`` (error): the condition is contradictory (``x < 3`` and
  ``x > 5``; ``x == a`` and ``x == b``; a list value both required and
  excluded; a fact both known and unknown). ``fires-only-on-unknown``
  (warning): an ``on_unknown: fire`` rule whose condition can never be True,
  so it only fires for lack of an answer.
* ``shadowed`` (warning): rule A is *shadowed* by rule B when (1) B is in force
  on every day A is, (2) every case on which A fires B also fires (A's firing
  condition implies B's, decided exactly; see ``triage.audit.logic``), and
  (3) B's finding contains A's: for needs the same issue, a tier and urgency at
  least A's, and A's deadlines among B's; for escalations B applies to every
  need A does with at least A's tier, urgency and legal aid basis; for letters
  the same letter. Then A never changes any assessment; it only adds a reason.
  When A and B fire on exactly the same cases and have the same finding, the
  later one in file order is reported (``duplicate``).
* ``conflicting-findings`` (warning): two need rules for the same issue that
  fire on exactly the same cases but give different tiers or urgencies (the
  engine takes the higher, so one of them is wrong or redundant).
* ``practice-only-source`` (error for needs, info otherwise): a rule resting
  only on practice, not law or official guidance; ``placeholder-source``
  (error): a source address on example.com, localhost or similar.
* ``date-overlap`` (error) / ``date-gap`` (warning): versions of the same rule
  id (its lineage: one id, successive date ranges) or deadline id in force at
  the same time, or with days between them when none is.
* ``no-tier1-resources`` (warning; error when a rule can put the issue at
  tier 1): an issue in the taxonomy with no self-help resource.
* ``unused-deadline`` (info): a deadline parameter no rule uses.
* ``unknown-hides-need`` (warning) and ``no-date-unknown-path`` (warning): see
  ``triage.audit.lint_unknowns``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from triage.audit.lint_data import check_dates, check_resources, check_sources, check_unused_deadlines, rel_path
from triage.audit.lint_finding import SEVERITY_ORDER, Finding, Severity
from triage.audit.lint_unknowns import check_unknowns
from triage.audit.logic import TooComplex, dnf, effective, not_true, satisfiable, terms_imply
from triage.facts.catalog import FACTS
from triage.paths import default_ruleset_dir
from triage.rulesets.conditions import facts_of
from triage.rulesets.loader import RuleSet, RuleSetError, load_ruleset
from triage.rulesets.model import URGENCY_ORDER, DeadlineDef, Rule
from triage.rulesets.yaml_lines import YamlFileError, load_yaml


@dataclass
class LintReport:
    findings: list[Finding]
    notes: list[str]
    rules_checked: int

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failed(self, strict: bool = False) -> bool:
        """True when CI should fail: any error, or any warning when ``strict``."""
        return bool(self.count("error") or (strict and self.count("warning")))

    def to_json(self) -> str:
        return json.dumps(
            {"findings": [asdict(f) for f in self.findings], "notes": self.notes,
             "rules_checked": self.rules_checked},
            indent=2,
        )  # fmt: skip


# ---------------------------------------------------------------- loading, tolerantly


def _rules_one_by_one(root: Path) -> list[Rule]:
    """Every rule that validates on its own, even when the rule set as a whole does not."""
    out: list[Rule] = []
    for path in sorted((root / "rules").glob("*.yaml")):
        rel = rel_path(path, root)
        try:
            data = load_yaml(path, rel)
        except YamlFileError:
            continue
        raws = data.get("rules") if isinstance(data, dict) else None
        for raw in raws if isinstance(raws, list) else []:
            if not isinstance(raw, dict):
                continue
            try:
                out.append(Rule.model_validate({**raw, "file": rel, "line": getattr(raw, "line", 0)}))
            except ValidationError:
                continue  # already reported by the loader
    return out


def _deadlines_one_by_one(root: Path) -> list[DeadlineDef]:
    out: list[DeadlineDef] = []
    for path in sorted((root / "deadlines").glob("*.yaml")):
        rel = rel_path(path, root)
        try:
            data = load_yaml(path, rel)
        except YamlFileError:
            continue
        raws = data.get("deadlines") if isinstance(data, dict) else None
        for raw in raws if isinstance(raws, list) else []:
            if not isinstance(raw, dict):
                continue
            try:
                out.append(DeadlineDef.model_validate({**raw, "file": rel, "line": getattr(raw, "line", 0)}))
            except ValidationError:
                continue
    return out


_OVERLAP_MSG = "in force at the same time as line"


def _schema_findings(exc: RuleSetError) -> list[Finding]:
    out = []
    for p in exc.problems:
        if p.message.startswith(_OVERLAP_MSG):
            continue  # reported with more detail by the date-lineage check
        code = "missing-source" if p.message.split(":", 1)[0].strip().startswith("source") else "schema"
        out.append(Finding(p.file, p.line, p.rule_id, "error", code, p.message))
    return out


# ---------------------------------------------------------------- who sets each fact


def questionnaire_facts(rules_root: Path) -> set[str] | None:
    """Facts the questionnaire in ``rules_root/questionnaire`` can set, or ``None`` if none is installed.

    Reads every question in the questionnaire's YAML files with the
    questionnaire's own :class:`Question` model, so it depends only on the
    question format, not on how sections are assembled.
    """
    folder = rules_root / "questionnaire"
    if not folder.is_dir():
        return None
    try:
        from triage.questionnaire.model import Question
    except ImportError:
        return None
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            questions = node.get("questions")
            if isinstance(questions, list):
                for q in questions:
                    try:
                        found.update(Question.model_validate(q).fact_paths)
                    except ValidationError:
                        continue
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    files = sorted(folder.rglob("*.yaml"))
    for path in files:
        try:
            walk(load_yaml(path))
        except YamlFileError:
            continue
    return found if files else None


def api_facts() -> set[str]:
    """Facts the JSON API can set: every field of ``CaseFacts`` (the API's ``facts`` body)."""
    return set(FACTS)


# ---------------------------------------------------------------- the checks


def check_facts(rules: Iterable[Rule], questionnaire: set[str] | None, api: set[str]) -> list[Finding]:
    out = []
    for r in rules:
        for spec in facts_of(r.condition):
            if spec.path not in api and (questionnaire is None or spec.path not in questionnaire):
                out.append(
                    Finding(
                        r.file,
                        r.line,
                        r.id,
                        "error",
                        "unsettable-fact",
                        f"tests {spec.path}, which no question and no API field sets",
                    )
                )
            elif questionnaire is not None and spec.path not in questionnaire:
                out.append(
                    Finding(
                        r.file,
                        r.line,
                        r.id,
                        "info",
                        "api-only-fact",
                        f"tests {spec.path}, which no questionnaire question sets (API only)",
                    )
                )
    return out


def check_never_fires(rules: Iterable[Rule]) -> list[Finding]:
    out = []
    for r in rules:
        sat = satisfiable(effective(r))
        if sat is False:
            out.append(
                Finding(
                    r.file, r.line, r.id, "error", "never-fires", "condition is contradictory: no case can make it true"
                )
            )
        elif sat and r.on_unknown == "fire" and satisfiable(r.condition) is False:
            out.append(
                Finding(
                    r.file,
                    r.line,
                    r.id,
                    "warning",
                    "fires-only-on-unknown",
                    "condition is contradictory on known facts: it fires only when a fact is unknown",
                )
            )
    return out


def _covers(b: Rule, a: Rule) -> bool:
    """B is in force on every day A is."""
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    return b.effective_from <= a.effective_from and a_end <= b_end


def _finding_contains(b: Rule, a: Rule) -> bool:
    """B's finding contains A's (see the module docstring)."""
    ta, tb = a.then, b.then
    if ta.need and tb.need:
        na, nb = ta.need, tb.need
        return (
            na.issue == nb.issue
            and nb.tier >= na.tier
            and URGENCY_ORDER[nb.urgency] >= URGENCY_ORDER[na.urgency]
            and {(d.use, d.from_fact) for d in na.deadlines} <= {(d.use, d.from_fact) for d in nb.deadlines}
        )
    if ta.escalate and tb.escalate:
        ea, eb = ta.escalate, tb.escalate
        covers = eb.applies_to.all or (
            not ea.applies_to.all
            and set(ea.applies_to.areas) <= set(eb.applies_to.areas)
            and all(i in eb.applies_to.issues or i.split(".")[0] in eb.applies_to.areas
                    for i in ea.applies_to.issues)
        )  # fmt: skip
        tier_ok = ea.tier is None or (eb.tier is not None and eb.tier >= ea.tier)
        urg_ok = ea.urgency is None or (
            eb.urgency is not None and URGENCY_ORDER[eb.urgency] >= URGENCY_ORDER[ea.urgency]
        )
        aid_ok = ea.legal_aid is None or ea.legal_aid == eb.legal_aid
        return covers and tier_ok and urg_ok and aid_ok
    if ta.letter and tb.letter:
        return ta.letter == tb.letter
    return False


def _target(r: Rule) -> str | None:
    """Rules can only shadow or conflict with rules of the same target."""
    t = r.then
    if t.need:
        return f"need:{t.need.issue}"
    if t.escalate:
        return "escalate"
    if t.letter:
        return f"letter:{t.letter.kind}:{t.letter.issue}:{t.letter.purpose}"
    return None  # contradictions are listed per rule: never redundant


class _Expanded:
    """A rule's firing condition and its negation, expanded once (``None``: too complex)."""

    def __init__(self, rule: Rule) -> None:
        try:
            cond = effective(rule)
            self.terms: list[Any] | None = dnf(cond)
            self.not_terms: list[Any] | None = dnf(not_true(cond))
        except TooComplex:
            self.terms = self.not_terms = None

    def implies(self, other: _Expanded) -> bool:
        if self.terms is None or other.not_terms is None:
            return False  # undecided: never report on a guess
        return terms_imply(self.terms, other.not_terms)


def check_shadowing(rules: list[Rule]) -> list[Finding]:
    out: list[Finding] = []
    groups: dict[str, list[Rule]] = {}
    for r in rules:
        key = _target(r)
        if key is not None:
            groups.setdefault(key, []).append(r)
    order = {id(r): i for i, r in enumerate(rules)}
    for group in groups.values():
        if len(group) < 2:
            continue
        exp = {id(r): _Expanded(r) for r in group}
        reported: set[int] = set()
        for a in group:
            for b in group:
                if a is b or id(a) in reported or not _covers(b, a):
                    continue
                if not exp[id(a)].implies(exp[id(b)]):
                    continue
                same_cases = _covers(a, b) and exp[id(b)].implies(exp[id(a)])
                na, nb = a.then.need, b.then.need
                if same_cases and na and nb and (na.tier, na.urgency) != (nb.tier, nb.urgency):
                    if order[id(a)] > order[id(b)]:
                        reported.add(id(a))
                        out.append(
                            Finding(
                                a.file,
                                a.line,
                                a.id,
                                "warning",
                                "conflicting-findings",
                                f"fires on exactly the same cases as {b.id} ({b.file}:{b.line}) but gives "
                                f"tier {na.tier} {na.urgency}, not tier {nb.tier} {nb.urgency}",
                            )
                        )
                    continue
                if not _finding_contains(b, a):
                    continue
                if same_cases and _finding_contains(a, b):
                    if order[id(a)] < order[id(b)]:
                        continue  # report only the later of two duplicates
                    code, what = "duplicate", "fires on exactly the same cases with the same finding as"
                else:
                    code, what = "shadowed", "never changes an assessment: whenever it fires, so does"
                reported.add(id(a))
                out.append(
                    Finding(
                        a.file,
                        a.line,
                        a.id,
                        "warning",
                        code,
                        f"{what} {b.id} ({b.file}:{b.line}), whose finding contains its own",
                    )
                )
    return out


# ---------------------------------------------------------------- entry point


def lint(root: Path | str | None = None, questionnaire: set[str] | bool | None = True) -> LintReport:
    """Lint the rule set in ``root``. ``questionnaire``: True to look for the installed
    questionnaire, or the set of facts it sets (None: no questionnaire)."""
    root = Path(root) if root is not None else default_ruleset_dir()
    if not (root / "ruleset.yaml").is_file():
        raise FileNotFoundError(f"{root}: no ruleset.yaml: not a rule-set folder")
    findings: list[Finding] = []
    notes: list[str] = []
    ruleset: RuleSet | None = None
    try:
        ruleset = load_ruleset(root)
        rules = list(ruleset.rules)
        deadlines = [d for versions in ruleset.deadlines.values() for d in versions]
    except RuleSetError as exc:
        findings += _schema_findings(exc)
        rules = _rules_one_by_one(root)
        deadlines = _deadlines_one_by_one(root)
        notes.append(f"the rule set does not load; {len(rules)} rules that validate on their own were checked")

    q_facts = questionnaire_facts(root.parent) if questionnaire is True else questionnaire or None
    if q_facts is None:
        notes.append(
            "no questionnaire installed (rules/questionnaire/): facts are checked against the "
            "API's CaseFacts model only"
        )
    findings += check_facts(rules, q_facts, api_facts())
    findings += check_never_fires(rules)
    by_id: dict[str, list[DeadlineDef]] = {}
    for d in deadlines:
        by_id.setdefault(d.id, []).append(d)
    findings += check_unknowns(rules, by_id)
    findings += check_shadowing(rules)
    findings += check_sources(rules, deadlines)
    findings += check_dates(rules, deadlines)
    findings += check_unused_deadlines(rules, deadlines)
    if ruleset is not None:
        findings += check_resources(ruleset)
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.file, f.line, f.code))
    return LintReport(findings, notes, len(rules))
