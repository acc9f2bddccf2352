"""``triage rules report --out FILE.html``: the whole rule set as one readable HTML document.

By area (one rule file per area): each rule in plain English (its condition
through ``describe``), its finding, its explanation, sources, dates, where it
is written, and the golden cases in which it fires; then the deadline
parameters; and first of all, what changed since the previous version
(rules added, removed, or changed and how).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from triage.audit.explain import finding_text
from triage.rulesets.conditions import describe
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import Rule

_COMPARED = ("title", "explain", "when", "then", "source", "effective_to", "on_unknown")


@dataclass
class RuleChange:
    rule_id: str
    effective_from: date
    kind: str  # added, removed, changed
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)


def _shown(rule: Rule, name: str) -> str:
    if name == "when":
        return describe(rule.condition)
    if name == "then":
        return finding_text(rule)
    if name == "source":
        return "; ".join(f"{s.title} ({s.kind})" for s in rule.source)
    value = getattr(rule, name)
    return "" if value is None else str(value)


def rule_changes(old: RuleSet, new: RuleSet) -> list[RuleChange]:
    """Rules added, removed or changed from ``old`` to ``new``, keyed by id and start date."""
    a = {(r.id, r.effective_from): r for r in old.rules}
    b = {(r.id, r.effective_from): r for r in new.rules}
    out: list[RuleChange] = []
    for key in sorted(a.keys() | b.keys()):
        ra, rb = a.get(key), b.get(key)
        if ra is None:
            out.append(RuleChange(key[0], key[1], "added"))
        elif rb is None:
            out.append(RuleChange(key[0], key[1], "removed"))
        else:
            da = ra.model_dump(include=set(_COMPARED))
            db = rb.model_dump(include=set(_COMPARED))
            diffs = [(f, _shown(ra, f), _shown(rb, f)) for f in _COMPARED if da.get(f) != db.get(f)]
            if diffs:
                out.append(RuleChange(key[0], key[1], "changed", diffs))
    return out


def golden_firing(engine: Any) -> dict[str, list[tuple[str, str]]]:
    """Rule id -> golden cases (id, description) in which it fires."""
    from triage.audit.golden import load_golden
    from triage.engine.flatten import flatten
    from triage.facts import parse_facts

    out: dict[str, list[tuple[str, str]]] = {}
    for case in load_golden(engine.ruleset.root):
        facts = parse_facts(case.facts)
        for c in engine.fired_rules(flatten(facts, case.as_of), case.id):
            out.setdefault(c.rule.id, []).append((case.id, case.description))
    return out


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _period(d: Any) -> str:
    return _describe_period(d.period)


def _describe_period(p: Any) -> str:
    parts = [f"{getattr(p, u)} {u.replace('_', ' ')}" for u in ("months", "weeks", "days", "working_days", "clear_days")
             if getattr(p, u) is not None]  # fmt: skip
    if p.less_days:
        parts.append(f"less {p.less_days} days")
    if p.beginning_with_start:
        parts.append("beginning with the start day")
    if p.before:
        parts.append("before")
    if p.skip_sundays_and_bank_holidays:
        parts.append("skipping Sundays and bank holidays")
    if p.then is not None:
        parts.append(f"then {_describe_period(p.then)}")
    return ", ".join(parts)


@dataclass
class _Area:
    code: str
    label: str
    description: str
    rules: list[Rule]


def render_report(engine: Any, previous: RuleSet | None = None) -> str:
    """The HTML document for ``engine``'s rule set, compared with ``previous`` when given."""
    rs: RuleSet = engine.ruleset
    by_file: dict[str, list[Rule]] = {}
    for r in rs.rules:
        by_file.setdefault(Path(r.file).stem, []).append(r)
    areas = []
    for code, rules in by_file.items():
        tax = rs.taxonomy.areas.get(code)
        label = tax.label if tax else code.replace("_", " ").capitalize()
        areas.append(_Area(code, label, tax.description if tax else "", rules))
    order = list(rs.taxonomy.areas)
    areas.sort(key=lambda a: (order.index(a.code) if a.code in order else len(order), a.code))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    template = env.get_template("report.html")
    return template.render(
        rs=rs,
        areas=areas,
        previous=previous,
        changes=rule_changes(previous, rs) if previous is not None else [],
        golden=golden_firing(engine),
        deadlines=sorted((d for v in rs.deadlines.values() for d in v), key=lambda d: (d.id, d.effective_from)),
        describe=describe,
        finding=finding_text,
        period=_period,
    )
