"""From the rules that fired to an :class:`Assessment`.

Rules only record *that* they fired; everything else happens here, in plain
Python after the durable-rules session has ended: needs are merged per issue,
deadlines dated, escalations and the routing policy applied (each leaving a
reason), letters listed, and the questions still worth asking found by
evaluating the remaining rules with three-valued logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triage.engine.assessment import (
    Assessment,
    Contradiction,
    Deadline,
    LetterNeeded,
    Need,
    Question,
    Reason,
    ResourceLink,
    RuleSetRef,
)
from triage.engine.compiler import CompiledRule, CompiledRuleSet
from triage.engine.deadlines import compute
from triage.engine.questions import Scan, compile_scan
from triage.facts import CaseFacts
from triage.facts.catalog import FACTS
from triage.rulesets.loader import RuleSet
from triage.rulesets.model import URGENCY_ORDER, Urgency

_CROSS_CUTTING = frozenset({"person", "health"})
_AREA_SECTIONS = (
    "housing", "benefits", "debt", "employment", "immigration", "family", "education",
    "community_care", "discrimination",
)  # fmt: skip


@dataclass
class _Draft:
    issue: str
    tier: int
    urgency: Urgency
    deadlines: list[Deadline] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    letters: list[LetterNeeded] = field(default_factory=list)
    late: bool = False
    legal_aid: str | None = None

    def raise_to(self, tier: int | None, urgency: Urgency | None) -> str:
        """Raise tier and urgency (never lower); describe what changed."""
        changes = []
        if tier is not None and tier > self.tier:
            changes.append(f"tier {self.tier} to {tier}")
            self.tier = tier
        if urgency is not None and URGENCY_ORDER[urgency] > URGENCY_ORDER[self.urgency]:
            changes.append(f"urgency {self.urgency} to {urgency}")
            self.urgency = urgency
        return "; ".join(changes)


def _facts_used(rule: CompiledRule, facts: CaseFacts) -> tuple[dict[str, Any], list[str]]:
    """The facts a rule read, as ``triage.engine.flatten.fact_value`` shows them, and which of them were unknown."""
    used: dict[str, Any] = {}
    unknown: list[str] = []
    for spec in rule.facts:
        value = getattr(getattr(facts, spec.section), spec.name)
        if value is None:
            value = "unknown"
            unknown.append(spec.path)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, frozenset):
            value = sorted(value)
        used[spec.path] = value
    return used, unknown


def _reason(rule: CompiledRule, facts: CaseFacts, effect: str = "") -> Reason:
    used, unknown = _facts_used(rule, facts)
    return Reason.trusted(
        kind=rule.kind,
        id=rule.rule.id,
        text=rule.reason,
        source=rule.rule.source,
        facts=used,
        fired_on_unknown=unknown if rule.fires_on_unknown else [],
        effect=effect,
    )


def build(
    compiled: CompiledRuleSet,
    fired: list[CompiledRule],
    facts: CaseFacts,
    flat: dict[str, Any],
    as_of: date,
) -> Assessment:
    """Assemble the assessment for one case from the rules that fired."""
    ruleset = compiled.ruleset
    policy = ruleset.policy
    taxonomy = ruleset.taxonomy
    drafts: dict[str, _Draft] = {}
    letters: dict[tuple[str, str, str | None], LetterNeeded] = {}
    contradictions: list[Contradiction] = []
    escalations: list[CompiledRule] = []

    for c in fired:
        then = c.rule.then
        if then.need is not None:
            need = then.need
            draft = drafts.get(need.issue)
            if draft is None:
                draft = drafts[need.issue] = _Draft(need.issue, need.tier, need.urgency)
            else:
                draft.raise_to(need.tier, need.urgency)
            draft.reasons.append(_reason(c, facts, f"tier {need.tier}, {need.urgency}"))
            for ref in need.deadlines:
                start = getattr(getattr(facts, ref.from_fact.split(".")[0]),
                                ref.from_fact.split(".")[1])  # fmt: skip
                if start is None:
                    continue
                definition = ruleset.deadline(ref.use, start)
                if definition is None:
                    continue
                acas = (facts.employment.acas_ec_start_date, facts.employment.acas_certificate_date)
                got = compute(definition, start, as_of, acas)
                draft.deadlines.append(
                    Deadline.trusted(
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
                        source=definition.source
                        + (definition.late.source if definition.late and got.status != "open" else []),
                    )
                )
        elif then.escalate is not None:
            escalations.append(c)
        elif then.letter is not None:
            letter = then.letter
            key = (letter.kind, letter.issue, letter.purpose)
            letters.setdefault(
                key,
                LetterNeeded.trusted(kind=letter.kind, issue=letter.issue, purpose=letter.purpose,
                             rule_id=c.rule.id, reason=c.rule.reason),
            )
        elif then.contradiction is not None:
            used, _ = _facts_used(c, facts)
            contradictions.append(
                Contradiction.trusted(rule_id=c.rule.id, message=then.contradiction.message, facts=used)
            )

    for c in escalations:
        esc = c.rule.then.escalate
        assert esc is not None
        for draft in drafts.values():
            if esc.applies_to.matches(draft.issue):
                effect = draft.raise_to(esc.tier, esc.urgency)
                if esc.legal_aid and draft.legal_aid is None:
                    draft.legal_aid = esc.legal_aid
                    effect = "; ".join(filter(None, [effect, f"legal aid scope: {esc.legal_aid}"]))
                draft.reasons.append(_reason(c, facts, effect or "no change (already at least)"))

    _apply_deadline_policy(compiled, drafts, as_of)
    cluster = policy.cluster
    if len(drafts) >= cluster.min_needs:
        for draft in drafts.values():
            effect = draft.raise_to(cluster.min_tier, None)
            if effect:
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.cluster", source=cluster.source,
                           text=f"{cluster.explain} ({len(drafts)} problems found).",
                           effect=effect)
                )

    questions, per_issue = _questions(compiled, flat, drafts, letters)

    for draft in drafts.values():
        if draft.tier >= policy.referral_letter_min_tier:
            letters.setdefault(
                ("referral", draft.issue, None),
                LetterNeeded.trusted(kind="referral", issue=draft.issue, rule_id="policy.referral",
                             reason=f"Tier {draft.tier}: referral to an advice agency."),
            )
    letter_list = list(letters.values())
    if len(letter_list) > 1:
        letter_list.sort(key=_letter_order)
    letters_of: dict[str, list[LetterNeeded]] = {}
    for x in letter_list:
        letters_of.setdefault(x.issue, []).append(x)
    needs = []
    for draft in drafts.values():
        issue = taxonomy.issues[draft.issue]
        area = taxonomy.area_of(draft.issue)
        open_q = per_issue.get(draft.issue, 0)
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
                deadlines=sorted(draft.deadlines, key=_deadline_order) if len(draft.deadlines) > 1
                else draft.deadlines,
                reasons=draft.reasons,
                resources=_resource_links(compiled, draft.issue),
                letters=letters_of.get(draft.issue, []),
                health_link=issue.health_link,
            )
        )
    if len(needs) > 1:
        needs.sort(key=lambda n: (-URGENCY_ORDER[n.urgency], -n.tier, n.issue))
    return Assessment.trusted(
        case_ref=facts.case_ref,
        as_of=as_of,
        ruleset=_ruleset_ref(ruleset),
        needs=needs,
        letters=letter_list,
        questions=questions,
        contradictions=sorted(contradictions, key=lambda c: c.rule_id) if len(contradictions) > 1
        else contradictions,
        rules_fired=[c.rule.id for c in fired],
    )


def _letter_order(x: LetterNeeded) -> tuple[str, str, str]:
    return (x.issue, x.kind, x.purpose or "")


def _deadline_order(d: Deadline) -> tuple[date, str, str]:
    return (d.date, d.deadline_id, d.rule_id)


_REFS: dict[str, RuleSetRef] = {}


def _ruleset_ref(ruleset: RuleSet) -> RuleSetRef:
    """The (immutable) reference to a rule set, built once per content hash."""
    ref = _REFS.get(ruleset.hash)
    if ref is None:
        ref = _REFS[ruleset.hash] = RuleSetRef.trusted(
            name=ruleset.name, version=ruleset.version, hash=ruleset.hash
        )
    return ref


_LINKS: dict[tuple[str, str], list[ResourceLink]] = {}


def _resource_links(compiled: CompiledRuleSet, issue: str) -> list[ResourceLink]:
    key = (compiled.ruleset.hash, issue)
    links = _LINKS.get(key)
    if links is None:
        links = _LINKS[key] = [
            ResourceLink(id=r.id, title=r.title, publisher=r.publisher, url=r.url,
                         summary=r.summary)
            for r in compiled.ruleset.taxonomy.resources.get(issue, [])
        ]
    return links


def _apply_deadline_policy(compiled: CompiledRuleSet, drafts: dict[str, _Draft], as_of: date) -> None:
    dpol = compiled.ruleset.policy.deadlines
    late = compiled.ruleset.policy.late
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
                )
        for d in draft.deadlines:
            if d.status == "late_route":
                draft.late = True
                effect = draft.raise_to(late.late_route_min_tier, late.late_route_urgency)
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.late_route", source=late.source + d.source,
                           text=f"{d.label}: the usual limit passed on {d.date}. {d.late_label}: "
                                f"possible until {d.late_limit}. {late.explain}",
                           effect=effect or "already at least")
                )
            elif d.status == "expired":
                draft.late = True
                effect = draft.raise_to(late.expired_min_tier, late.late_route_urgency)
                draft.reasons.append(
                    Reason.trusted(kind="policy", id="policy.expired", source=late.source + d.source,
                           text=f"{d.label}: the limit passed on {d.date}"
                                + (f" and the late limit on {d.late_limit}" if d.late_limit else "")
                                + f". {late.explain}",
                           effect=effect or "already at least")
                )


def _would_change(
    c: CompiledRule, drafts: dict[str, _Draft], letters: dict[tuple[str, str, str | None], Any]
) -> list[str]:
    """The issues whose result this rule would change if it fired."""
    then = c.rule.then
    if then.need is not None:
        d = drafts.get(then.need.issue)
        if d is None or then.need.tier > d.tier or (
            URGENCY_ORDER[then.need.urgency] > URGENCY_ORDER[d.urgency]
        ):
            return [then.need.issue]
        return []
    if then.escalate is not None:
        esc = then.escalate
        out = []
        for d in drafts.values():
            if esc.applies_to.matches(d.issue) and (
                (esc.tier is not None and esc.tier > d.tier)
                or (esc.urgency is not None and URGENCY_ORDER[esc.urgency] > URGENCY_ORDER[d.urgency])
                or (esc.legal_aid is not None and d.legal_aid is None)
            ):
                out.append(d.issue)
        return out
    if then.letter is not None:
        key = (then.letter.kind, then.letter.issue, then.letter.purpose)
        return [] if key in letters else [then.letter.issue]
    return []


def _questions(
    compiled: CompiledRuleSet,
    flat: dict[str, Any],
    drafts: dict[str, _Draft],
    letters: dict[tuple[str, str, str | None], Any],
    interpreted: bool = False,
) -> tuple[list[Question], dict[str, int]]:
    """Unknown facts whose answer could change the result, most consequential first.

    Also returns, for each found need's issue, how many such facts could change it.

    The per-rule work runs as generated code (``triage.engine.questions``);
    ``interpreted=True`` runs :func:`_scan_interpreted`, the plain reference.
    """
    # A section is "open" when its screening answer is not "no" and something
    # in it is known; a silent section is best opened by its screening question.
    screened_out = {s for s, key in _CONCERN_KEYS if flat.get(key) is False}
    live_sections = frozenset(map(_SECTION_OF_KEY.get, flat)).difference(screened_out, (None,))
    scores: dict[str, list[Any]] = {}
    for plans, scan in _live_groups(compiled, flat["__as_of"], live_sections):
        if interpreted:
            _scan_interpreted(plans, flat, drafts, letters, screened_out, scores)
        else:
            scan(flat, drafts, letters, screened_out, scores)
    # scores[path] = [fewest answers to settle a rule, -highest weight, -rules, path, issues]:
    # sorting the entries themselves ranks them (paths are unique, so issues are never compared).
    # Per found need, how many questions could change it (its confidence).
    per_issue: dict[str, int] = {}
    if drafts:
        changes = [entry[4] for entry in scores.values()]
        for issue in drafts:
            per_issue[issue] = sum([issue in c for c in changes])
    ranked: list[Any] = sorted(scores.values())
    # Then the screening question of each area nobody has asked about yet:
    # problems cluster, and an unasked area is the commonest missed need. A
    # section with nothing in the flat facts has its screening answer unknown.
    ranked += [q for section, q in _SCREENING if section not in live_sections and section not in screened_out]
    questions = []
    for _, _, _, path, issues in ranked[: compiled.ruleset.policy.max_questions]:
        q = _QUESTIONS.get((path, issues))
        if q is None:
            q = _QUESTIONS[(path, issues)] = _question(path, tuple(sorted(issues)))
        questions.append(q)
    return questions, per_issue


def _scan_interpreted(
    plans: tuple[_Plan, ...],
    flat: dict[str, Any],
    drafts: dict[str, _Draft],
    letters: dict[tuple[str, str, str | None], Any],
    screened_out: set[str],
    scores: dict[str, list[Any]],
) -> None:
    """The question search's per-rule work, plainly: the reference for the generated scan."""
    for evaluate, c, need, weight, specs in plans:
        # Only an unsettled rule (unknown under three-valued logic) can be
        # changed by an answer. A rule that fired on known facts is True; one
        # that fired because it fires on unknown is still None and stays in.
        if evaluate(flat) is not None:
            continue
        changes: Any
        if need is not None:
            d = drafts.get(need[0])
            # It changes nothing if the need is already as high and
            # already has the deadlines this rule would date.
            if d is not None and need[1] <= d.tier and need[2] <= URGENCY_ORDER[d.urgency] and (
                not need[3] or need[3] <= {x.from_fact for x in d.deadlines}
            ):
                continue
            changes = frozenset({need[0]})
            # A found need still without its deadline's date comes first:
            # the date decides how urgent it is.
            dating = d is not None and bool(need[3])
        else:
            dating = False
            changes = frozenset(_would_change(c, drafts, letters))
            if not changes:
                continue
        missing = [spec for spec in specs if spec.key not in flat]
        gap_here = len(missing)
        for spec in missing:
            if spec.section in screened_out:
                continue
            # Rank first the answers that would settle a rule on their own.
            g = 0 if dating and need is not None and spec.path in need[3] else gap_here
            s = scores.get(spec.path)
            if s is None:
                scores[spec.path] = [g, -weight, -1, spec.path, changes]
            else:
                s[0], s[1], s[2], s[4] = min(s[0], g), min(s[1], -weight), s[2] - 1, s[4] | changes


# Questions are immutable and few, so each distinct one is built once.
_QUESTIONS: dict[tuple[str, Any], Question] = {}
_CONCERN_KEYS = tuple((s, f"{s}__concern") for s in _AREA_SECTIONS)
# Each area's screening question, ranked after every other question.
_SCREENING = tuple((s, (99, 0, 0, f"{s}.concern", ())) for s in _AREA_SECTIONS)
# Every key flatten() can write, to its area section (None for the person,
# health and engine keys, which open no area): one C-level lookup per key.
_SECTION_OF_KEY: dict[str, str | None] = {"__case": None, "__as_of": None}
for _spec in FACTS.values():
    _area = None if _spec.section in _CROSS_CUTTING else _spec.section
    _SECTION_OF_KEY[_spec.key] = _area
    for _choice in _spec.choices:
        _SECTION_OF_KEY[f"{_spec.key}__{_choice}"] = _area

# Per rule, what the question search reads, unpacked once: its evaluator, the
# rule, for a need its (issue, tier, urgency rank, facts its deadlines count
# from), its weight and its facts.
_Plan = tuple[Any, CompiledRule, tuple[str, int, int, frozenset[str]] | None, int, tuple[Any, ...]]
_Group = tuple[frozenset[str], tuple[_Plan, ...], Scan]
_GROUPS: dict[tuple[str, int], tuple[_Group, ...]] = {}


def _question_groups(compiled: CompiledRuleSet, as_of_ordinal: int) -> tuple[_Group, ...]:
    """Rules that can raise a question on this day, grouped by the areas they read.

    Cases on one day share the grouping; :func:`_live_groups` then picks a
    case's groups with one lookup by its answered areas.
    """
    key = (compiled.name, as_of_ordinal)
    groups = _GROUPS.get(key)
    if groups is None:
        by_areas: dict[frozenset[str], list[_Plan]] = {}
        for c in compiled.rules:
            if c.rule.then.contradiction is None and c.in_force(as_of_ordinal):
                n = c.rule.then.need
                need = (
                    (n.issue, n.tier, URGENCY_ORDER[n.urgency], frozenset(d.from_fact for d in n.deadlines))
                    if n is not None
                    else None
                )
                plan = (c.asking, c, need, _weight(c), c.facts)
                by_areas.setdefault(c.sections - _CROSS_CUTTING, []).append(plan)
        groups = tuple(
            (areas, tuple(plans), compile_scan(tuple(p[1] for p in plans), _weight))
            for areas, plans in by_areas.items()
        )
        if len(_GROUPS) > 64:  # many distinct days (a replay over years): keep it bounded
            _GROUPS.clear()
        _GROUPS[key] = groups
    return groups


def prepare_day(compiled: CompiledRuleSet, as_of_ordinal: int) -> None:
    """Compile the question search for a day ahead of its first case."""
    _question_groups(compiled, as_of_ordinal)


def _question(path: str, issues: tuple[str, ...]) -> Question:
    text = (
        f"Is anything about {path.split('.')[0].replace('_', ' ')} causing a problem?"
        if path.endswith(".concern")
        else FACTS[path].question
    )
    return Question(fact=path, question=text, could_change=list(issues))


_LIVE: dict[tuple[str, int, frozenset[Any]], tuple[tuple[tuple[_Plan, ...], Scan], ...]] = {}


def _live_groups(
    compiled: CompiledRuleSet, as_of_ordinal: int, live_sections: frozenset[Any]
) -> tuple[tuple[tuple[_Plan, ...], Scan], ...]:
    """The groups whose areas are all live: one lookup per case (at most 2**9 area sets a day)."""
    key = (compiled.name, as_of_ordinal, live_sections)
    live = _LIVE.get(key)
    if live is None:
        live = tuple(
            (plans, scan)
            for areas, plans, scan in _question_groups(compiled, as_of_ordinal)
            if areas <= live_sections
        )
        if len(_LIVE) > 4096:  # many distinct days: keep it bounded
            _LIVE.clear()
        _LIVE[key] = live
    return live


def _weight(c: CompiledRule) -> int:
    then = c.rule.then
    if then.need is not None:
        return then.need.tier * 10 + URGENCY_ORDER[then.need.urgency]
    if then.escalate is not None:
        return (then.escalate.tier or 0) * 10 + URGENCY_ORDER.get(then.escalate.urgency or "", 0)
    return 5
