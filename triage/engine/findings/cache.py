"""What findings keep between the cases of one engine, and drop with it."""

from __future__ import annotations

from typing import Any

from triage.engine.assessment import Question, ResourceLink, RuleSetRef
from triage.engine.compiler import CompiledRuleSet
from triage.engine.findings.plans import Group, Scan, make_question, question_groups, scan
from triage.engine.findings.policy import means_tested_rules

# Bounds for a replay over many distinct days.
_MAX_DAYS = 64
_MAX_LIVE = 4096


class FindingsCache:
    """One compiled rule set's findings-side state: built on first use, shared by every case after.

    Owned by its :class:`~triage.engine.engine.Engine` (``Engine.findings``).
    Everything held is immutable once built, so threads sharing an engine may
    share it; two threads building the same entry at once build equal values.
    """

    def __init__(self, compiled: CompiledRuleSet) -> None:
        self.compiled = compiled
        ruleset = compiled.ruleset
        # The (immutable) reference to the rule set every assessment carries.
        self.ruleset_ref = RuleSetRef.trusted(name=ruleset.name, version=ruleset.version, hash=ruleset.hash)
        # The legal aid escalations subject to the means test (policy.means_not_met reads only these).
        self.means_tested = means_tested_rules(compiled.rules, ruleset.policy.legal_aid_means)
        # Issue labels, for reasons that name other issues.
        self.issue_labels = {code: issue.label for code, issue in ruleset.taxonomy.issues.items()}
        self._links: dict[str, list[ResourceLink]] = {}
        # Questions are immutable and few, so each distinct one is built once.
        self._questions: dict[tuple[str, Any], Question] = {}
        # Per day: the question groups. Per day and set of live areas: the groups to scan.
        self.groups: dict[int, tuple[Group, ...]] = {}
        self._live: dict[tuple[int, frozenset[Any]], Scan] = {}

    def resources(self, issue: str) -> list[ResourceLink]:
        """The tier-1 resources listed for an issue."""
        links = self._links.get(issue)
        if links is None:
            links = self._links[issue] = [
                ResourceLink(id=r.id, title=r.title, publisher=r.publisher, url=r.url, summary=r.summary)
                for r in self.compiled.ruleset.taxonomy.resources.get(issue, [])
            ]
        return links

    def question(self, path: str, issues: frozenset[str] | tuple[()]) -> Question:
        """The question for ``path``, naming the issues its answer could change."""
        q = self._questions.get((path, issues))
        if q is None:
            q = self._questions[(path, issues)] = make_question(path, tuple(sorted(issues)))
        return q

    def question_groups(self, as_of_ordinal: int) -> tuple[Group, ...]:
        """The rules that can raise a question on this day, grouped by the areas they read."""
        groups = self.groups.get(as_of_ordinal)
        if groups is None:
            groups = question_groups(self.compiled, as_of_ordinal)
            if len(self.groups) > _MAX_DAYS:
                self.groups.clear()
            self.groups[as_of_ordinal] = groups
        return groups

    def live_plans(self, as_of_ordinal: int, live_sections: frozenset[Any]) -> Scan:
        """The plans of the groups whose areas are all live: one lookup per case (at most 2**9 area sets a day)."""
        key = (as_of_ordinal, live_sections)
        live = self._live.get(key)
        if live is None:
            live = scan(self.question_groups(as_of_ordinal), live_sections)
            if len(self._live) > _MAX_LIVE:
                self._live.clear()
            self._live[key] = live
        return live

    def prepare(self, as_of_ordinal: int) -> None:
        """Build the question search's groups for a day ahead of its first case."""
        self.question_groups(as_of_ordinal)
