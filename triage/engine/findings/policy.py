"""Escalations and the routing policy (deadlines, late routes, clusters of problems).

Each step raises the drafts it is given in place (never lowering a tier or an
urgency) and leaves a reason on every need it looks at; the order of the steps
is the order of those reasons.
"""

from __future__ import annotations

from triage.engine.assessment import Deadline, Reason
from triage.engine.compiler import CompiledRule
from triage.engine.findings.drafts import Draft, reason
from triage.facts import CaseFacts
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import URGENCY_ORDER, ClusterPolicy, DeadlinePolicy, LeadTime, Policy, Urgency


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


def apply_deadlines(policy: Policy, ruleset: RuleSet, drafts: dict[str, Draft]) -> None:
    """Urgency from the time left to act on each deadline; a close one sets a tier floor; a passed one marks
    the need late, and a passed event that means the harm is here makes it an emergency."""
    dpol = policy.deadlines
    late = policy.late
    for draft in drafts.values():
        live = [d for d in draft.deadlines if d.status in ("open", "late_route")]
        if live:
            urgency, why, nearest = _most_urgent(ruleset, dpol, live)
            tier = dpol.min_tier if nearest.days_left <= dpol.min_tier_within_days else None
            effect = draft.raise_to(tier, urgency)
            if effect:
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.deadlines", source=dpol.source,
                           text=f"{dpol.explain} {why}", effect=effect)
                )  # fmt: skip
        if draft.undated:
            effect = draft.raise_to(None, dpol.date_unknown_urgency)
            draft.reasons.append(
                Reason.trusted(kind="policy", id="policy.date_unknown", source=dpol.source,
                       text=f"{'; '.join(sorted(set(draft.undated)))}: the date it counts from is not known, "
                            f"so the time left cannot be counted and may be short. Until the date is found "
                            f"this is treated as {dpol.date_unknown_urgency}.",
                       effect=effect or "already at least")
            )  # fmt: skip
        for d in draft.deadlines:
            lead = _lead(ruleset, d)
            if d.status == "passed" and lead is not None and lead.emergency_once_passed:
                effect = draft.raise_to(None, "emergency")
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.passed_event", source=d.source,
                           text=f"{d.label}: {d.date} has passed, so the harm may already be here. "
                                f"{lead.reason}",
                           effect=effect or "already at least")
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


def _lead(ruleset: RuleSet, d: Deadline) -> LeadTime | None:
    definition = ruleset.deadline(d.deadline_id, d.from_date)
    return definition.lead_time if definition is not None else None


def _most_urgent(ruleset: RuleSet, dpol: DeadlinePolicy, live: list[Deadline]) -> tuple[Urgency | None, str, Deadline]:
    """The highest urgency any live deadline calls for, the words saying why, and the nearest deadline."""
    best: tuple[int, Urgency | None, str] = (-1, None, "")
    for d in live:
        lead = _lead(ruleset, d)
        left = d.days_left
        when = d.late_limit if d.status == "late_route" else d.date
        urgency: Urgency | None
        if lead is not None and lead.always_emergency:
            urgency, why = "emergency", f"{d.label} ({when}): always an emergency. {lead.reason}"
        elif lead is not None and lead.days is not None and left <= lead.days:
            urgency = "emergency"
            why = f"{d.label}: {left} days left ({when}), within the {lead.days} days it takes. {lead.reason}"
        elif left <= dpol.urgent_within_days:
            urgency, why = "urgent", f"{d.label}: {left} days left ({when})."
        elif left <= dpol.soon_within_days:
            urgency, why = "soon", f"{d.label}: {left} days left ({when})."
        else:
            urgency, why = None, ""
        rank = URGENCY_ORDER[urgency] if urgency else -1
        if rank > best[0]:
            best = (rank, urgency, why)
    nearest = min(live, key=lambda d: d.days_left)
    return best[1], best[2], nearest
