"""From the rules that fired to an :class:`Assessment`.

Rules only record *that* they fired; everything else happens here, in plain
Python after the durable-rules session has ended, one step per module:

* ``fired``: needs merged per issue, deadlines dated, letters and contradictions collected;
* ``policy``: escalations and the routing policy applied, each leaving a reason;
* ``alternatives``: needs that turn on one unknown choice folded into the worst plausible one;
* ``question_search``: the questions still worth asking, found by evaluating
  the remaining rules with three-valued logic;
* ``letters``: referral letters added, every letter ordered;
* ``needs``: each draft finished as a ``Need``.

``drafts`` holds the need being worked out; ``plans`` and ``cache`` what is
built once per engine (:class:`FindingsCache`, ``Engine.findings``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from triage.engine.assessment import Assessment
from triage.engine.compiler import CompiledRule
from triage.engine.findings.alternatives import merge_alternatives
from triage.engine.findings.cache import FindingsCache
from triage.engine.findings.fired import from_fired
from triage.engine.findings.letters import letters_needed
from triage.engine.findings.needs import needs_of
from triage.engine.findings.policy import apply_cluster, apply_deadlines, escalate, means_not_met, means_of
from triage.engine.findings.question_search import questions_worth_asking
from triage.facts import CaseFacts

__all__ = ["FindingsCache", "build"]


def build(
    cache: FindingsCache,
    fired: list[CompiledRule],
    facts: CaseFacts,
    flat: dict[str, Any],
    as_of: date,
) -> Assessment:
    """Assemble the assessment for one case from the rules that fired."""
    ruleset = cache.compiled.ruleset
    found = from_fired(ruleset, fired, facts, as_of)
    drafts = found.drafts
    means_policy = ruleset.policy.legal_aid_means
    means = means_of(means_policy, ruleset, facts, as_of)
    escalate(drafts, found.escalations, facts, (means_policy, means))
    means_not_met(cache.means_tested, fired, drafts, flat, means_policy, means)
    apply_deadlines(ruleset.policy, ruleset, drafts)
    merge_alternatives(drafts, cache.issue_labels)
    apply_cluster(ruleset.policy.cluster, drafts)
    # The search weighs the letters rules asked for, before the policy adds referral letters.
    questions, open_questions = questions_worth_asking(cache, flat, drafts, found.letters)
    letters, letters_of = letters_needed(
        ruleset.policy, drafts, found.letters, referral_refused=facts.person.consent_to_refer is False
    )
    contradictions = found.contradictions
    if len(contradictions) > 1:
        contradictions = sorted(contradictions, key=lambda c: c.rule_id)
    return Assessment.trusted(
        case_ref=facts.case_ref,
        as_of=as_of,
        ruleset=cache.ruleset_ref,
        needs=needs_of(cache, drafts, open_questions, letters_of),
        letters=letters,
        questions=questions,
        contradictions=contradictions,
        rules_fired=[c.rule.id for c in fired],
    )
