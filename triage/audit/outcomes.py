"""``triage rules outcomes``: which rules and tiers send people to the right place.

Reads the referrals one organisation made (the case store's ``referrals``,
with the need each was for and the rules that produced or raised that need,
``need_rules``), and reports per rule and per tier: referrals, how many the
agency accepted (accepted, in progress or closed) and declined, the
acceptance rate among those decided, the decline codes (misrouting: out of
scope, wrong tier, wrong area, ...) and the recorded outcomes. Drafts and
cancelled referrals never reached an agency and are not counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_ACCEPTED = frozenset({"accepted", "in_progress", "closed"})
_COUNTED = _ACCEPTED | {"sent", "declined"}


@dataclass
class Tally:
    referrals: int = 0
    accepted: int = 0
    declined: int = 0
    decline_codes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.declined
        return self.accepted / decided if decided else None

    def add(self, status: str, decline_code: str | None, outcome: str | None) -> None:
        self.referrals += 1
        if status in _ACCEPTED:
            self.accepted += 1
        elif status == "declined":
            self.declined += 1
            self.decline_codes[decline_code or "no_code"] += 1
        if outcome:
            self.outcomes[outcome] += 1


@dataclass
class OutcomeReport:
    organisation_id: str
    by_rule: dict[str, Tally]
    by_tier: dict[int, Tally]


def outcomes(db: Any, actor: Any) -> OutcomeReport:
    """Score the referrals made by ``actor``'s organisation; the read is written to the audit log."""
    from sqlmodel import select

    from triage.store.audit import record
    from triage.store.models import Need, NeedRule, Outcome, Referral

    by_rule: dict[str, Tally] = {}
    by_tier: dict[int, Tally] = {}
    with db.transaction() as s:
        rows = s.exec(
            select(Referral, Need, Outcome)
            .join(Need, Need.id == Referral.need_id)  # type: ignore[arg-type]
            .join(Outcome, Outcome.referral_id == Referral.id, isouter=True)  # type: ignore[arg-type]
            .where(Referral.referrer_org_id == actor.organisation_id)
        ).all()
        need_ids = {need.id for _, need, _ in rows}
        rules: dict[str, list[str]] = {}
        if need_ids:
            for nr in s.exec(select(NeedRule).where(NeedRule.need_id.in_(need_ids))).all():  # type: ignore[attr-defined]
                rules.setdefault(nr.need_id, []).append(nr.rule_id)
        record(s, actor, "rules.outcomes", detail={"referrals": len(rows)})
    for ref, need, outcome in rows:
        if ref.status not in _COUNTED:
            continue
        code = outcome.outcome if outcome is not None else None
        by_tier.setdefault(need.tier, Tally()).add(ref.status, ref.decline_code, code)
        for rule_id in sorted(set(rules.get(need.id, []))):
            by_rule.setdefault(rule_id, Tally()).add(ref.status, ref.decline_code, code)
    return OutcomeReport(actor.organisation_id, by_rule, by_tier)


def render(report: OutcomeReport) -> str:
    def row(name: str, t: Tally) -> str:
        rate = f"{100 * t.acceptance_rate:.0f}%" if t.acceptance_rate is not None else "-"
        codes = ", ".join(f"{c} {n}" for c, n in t.decline_codes.most_common()) or "-"
        outs = ", ".join(f"{c} {n}" for c, n in t.outcomes.most_common()) or "-"
        counts = f"{t.referrals:>5} {t.accepted:>5} {t.declined:>5} {rate:>6}"
        return f"{name:<60} {counts}  declines: {codes}; outcomes: {outs}"

    head = f"{'':<60} {'refs':>5} {'acc':>5} {'decl':>5} {'rate':>6}"
    lines = [f"Referrals made by organisation {report.organisation_id}", "", "By tier:", head]
    lines += [row(f"tier {tier}", t) for tier, t in sorted(report.by_tier.items())]
    lines += ["", "By rule (a referral counts for every rule behind its need):", head]
    worst = sorted(report.by_rule.items(), key=lambda kv: (kv[1].acceptance_rate is None,
                                                           kv[1].acceptance_rate or 0, kv[0]))  # fmt: skip
    lines += [row(rid, t) for rid, t in worst]
    if not report.by_tier:
        lines.append("(no referrals sent yet)")
    return "\n".join(lines) + "\n"
