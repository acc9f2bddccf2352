"""What the rules that fired found: needs (with dated deadlines), letters, contradictions, escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage.engine.assessment import Contradiction, Deadline, LetterNeeded
from triage.engine.compiler import CompiledRule
from triage.engine.deadlines import compute
from triage.engine.findings.drafts import Draft, Letters, facts_used, reason
from triage.facts import CaseFacts
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import DeadlineRef, Period


@dataclass
class Fired:
    """The first findings of one case, before escalations and policy."""

    drafts: dict[str, Draft]  # by issue, in the order rules first found them
    letters: Letters
    contradictions: list[Contradiction]
    escalations: list[CompiledRule]  # applied once every need is known (see ``policy.escalate``)


def from_fired(ruleset: RuleSet, fired: list[CompiledRule], facts: CaseFacts, as_of: date) -> Fired:
    """Merge the needs of the rules that fired per issue; collect letters, contradictions and escalations."""
    found = Fired({}, {}, [], [])
    drafts = found.drafts
    for c in fired:
        then = c.rule.then
        if then.need is not None:
            need = then.need
            draft = drafts.get(need.issue)
            if draft is None:
                draft = drafts[need.issue] = Draft(need.issue, need.tier, need.urgency)
            else:
                draft.raise_to(need.tier, need.urgency)
            draft.reasons.append(reason(c, facts, f"tier {need.tier}, {need.urgency}"))
            draft.waits_on.update(p for p in c.waits_on if _missing(facts, p))
            for ref in need.deadlines:
                deadline = _deadline(ruleset, c, ref, facts, as_of)
                if deadline is not None:
                    draft.deadlines.append(deadline)
                elif ref.from_fact in c.assumed and _missing(facts, ref.from_fact):
                    versions = ruleset.deadlines.get(ref.use)
                    if versions:
                        draft.undated.append((versions[-1].label, _short(versions[-1].period)))
        elif then.escalate is not None:
            found.escalations.append(c)
        elif then.letter is not None:
            letter = then.letter
            key = (letter.kind, letter.issue, letter.purpose)
            waits = [p for p in letter.to_confirm if _missing(facts, p)]
            have = found.letters.get(key)
            # One letter of each kind: the rule that leaves least to confirm gives it.
            if have is None or len(waits) < len(have.to_confirm):
                found.letters[key] = LetterNeeded.trusted(
                    kind=letter.kind, issue=letter.issue, purpose=letter.purpose,
                    rule_id=c.rule.id, reason=c.rule.reason, to_confirm=waits,
                )  # fmt: skip
        elif then.contradiction is not None:
            used, _ = facts_used(c, facts)
            found.contradictions.append(
                Contradiction.trusted(rule_id=c.rule.id, message=then.contradiction.message, facts=used)
            )
    # A letter waiting for an answer (consent) leaves its need to confirm that answer: asked first.
    for x in found.letters.values():
        draft = drafts.get(x.issue)
        if draft is not None and x.to_confirm:
            draft.waits_on.update(x.to_confirm)
    return found


def _deadline(ruleset: RuleSet, c: CompiledRule, ref: DeadlineRef, facts: CaseFacts, as_of: date) -> Deadline | None:
    """The deadline ``ref`` dated from its fact, or None while that date (or a definition for it) is missing."""
    section, name = ref.from_fact.split(".")
    start = getattr(getattr(facts, section), name)
    if start is None:
        return None
    definition = ruleset.deadline(ref.use, start)
    if definition is None:
        return None
    acas = (facts.employment.acas_ec_start_date, facts.employment.acas_certificate_date)
    floor = None
    if ref.not_before is not None:
        floor_section, floor_name = ref.not_before.split(".")
        floor = getattr(getattr(facts, floor_section), floor_name)
    got = compute(definition, start, as_of, acas, floor)
    return Deadline.trusted(
        date=got.due,
        label=definition.label,
        kind=definition.kind,
        status=got.status,
        days_left=(got.operative - as_of).days,
        late_limit=got.late_limit,
        late_label=definition.late.label if definition.late else None,
        deadline_id=definition.id,
        rule_id=c.rule.id,
        from_fact=ref.from_fact,
        from_date=start,
        source=definition.source + (definition.late.source if definition.late and got.status != "open" else []),
    )


def _missing(facts: CaseFacts, path: str) -> bool:
    section, name = path.split(".", 1)
    return getattr(getattr(facts, section), name) is None


# A limit this short, its start unknown, may already be within the time acting takes.
_SHORT_DAYS = 14


def _short(period: Period) -> bool:
    """Whether a time limit is at most two weeks long (counted in days, weeks or working or clear days)."""
    if period.months is not None or period.then is not None:
        return False
    days = period.days if period.days is not None else (period.weeks or 0) * 7
    days = max(days, period.working_days or 0, period.clear_days or 0)
    return days <= _SHORT_DAYS
