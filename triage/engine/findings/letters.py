"""The letters a case needs: those rules asked for, and a referral for each need the policy refers."""

from __future__ import annotations

from triage.engine.assessment import LetterNeeded
from triage.engine.findings.drafts import Draft, Letters
from triage.rulesets.policy_model import Policy


def letters_needed(
    policy: Policy, drafts: dict[str, Draft], letters: Letters, referral_refused: bool = False
) -> tuple[list[LetterNeeded], dict[str, list[LetterNeeded]]]:
    """Every letter in order (issue, kind, purpose), and the same letters by issue.

    ``letters`` are the ones rules asked for; a need at or above the policy's
    referral tier adds a referral letter unless a rule already asked for one,
    or the person said no to being referred (``person.consent_to_refer`` false).
    """
    letters = dict(letters)
    for draft in drafts.values():
        if draft.tier >= policy.referral_letter_min_tier and not referral_refused:
            letters.setdefault(
                ("referral", draft.issue, None),
                LetterNeeded.trusted(kind="referral", issue=draft.issue, rule_id="policy.referral",
                             reason=f"Tier {draft.tier}: referral to an advice agency."),
            )  # fmt: skip
    ordered = list(letters.values())
    if len(ordered) > 1:
        ordered.sort(key=_letter_order)
    by_issue: dict[str, list[LetterNeeded]] = {}
    for x in ordered:
        by_issue.setdefault(x.issue, []).append(x)
    return ordered, by_issue


def _letter_order(x: LetterNeeded) -> tuple[str, str, str]:
    return (x.issue, x.kind, x.purpose or "")
