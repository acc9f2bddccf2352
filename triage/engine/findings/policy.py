"""Escalations and the routing policy (deadlines, late routes, clusters of problems, the means test).

Each step raises the drafts it is given in place (never lowering a tier or an
urgency) and leaves a reason on every need it looks at; the order of the steps
is the order of those reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from triage.engine.assessment import Deadline, Reason
from triage.engine.compiler import CompiledRule
from triage.engine.findings.drafts import Draft, reason
from triage.facts import CaseFacts
from triage.facts.catalog import FACTS
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import URGENCY_ORDER, LateRoute, LeadTime, Urgency
from triage.rulesets.policy_model import ClusterPolicy, DeadlinePolicy, LegalAidMeansPolicy, Policy

MeansStatus = Literal["passported", "within", "unknown", "over"]


@dataclass(frozen=True, slots=True)
class Means:
    """Where the person stands against the legal aid means test, and the words that say so."""

    status: MeansStatus
    text: str


def means_of(policy: LegalAidMeansPolicy, ruleset: RuleSet, facts: CaseFacts, as_of: date) -> Means:
    """Passporting benefit, income within the limit, not known, or over it (the limit in force on ``as_of``)."""
    passported = _value(facts, policy.passported_fact)
    income = _value(facts, policy.income_fact)
    limit = ruleset.parameter(policy.income_limit, as_of)
    status: MeansStatus
    if passported is True:
        status = "passported"
    elif income is None or not isinstance(limit, (int, float)):
        status = "unknown"
    elif income <= limit:
        status = "within"
    else:
        status = "over"
    text = getattr(policy, status).format(income=_pounds(income), limit=_pounds(limit))
    return Means(status, text)


def _value(facts: CaseFacts, path: str) -> Any:
    section, name = path.split(".", 1)
    return getattr(getattr(facts, section), name)


def _pounds(amount: Any) -> str:
    if not isinstance(amount, (int, float)):
        return "unknown"
    return f"£{amount:,.0f}" if float(amount).is_integer() else f"£{amount:,.2f}"


def _means_tested(c: CompiledRule, policy: LegalAidMeansPolicy) -> bool:
    """A legal aid escalation "subject to the means test": it reads the passporting benefit fact."""
    esc = c.rule.then.escalate
    return esc is not None and bool(esc.legal_aid) and any(f.path == policy.passported_fact for f in c.facts)


def means_tested_rules(rules: tuple[CompiledRule, ...], policy: LegalAidMeansPolicy) -> tuple[CompiledRule, ...]:
    """The legal aid escalations subject to the means test, in rule order."""
    return tuple(c for c in rules if _means_tested(c, policy))


def escalate(
    drafts: dict[str, Draft],
    escalations: list[CompiledRule],
    facts: CaseFacts,
    means: tuple[LegalAidMeansPolicy, Means] | None = None,
) -> None:
    """Apply each escalation that fired to every found need it names.

    A legal aid escalation subject to the means test also says which part of
    the test the answers meet (``means``).
    """
    for c in escalations:
        esc = c.rule.then.escalate
        assert esc is not None
        means_text = means[1].text if means is not None and _means_tested(c, means[0]) else ""
        for draft in drafts.values():
            if esc.applies_to.matches(draft.issue):
                effect = draft.raise_to(esc.tier, esc.urgency)
                if esc.legal_aid and draft.legal_aid is None:
                    draft.legal_aid = esc.legal_aid
                    effect = "; ".join(filter(None, [effect, f"legal aid scope: {esc.legal_aid}"]))
                effect = effect or "no change (already at least)"
                if means_text:
                    effect = f"{effect}. Means test: {means_text}"
                draft.reasons.append(reason(c, facts, effect))


def means_not_met(
    rules: tuple[CompiledRule, ...],
    fired: list[CompiledRule],
    drafts: dict[str, Draft],
    flat: dict[str, Any],
    policy: LegalAidMeansPolicy,
    means: Means,
) -> None:  # ``rules``: the means-tested escalations (means_tested_rules)
    """Income over the limit: say so on each need a legal aid rule would have covered on a passporting benefit.

    Such a need keeps its tier and is not marked in scope; the reason tells
    the link worker that legal aid is unlikely, so the referral goes to free
    casework outside legal aid (unless the person in fact gets a passporting benefit).
    """
    if means.status != "over" or not drafts:
        return
    key = FACTS[policy.passported_fact].key
    passported = {**flat, key: True}
    done = {id(c) for c in fired}
    for c in rules:
        if id(c) in done or not c.fires(passported):
            continue
        esc = c.rule.then.escalate
        assert esc is not None
        for draft in drafts.values():
            if draft.legal_aid is None and esc.applies_to.matches(draft.issue):
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.legal_aid_means", source=policy.source + c.rule.source,
                           text=f"In legal aid scope ({esc.legal_aid}), but not within the means test: {means.text}",
                           effect="not in legal aid scope on the answers given")
                )  # fmt: skip


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
            short = any(is_short for _, is_short in draft.undated)
            floor: Urgency = "emergency" if short else dpol.date_unknown_urgency
            labels = "; ".join(sorted({label for label, _ in draft.undated}))
            effect = draft.raise_to(None, floor)
            draft.reasons.append(
                Reason.trusted(kind="policy", id="policy.date_unknown", source=dpol.source,
                       text=f"{labels}: the date it counts from is not known, so the time left cannot be "
                            f"counted" + (" and, the limit being two weeks or less, may already be within the "
                            "time acting takes" if short else " and may be short") +
                            f". Until the date is found this is treated as {floor}.",
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
                # Handled at the urgency of the late route itself, and the reason names it.
                draft.late = True
                route = _late_route(ruleset, d)
                urgency = route.urgency if route is not None and route.urgency else late.late_route_urgency
                effect = draft.raise_to(late.late_route_min_tier, urgency)
                until = f"possible until {d.late_limit}" if d.late_limit is not None else "no fixed outer limit"
                why = f" {route.reason}" if route is not None and route.reason else ""
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.late_route", source=late.source + d.source,
                           text=f"{d.label}: the usual limit passed on {d.date}. Late route open: "
                                f"{d.late_label}, {until}.{why} {late.explain}",
                           effect=effect or "already at least")
                )  # fmt: skip
            elif d.status == "expired":
                draft.late = True
                effect = draft.raise_to(late.expired_min_tier, late.late_route_urgency)
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.expired", source=late.source + d.source,
                           text=f"{d.label}: the limit passed on {d.date}"
                                + (f", and the late route ({d.late_label}) closed on {d.late_limit}"
                                   if d.late_limit else ", and the law gives no late route")
                                + f". {late.explain}",
                           effect=effect or "already at least")
                )  # fmt: skip


def apply_cluster(cluster: ClusterPolicy, drafts: dict[str, Draft]) -> None:
    """Several linked problems at once: the needs of each link with enough of them at least the cluster's tier.

    Needs outside the link keep their own tier: one caseworker holds the
    linked problems, a different specialist the rest.
    """
    if len(drafts) < cluster.min_needs:
        return
    for link in cluster.links:
        members = [d for d in drafts.values() if link.applies_to.matches(d.issue)]
        if len(members) < cluster.min_needs:
            continue
        names = ", ".join(d.issue for d in members)
        for draft in members:
            effect = draft.raise_to(cluster.min_tier, None)
            if effect:
                draft.reasons.append(
                    Reason.trusted(kind="policy", id=f"policy.cluster.{link.id}", source=link.source + cluster.source,
                           text=f"{cluster.explain} {link.reason} ({len(members)} linked problems: {names}).",
                           effect=effect)
                )  # fmt: skip


def _lead(ruleset: RuleSet, d: Deadline) -> LeadTime | None:
    definition = ruleset.deadline(d.deadline_id, d.from_date)
    return definition.lead_time if definition is not None else None


def _late_route(ruleset: RuleSet, d: Deadline) -> LateRoute | None:
    definition = ruleset.deadline(d.deadline_id, d.from_date)
    return definition.late if definition is not None else None


def _most_urgent(ruleset: RuleSet, dpol: DeadlinePolicy, live: list[Deadline]) -> tuple[Urgency | None, str, Deadline]:
    """The highest urgency any live deadline calls for, the words saying why, and the nearest deadline."""
    best: tuple[int, Urgency | None, str] = (-1, None, "")
    for d in live:
        if d.status == "late_route" and d.late_limit is None:
            continue  # no outer limit: the late route's own urgency applies (apply_deadlines)
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
