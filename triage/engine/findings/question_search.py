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
from triage.engine.findings.cache import FindingsCache
from triage.engine.findings.drafts import Draft, Letters
from triage.engine.findings.plans import CROSS_CUTTING, TO_CONFIRM, Plan
from triage.engine.flatten import AS_OF, CASE_MARK
from triage.facts import SECTIONS
from triage.facts.catalog import FACTS
from triage.rulesets.conditions import DAY_SUFFIX
from triage.rulesets.model import URGENCY_ORDER

# Every area of the facts model, in its order (the person and health open none).
_AREA_SECTIONS = tuple(s for s in SECTIONS if s not in CROSS_CUTTING)
# Per fact key: [harm band, fewest answers to settle a rule, -highest weight, -rules, key, issues].
Scores = dict[str, list[Any]]
_CONCERN_KEYS = tuple((s, f"{s}__concern") for s in _AREA_SECTIONS)
# Each area's screening question, ranked after every other question.
_SCREENING = tuple((s, (99, 0, 0, 0, f"{s}.concern", ())) for s in _AREA_SECTIONS)
# Every key flatten() can write, to its area section (None for the person,
# health and engine keys, which open no area): one C-level lookup per key.
# Fixed by the fact catalogue, the same for every rule set.
_SECTION_OF_KEY: dict[str, str | None] = {CASE_MARK: None, AS_OF: None}
# The search scores facts by flat key and names them by path only at the end.
# Keys sort as their paths do (``section__name`` against ``section.name``),
# since no section's name begins another's: checked here, as the ranking's
# last tie-break relies on it.
_PATH_OF_KEY: dict[str, str] = {spec.key: spec.path for spec in FACTS.values()}
_KEY_OF_PATH: dict[str, str] = {spec.path: spec.key for spec in FACTS.values()}
if [_PATH_OF_KEY[k] for k in sorted(_PATH_OF_KEY)] != sorted(_KEY_OF_PATH):
    raise RuntimeError("fact keys no longer sort as their paths do: rank questions by path")
for _spec in FACTS.values():
    _area = None if _spec.section in CROSS_CUTTING else _spec.section
    _SECTION_OF_KEY[_spec.key] = _area
    for _choice in _spec.choices:
        _SECTION_OF_KEY[f"{_spec.key}__{_choice}"] = _area
    if _spec.kind == "date":
        _SECTION_OF_KEY[_spec.key + DAY_SUFFIX] = _area


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
    scores: Scores = {}
    # Rules are grouped by the areas they read and only groups whose areas are
    # all live are scanned, so no fact of a scanned rule is in a screened-out area.
    live = cache.live_plans(flat[AS_OF], live_sections)
    _scan_needs(live.needs, flat, drafts, scores)
    if drafts:  # an escalation raises found needs only
        _scan_escalations(live.escalations, flat, drafts, scores)
    for p in live.letters:
        if p.letter not in letters:
            _record(p, flat, scores, p.changes, None)
    # The facts a found need was assumed on, or raised for lack of, decide it: asked first.
    for d in drafts.values():
        for path in d.to_confirm:
            key = _KEY_OF_PATH[path]
            entry = scores.get(key)
            if entry is None:
                scores[key] = [TO_CONFIRM, 1, 0, -1, key, frozenset((d.issue,))]
            else:
                entry[0] = TO_CONFIRM
                entry[5] = entry[5] | {d.issue}
    # scores[key] = [harm band, fewest answers to settle a rule, -highest weight, -rules, key, issues]:
    # sorting the entries themselves ranks them (keys are unique, so issues are never compared).
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
        cache.question(_PATH_OF_KEY.get(key, key), issues)
        for _, _, _, _, key, issues in ranked[: cache.compiled.ruleset.policy.max_questions]
    ]
    return questions, per_issue


def _scan_needs(plans: tuple[Plan, ...], flat: dict[str, Any], drafts: dict[str, Draft], scores: Scores) -> None:
    """Need rules: each one that would raise a need, or date a found one, offers its missing facts."""
    for p in plans:
        need = p.need
        assert need is not None
        d = drafts.get(need.issue)
        if d is None:
            _record(p, flat, scores, p.changes, None)
        # It changes nothing if the need is already as high and
        # already has the deadlines this rule would date.
        elif (
            need.tier > d.tier
            or need.urgency_rank > URGENCY_ORDER[d.urgency]
            or (need.from_facts and not need.from_facts <= {x.from_fact for x in d.deadlines})
        ):
            # A found need still without its deadline's date comes first: the date decides how urgent it is.
            _record(p, flat, scores, p.changes, need.from_keys or None)


def _scan_escalations(plans: tuple[Plan, ...], flat: dict[str, Any], drafts: dict[str, Draft], scores: Scores) -> None:
    """Escalations: each one that would raise a found need offers its missing facts."""
    found = [(d.issue, d.tier, URGENCY_ORDER[d.urgency], d.legal_aid is None) for d in drafts.values()]
    issues = drafts.keys()
    for p in plans:
        e = p.escalation
        assert e is not None
        if e.applies.isdisjoint(issues):
            continue
        changes = frozenset(
            [
                issue
                for issue, tier, rank, no_legal_aid in found
                if issue in e.applies and (e.tier > tier or e.urgency_rank > rank or (e.legal_aid and no_legal_aid))
            ]
        )
        if changes:
            _record(p, flat, scores, changes, None)


def _record(
    p: Plan, flat: dict[str, Any], scores: Scores, changes: frozenset[str], dating: frozenset[str] | None
) -> None:
    """Record in ``scores`` the missing facts of a rule that would change something, if it is unsettled.

    Only an unsettled rule (unknown under three-valued logic) can be changed
    by an answer. Two shortcuts, both exact, spare most rules evaluating: a
    rule with every fact known is settled (each test gives True or False); a
    rule with every fact missing is unknown (each test of a missing fact is
    unknown, and ``all``, ``any`` and ``not`` of unknowns stay unknown). A rule
    that fired because it fires on unknown is still unknown and stays in.
    ``dating``: the keys of the dates a found need's deadlines count from,
    each of which settles the question on its own.
    """
    missing = p.keys.difference(flat)
    if not missing:
        return  # every fact known: settled
    gap = len(missing)
    if gap < len(p.keys) and p.asking(flat) is not None:
        return  # some facts known, and they settle it (with every fact missing it is unknown)
    harm, w = p.harm, -p.weight
    for key in missing:
        # Rank first the answers that would settle a rule on their own.
        g = 0 if dating is not None and key in dating else gap
        s = scores.get(key)
        if s is None:
            scores[key] = [harm, g, w, -1, key, changes]
        else:
            if harm < s[0]:
                s[0] = harm
            if g < s[1]:
                s[1] = g
            if w < s[2]:
                s[2] = w
            s[3] -= 1
            s[5] |= changes
