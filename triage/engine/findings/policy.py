"""Escalations and the routing policy (deadlines, late routes, clusters of problems).

Each step raises the drafts it is given in place (never lowering a tier or an
urgency) and leaves a reason on every need it looks at; the order of the steps
is the order of those reasons.
"""

from __future__ import annotations

from triage.engine.assessment import Reason
from triage.engine.compiler import CompiledRule
from triage.engine.findings.drafts import Draft, reason
from triage.facts import CaseFacts
from triage.rulesets.model import ClusterPolicy, Policy


def escalate(drafts: dict[str, Draft], escalations: list[CompiledRule], facts: CaseFacts) -> None:
    """Apply each escalation that fired to every found need it names."""
    for c in escalations:
        esc = c.rule.then.escalate
        assert esc is not None
        for draft in drafts.values():
            if esc.applies_to.matches(draft.issue):
                effect = draft.raise_to(esc.tier, esc.urgency)
                if esc.legal_aid and draft.legal_aid is None:
                    draft.legal_aid = esc.legal_aid
                    effect = "; ".join(filter(None, [effect, f"legal aid scope: {esc.legal_aid}"]))
                draft.reasons.append(reason(c, facts, effect or "no change (already at least)"))


def apply_deadlines(policy: Policy, drafts: dict[str, Draft]) -> None:
    """The nearest live deadline sets a floor on urgency (and tier); a passed one marks the need late."""
    dpol = policy.deadlines
    late = policy.late
    for draft in drafts.values():
        live = [d for d in draft.deadlines if d.status in ("open", "late_route")]
        if live:
            nearest = min(live, key=lambda d: d.days_left)
            band = next((b for b in dpol.bands if nearest.days_left <= b.within_days), None)
            tier = dpol.min_tier if nearest.days_left <= dpol.min_tier_within_days else None
            effect = draft.raise_to(tier, band.urgency if band else None)
            if effect:
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.deadlines", source=dpol.source,
                           text=f"{dpol.explain} Nearest: {nearest.label}, {nearest.days_left} days "
                                f"({nearest.late_limit if nearest.status == 'late_route' else nearest.date}).",
                           effect=effect)
                )  # fmt: skip
        for d in draft.deadlines:
            if d.status == "late_route":
                draft.late = True
                effect = draft.raise_to(late.late_route_min_tier, late.late_route_urgency)
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.late_route", source=late.source + d.source,
                           text=f"{d.label}: the usual limit passed on {d.date}. {d.late_label}: "
                                f"possible until {d.late_limit}. {late.explain}",
                           effect=effect or "already at least")
                )  # fmt: skip
            elif d.status == "expired":
                draft.late = True
                effect = draft.raise_to(late.expired_min_tier, late.late_route_urgency)
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.expired", source=late.source + d.source,
                           text=f"{d.label}: the limit passed on {d.date}"
                                + (f" and the late limit on {d.late_limit}" if d.late_limit else "")
                                + f". {late.explain}",
                           effect=effect or "already at least")
                )  # fmt: skip


def apply_cluster(cluster: ClusterPolicy, drafts: dict[str, Draft]) -> None:
    """Several problems at once: each need at least the cluster's tier."""
    if len(drafts) < cluster.min_needs:
        return
    for draft in drafts.values():
        effect = draft.raise_to(cluster.min_tier, None)
        if effect:
            draft.reasons.append(
                Reason.trusted(kind="policy", id="policy.cluster", source=cluster.source,
                       text=f"{cluster.explain} ({len(drafts)} problems found).",
                       effect=effect)
            )  # fmt: skip
