"""The questions still worth asking: unknown facts whose answer could change the result.

Every rule in force that is still unsettled under three-valued logic, and
would change a found need or letter if it fired, offers each of its missing
facts. Facts are ranked by harm first: a fact a found need was assumed on
("to confirm") comes first, then one whose answer could add an emergency or
a deadline, then one that could make a need urgent, then the rest (a tier, a
letter); within each, by how few answers would settle a rule, then by the
weight of the rules they could settle, then by how many.
"""

from __future__ import annotations

from typing import Any

from triage.engine.assessment import Question
from triage.engine.compiler import CompiledRule
from triage.engine.findings.cache import FindingsCache
from triage.engine.findings.drafts import Draft, Letters
from triage.engine.findings.plans import CROSS_CUTTING, Plan
from triage.engine.flatten import AS_OF, CASE_MARK
from triage.facts.catalog import FACTS
from triage.rulesets.model import URGENCY_ORDER

_AREA_SECTIONS = (
    "housing", "benefits", "debt", "employment", "immigration", "family", "education",
    "community_care", "discrimination",
)  # fmt: skip
_CONCERN_KEYS = tuple((s, f"{s}__concern") for s in _AREA_SECTIONS)
# Each area's screening question, ranked after every other question.
_SCREENING = tuple((s, (99, 0, 0, 0, f"{s}.concern", ())) for s in _AREA_SECTIONS)
# Harm bands (lower is asked first).
_TO_CONFIRM, _EMERGENCY_OR_DEADLINE, _URGENT, _OTHER = -1, 0, 1, 2
_EMERGENCY, _URGENT_RANK = URGENCY_ORDER["emergency"], URGENCY_ORDER["urgent"]
# Every key flatten() can write, to its area section (None for the person,
# health and engine keys, which open no area): one C-level lookup per key.
# Fixed by the fact catalogue, the same for every rule set.
_SECTION_OF_KEY: dict[str, str | None] = {CASE_MARK: None, AS_OF: None}
for _spec in FACTS.values():
    _area = None if _spec.section in CROSS_CUTTING else _spec.section
    _SECTION_OF_KEY[_spec.key] = _area
    for _choice in _spec.choices:
        _SECTION_OF_KEY[f"{_spec.key}__{_choice}"] = _area


def questions_worth_asking(
    cache: FindingsCache, flat: dict[str, Any], drafts: dict[str, Draft], letters: Letters
) -> tuple[list[Question], dict[str, int]]:
    """Unknown facts whose answer could change the result, most consequential first.

    Also returns, for each found need's issue, how many such facts could change it.
    """
    # A section is "open" when its screening answer is not "no" and something
    # in it is known; a silent section is best opened by its screening question.
    screened_out = {s for s, key in _CONCERN_KEYS if flat.get(key) is False}
    live_sections = frozenset(map(_SECTION_OF_KEY.get, flat)).difference(screened_out, (None,))
    scores: dict[str, list[Any]] = {}
    # Rules are grouped by the areas they read and only groups whose areas are
    # all live are scanned, so no fact of a scanned rule is in a screened-out area.
    for plans in cache.live_groups(flat[AS_OF], live_sections):
        _scan(plans, flat, drafts, letters, scores)
    # The facts a found need was assumed on, or raised for lack of, decide it: asked first.
    for d in drafts.values():
        for path in d.to_confirm:
            entry = scores.get(path)
            if entry is None:
                scores[path] = [_TO_CONFIRM, 1, 0, -1, path, frozenset((d.issue,))]
            else:
                entry[0] = _TO_CONFIRM
                entry[5] = entry[5] | {d.issue}
    # scores[path] = [harm band, fewest answers to settle a rule, -highest weight, -rules, path, issues]:
    # sorting the entries themselves ranks them (paths are unique, so issues are never compared).
    # Per found need, how many questions could change it (its confidence).
    per_issue: dict[str, int] = {}
    if drafts:
        changes = [entry[5] for entry in scores.values()]
        for issue in drafts:
            per_issue[issue] = sum([issue in c for c in changes])
    ranked: list[Any] = sorted(scores.values())
    # Then the screening question of each area nobody has asked about yet:
    # problems cluster, and an unasked area is the commonest missed need. A
    # section with nothing in the flat facts has its screening answer unknown.
    ranked += [q for section, q in _SCREENING if section not in live_sections and section not in screened_out]
    questions = [
        cache.question(path, issues)
        for _, _, _, _, path, issues in ranked[: cache.compiled.ruleset.policy.max_questions]
    ]
    return questions, per_issue


def _scan(
    plans: tuple[Plan, ...],
    flat: dict[str, Any],
    drafts: dict[str, Draft],
    letters: Letters,
    scores: dict[str, list[Any]],
) -> None:
    """Record in ``scores`` the missing facts of each rule that is unsettled and would change something.

    Only an unsettled rule (unknown under three-valued logic) can be changed
    by an answer. Two shortcuts, both exact, spare most rules evaluating: a
    rule with every fact known is settled (each test gives True or False); a
    rule with every fact missing is unknown (each test of a missing fact is
    unknown, and ``all``, ``any`` and ``not`` of unknowns stay unknown). A rule
    that fired because it fires on unknown is still unknown and stays in.
    """
    for asking, c, need, weight, specs in plans:
        # What the rule would change is checked first: it is cheaper than evaluating the rule,
        # and a rule that would change nothing raises no question whatever its facts.
        changes: frozenset[str]
        if need is not None:
            d = drafts.get(need.issue)
            # It changes nothing if the need is already as high and
            # already has the deadlines this rule would date.
            if (
                d is not None
                and need.tier <= d.tier
                and need.urgency_rank <= URGENCY_ORDER[d.urgency]
                and (not need.from_facts or need.from_facts <= {x.from_fact for x in d.deadlines})
            ):
                continue
            changes = need.changes
            # A found need still without its deadline's date comes first:
            # the date decides how urgent it is.
            dating = d is not None and bool(need.from_facts)
            froms = need.from_facts
            if need.urgency_rank >= _EMERGENCY or froms:
                harm = _EMERGENCY_OR_DEADLINE
            elif need.urgency_rank >= _URGENT_RANK:
                harm = _URGENT
            else:
                harm = _OTHER
        else:
            changes = would_change(c, drafts, letters)
            if not changes:
                continue
            dating = False
            froms = frozenset()
            esc = c.rule.then.escalate
            harm = (
                _EMERGENCY_OR_DEADLINE
                if esc is not None and esc.urgency is not None and URGENCY_ORDER[esc.urgency] >= _EMERGENCY
                else _URGENT
                if esc is not None and esc.urgency is not None and URGENCY_ORDER[esc.urgency] >= _URGENT_RANK
                else _OTHER
            )
        missing = [spec for spec in specs if spec.key not in flat]
        if not missing:
            continue  # every fact known: settled
        gap = len(missing)
        if gap < len(specs) and asking(flat) is not None:
            continue  # some facts known, and they settle it (with every fact missing it is unknown)
        w = -weight
        for spec in missing:
            # Rank first the answers that would settle a rule on their own.
            g = 0 if dating and spec.path in froms else gap
            s = scores.get(spec.path)
            if s is None:
                scores[spec.path] = [harm, g, w, -1, spec.path, changes]
            else:
                if harm < s[0]:
                    s[0] = harm
                if g < s[1]:
                    s[1] = g
                if w < s[2]:
                    s[2] = w
                s[3] -= 1
                s[5] |= changes


_NOTHING: frozenset[str] = frozenset()


def would_change(c: CompiledRule, drafts: dict[str, Draft], letters: Letters) -> frozenset[str]:
    """The issues whose result an escalation or letter rule would change if it fired."""
    then = c.rule.then
    if then.escalate is not None:
        if not drafts:
            return _NOTHING  # an escalation raises found needs only
        esc = then.escalate
        return frozenset(
            [
                d.issue
                for d in drafts.values()
                if esc.applies_to.matches(d.issue)
                and (
                    (esc.tier is not None and esc.tier > d.tier)
                    or (esc.urgency is not None and URGENCY_ORDER[esc.urgency] > URGENCY_ORDER[d.urgency])
                    or (esc.legal_aid is not None and d.legal_aid is None)
                )
            ]
        )
    if then.letter is not None:
        key = (then.letter.kind, then.letter.issue, then.letter.purpose)
        return _NOTHING if key in letters else frozenset((then.letter.issue,))
    return _NOTHING
