"""Lint checks of a rule set's data beside its logic: sources, dates in force, resources, unused deadlines.

See ``triage.audit.lint`` for the list of checks and their codes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

from triage.audit.lint_finding import Finding
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import DeadlineDef, Rule, Source
from triage.rulesets.yaml_lines import YamlFileError, load_yaml


def rel_path(path: Path, root: Path) -> str:
    """``path`` as shown in findings: relative to the folder holding ``rules/``."""
    try:
        return str(path.relative_to(root.parent.parent))
    except ValueError:
        return str(path)


_PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "localhost", "127.0.0.1", "todo", "tbc")


def _source_findings(file: str, line: int, rid: str, sources: list[Source], need: bool) -> list[Finding]:
    out = []
    for s in sources:
        host = s.url.removeprefix("https://").split("/", 1)[0].lower()
        if any(host == h or host.endswith("." + h) for h in _PLACEHOLDER_HOSTS):
            out.append(
                Finding(
                    file,
                    line,
                    rid,
                    "error",
                    "placeholder-source",
                    f"source {s.title!r} has a placeholder address {s.url}",
                )
            )
    if all(s.kind == "practice" for s in sources):
        out.append(
            Finding(
                file,
                line,
                rid,
                "error" if need else "info",
                "practice-only-source",
                "rests on practice only: cite the law or official guidance"
                + ("" if need else " (acceptable for a routing escalation; listed for audit)"),
            )
        )
    return out


def check_sources(rules: Iterable[Rule], deadlines: Iterable[DeadlineDef]) -> list[Finding]:
    out = []
    for r in rules:
        out += _source_findings(r.file, r.line, r.id, r.source, r.then.need is not None)
    for d in deadlines:
        out += _source_findings(d.file, d.line, d.id, d.source, True)
    return out


def _lineage(items: list[Rule] | list[DeadlineDef], what: str) -> list[Finding]:
    out = []
    by_id: dict[str, list[Rule | DeadlineDef]] = {}
    for it in items:
        by_id.setdefault(it.id, []).append(it)
    for rid, versions in by_id.items():
        versions = sorted(versions, key=lambda v: v.effective_from)
        for prev, nxt in itertools.pairwise(versions):
            prev_end = prev.effective_to
            if prev_end is None or prev_end > nxt.effective_from:
                until = prev_end.isoformat() if prev_end else "open-ended"
                out.append(
                    Finding(
                        nxt.file,
                        nxt.line,
                        rid,
                        "error",
                        "date-overlap",
                        f"{what} version from {nxt.effective_from} overlaps the version at "
                        f"{prev.file}:{prev.line} ({prev.effective_from} to {until})",
                    )
                )
            elif prev_end < nxt.effective_from:
                out.append(
                    Finding(
                        nxt.file,
                        nxt.line,
                        rid,
                        "warning",
                        "date-gap",
                        f"no version of this {what} is in force from {prev_end} to "
                        f"{nxt.effective_from} (previous version at {prev.file}:{prev.line})",
                    )
                )
    return out


def check_dates(rules: list[Rule], deadlines: list[DeadlineDef]) -> list[Finding]:
    return _lineage(rules, "rule") + _lineage(deadlines, "deadline")


def _issue_lines(rules_root: Path) -> dict[str, int]:
    path = rules_root / "taxonomy.yaml"
    lines: dict[str, int] = {}
    try:
        data = load_yaml(path)
    except YamlFileError:
        return lines
    for area in data.get("areas", []) if isinstance(data, dict) else []:
        for issue in area.get("issues", []) if isinstance(area, dict) else []:
            if isinstance(issue, dict) and "code" in issue:
                lines[str(issue["code"])] = getattr(issue, "line", 0)
    return lines


def check_resources(ruleset: RuleSet) -> list[Finding]:
    out = []
    lines = _issue_lines(ruleset.root.parent)
    file = rel_path(ruleset.root.parent / "taxonomy.yaml", ruleset.root)
    tier1 = {r.then.need.issue for r in ruleset.rules if r.then.need and r.then.need.tier == 1}
    for code in ruleset.taxonomy.issues:
        if not ruleset.taxonomy.resources.get(code):
            severe = code in tier1
            out.append(
                Finding(
                    file,
                    lines.get(code, 0),
                    code,
                    "error" if severe else "warning",
                    "no-tier1-resources",
                    "no self-help resource in resources.yaml"
                    + (" although a rule routes it to tier 1" if severe else ""),
                )
            )
    return out


def check_unused_deadlines(rules: list[Rule], deadlines: list[DeadlineDef]) -> list[Finding]:
    used = {ref.use for r in rules if r.then.need for ref in r.then.need.deadlines}
    return [
        Finding(d.file, d.line, d.id, "info", "unused-deadline", "no rule uses this deadline parameter")
        for d in deadlines
        if d.id not in used
    ]
