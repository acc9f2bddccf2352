"""The drafts, finished: one :class:`Need` per issue, most urgent first."""

from __future__ import annotations

from datetime import date

from triage.engine.assessment import Deadline, LetterNeeded, Need
from triage.engine.findings.cache import FindingsCache
from triage.engine.findings.drafts import Draft
from triage.rulesets.model import URGENCY_ORDER


def needs_of(
    cache: FindingsCache,
    drafts: dict[str, Draft],
    open_questions: dict[str, int],
    letters_of: dict[str, list[LetterNeeded]],
) -> list[Need]:
    """Each draft as a need, its confidence from how many open questions could change it."""
    taxonomy = cache.compiled.ruleset.taxonomy
    needs = []
    for draft in drafts.values():
        issue = taxonomy.issues[draft.issue]
        area = taxonomy.area_of(draft.issue)
        open_q = open_questions.get(draft.issue, 0)
        needs.append(
            Need.trusted(
                area=area.code,
                area_label=area.label,
                issue=draft.issue,
                issue_label=issue.label,
                tier=draft.tier,
                urgency=draft.urgency,
                late=draft.late,
                legal_aid=draft.legal_aid,
                confidence="high" if open_q == 0 else "medium" if open_q <= 2 else "low",
                to_confirm=draft.to_confirm,
                deadlines=sorted(draft.deadlines, key=_deadline_order) if len(draft.deadlines) > 1
                else draft.deadlines,
                reasons=draft.reasons,
                resources=cache.resources(draft.issue),
                letters=letters_of.get(draft.issue, []),
                health_link=issue.health_link,
            )
        )  # fmt: skip
    if len(needs) > 1:
        needs.sort(key=lambda n: (-URGENCY_ORDER[n.urgency], -n.tier, n.issue))
    return needs


def _deadline_order(d: Deadline) -> tuple[date, str, str]:
    return (d.date, d.deadline_id, d.rule_id)
