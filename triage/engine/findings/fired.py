"""What the rules that fired found: needs (with dated deadlines), letters, contradictions, escalations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from triage.engine.assessment import Contradiction, Deadline, LetterNeeded, Reason
from triage.engine.compiler import CompiledRule
from triage.engine.deadlines import after, compute
from triage.engine.findings.drafts import Draft, Letters, facts_used, reason
from triage.facts import CaseFacts
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import DeadlineRef, Duration, Period


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
                    _acas_unknown(ruleset, draft, deadline, facts, as_of)
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
    acas, _ = _acas(facts)
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


_ACAS_START = "employment.acas_ec_start_date"
_ACAS_CERTIFICATE = "employment.acas_certificate_date"
_ACAS_PERIOD = "employment.early_conciliation_period"


def _acas(facts: CaseFacts) -> tuple[tuple[date | None, date | None], str | None]:
    """The ACAS early conciliation dates to count a tribunal limit with, and the one not known.

    With one of the two dates unknown, conciliation is counted as having lasted no
    time at all (the known date stands for both): that is the earliest the limit can
    be (ERA 1996 s.207B; EqA 2010 s.140B). Conciliation started before the limit
    still moves it to at least a month after the certificate, which may already be
    close, so the limit is neither shown as passed when it may not be, nor left later
    than it may be. With both unknown, nothing shows that conciliation started.
    """
    start, certificate = facts.employment.acas_ec_start_date, facts.employment.acas_certificate_date
    if start is not None and certificate is None:
        return (start, start), _ACAS_CERTIFICATE
    if certificate is not None and start is None:
        return (certificate, certificate), _ACAS_START
    return (start, certificate), None


def _acas_unknown(ruleset: RuleSet, draft: Draft, deadline: Deadline, facts: CaseFacts, as_of: date) -> None:
    """A tribunal limit counted with ACAS dates unknown: the need lists them to confirm, and says why once.

    One date unknown: the limit is the earliest it can be (see ``_acas``). Both unknown:
    nothing shows conciliation began, so the limit is counted without it; once that limit
    has passed, conciliation begun by then could still have kept it open until as late as
    the longest conciliation plus the time after the certificate, so the dates are asked.
    """
    definition = ruleset.deadline(deadline.deadline_id, deadline.from_date)
    if definition is None or not definition.period.acas_extension:
        return
    (start, _), unknown = _acas(facts)
    if unknown is not None:
        draft.waits_on.add(unknown)
        which = "certificate" if unknown == _ACAS_CERTIFICATE else "start of conciliation"
        rid = "policy.acas_date_unknown"
        text = (
            f"ACAS early conciliation: the date of the {which} is not known, so conciliation is counted "
            "as lasting no time (the known date stands for both). That gives the earliest the limit can "
            "be: conciliation begun before the limit moves it to at least one month after the "
            "certificate. Find the certificate and check the date."
        )
        effect = "dated at the earliest it can be"
    elif start is None and deadline.status in ("late_route", "expired"):
        param = ruleset.parameters.get(_ACAS_PERIOD)
        longest = param.value_on(deadline.date) if param is not None else None
        window = definition.acas_after_certificate
        if not isinstance(longest, Duration) or window is None:
            return
        latest = after(window, after(longest, deadline.date))
        if latest < as_of:
            return
        draft.waits_on.update((_ACAS_START, _ACAS_CERTIFICATE))
        rid = "policy.acas_dates_unknown"
        text = (
            f"Counted without ACAS early conciliation, the tribunal limit passed on "
            f"{deadline.date}. If conciliation was begun by then, the limit is later (at least one month "
            f"after the certificate, and as late as {latest}) and may be close: find out now whether and "
            "when ACAS was contacted."
        )
        effect = "counted without conciliation until its dates are known"
    else:
        return
    if any(r.id == rid for r in draft.reasons):
        return
    draft.reasons.append(Reason.trusted(kind="policy", id=rid, source=definition.source, text=text, effect=effect))


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
