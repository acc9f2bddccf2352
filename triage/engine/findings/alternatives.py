"""One need, not several, for a problem whose kind turns on one unknown answer.

With the tenancy type unknown, a possession claim may be against a private,
a social or a mortgaged home, and each rule assumes its own kind. Showing
three needs would route three referrals for one problem. The needs raised
only by assuming different values of the same unknown choice are
alternatives: the worst plausible one is kept (highest urgency, then tier,
then the one the rule set lists first), the others are named in its reasons,
and the deciding question is asked first (it is the need's "to confirm").
"""

from __future__ import annotations

from triage.engine.assessment import Reason
from triage.engine.findings.drafts import Draft
from triage.facts.catalog import FACTS
from triage.rulesets.model import URGENCY_ORDER


def _assumed_choice(draft: Draft) -> str | None:
    """The one unknown choice every rule raising ``draft`` assumed, if there is one."""
    raising = [r for r in draft.reasons if r.kind == "need"]
    if not raising:
        return None
    common = set(raising[0].fired_on_unknown)
    for r in raising[1:]:
        common &= set(r.fired_on_unknown)
    choices = sorted(p for p in common if FACTS[p].kind == "choice")
    return choices[0] if choices else None


def merge_alternatives(drafts: dict[str, Draft], labels: dict[str, str]) -> None:
    """Fold needs that are alternatives on one unknown choice into the worst plausible one."""
    by_fact: dict[str, list[Draft]] = {}
    for d in drafts.values():
        fact = _assumed_choice(d)
        if fact is not None:
            by_fact.setdefault(fact, []).append(d)
    for fact, group in by_fact.items():
        if len(group) < 2:
            continue
        order = {d.issue: i for i, d in enumerate(drafts.values())}
        keep = min(group, key=lambda d: (-URGENCY_ORDER[d.urgency], -d.tier, order[d.issue]))
        others = [d for d in group if d is not keep]
        for d in others:
            del drafts[d.issue]
            seen = {(x.deadline_id, x.date) for x in keep.deadlines}
            keep.deadlines.extend(x for x in d.deadlines if (x.deadline_id, x.date) not in seen)
        names = ", ".join(labels.get(d.issue, d.issue) for d in others)
        keep.reasons.append(
            Reason.trusted(
                kind="policy",
                id="policy.alternatives",
                source=[],
                text=(
                    f'Not yet known: "{FACTS[fact].question}" '
                    f"Until that is confirmed this is shown as the worst plausible case; it could "
                    f"instead be: {names}."
                ),
                fired_on_unknown=[fact],
                effect=f"one need instead of {len(group)}",
            )
        )
