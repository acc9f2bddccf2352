"""Static reasoning about rule conditions: can a rule fire, does one rule imply another.

A rule *fires* when its condition is True under three-valued logic (or, for
``on_unknown: fire``, when it is not False; see :func:`effective`). "Fires"
is a two-valued property, so it can be written as an ordinary positive formula
over leaf tests, each leaf read as "this test is True": a :class:`Cmp` is True
only when its fact is known and the comparison holds, a :class:`Known` when
the fact's known-ness is as stated. "Does not fire" is again positive once
each negated leaf is spelled out (:func:`not_true`): a comparison is not True
when its fact is unknown *or* the opposite comparison holds.

Satisfiability of such a formula is decided exactly by expanding it into
disjunctive normal form and checking each conjunction of leaves fact by fact
(:func:`solve`). Rule conditions are small, so the expansion is bounded by
``limit`` terms; past it the answer is ``None`` ("too complex to say"), never
a guess. Facts are treated as independent: cross-field validation in the
facts model (a hearing date not before the claim date, for example) is not
modelled, so "satisfiable" can be optimistic, never pessimistic.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from triage.facts.catalog import FactSpec
from triage.rulesets.conditions import DAY_SUFFIX, All, Any_, Cmp, Cond, Known, Not, possibly, push_not
from triage.rulesets.model import Rule

Leaf = Cmp | Known
Term = tuple[Leaf, ...]

DEFAULT_LIMIT = 20_000


class TooComplex(Exception):
    """The DNF expansion would exceed the term limit."""


def effective(rule: Rule) -> Cond:
    """The condition under which ``rule`` fires (``possibly`` for ``on_unknown: fire``)."""
    return possibly(rule.condition) if rule.on_unknown == "fire" else rule.condition


def not_true(cond: Cond) -> Cond:
    """A positive condition that holds exactly when ``cond`` is not True (False or unknown)."""
    cond = push_not(cond)
    if isinstance(cond, Cmp):
        negated = push_not(Not(cond))
        return Any_((Known(cond.fact, False), negated))
    if isinstance(cond, Known):
        return Known(cond.fact, not cond.known)
    if isinstance(cond, All):
        return Any_(tuple(not_true(i) for i in cond.items))
    if isinstance(cond, Any_):
        return All(tuple(not_true(i) for i in cond.items))
    raise TypeError("not_true() needs a condition")  # Not is removed by push_not


def dnf(cond: Cond, limit: int = DEFAULT_LIMIT) -> list[Term]:
    """The satisfiable conjunctions whose disjunction is ``cond`` (already in NNF).

    Unsatisfiable partial terms are dropped as they are built, which keeps the
    expansion small for the conditions rule authors write.
    """
    cond = push_not(cond)
    if isinstance(cond, (Cmp, Known)):
        return [(cond,)] if solve((cond,)) is not None else []
    if isinstance(cond, Any_):
        out: list[Term] = []
        for item in cond.items:
            out.extend(dnf(item, limit))
            if len(out) > limit:
                raise TooComplex
        return out
    if isinstance(cond, All):
        terms: list[Term] = [()]
        for item in cond.items:
            sub = dnf(item, limit)
            nxt: list[Term] = []
            for t in terms:
                for s in sub:
                    joined = t + s
                    if solve(joined) is not None:
                        nxt.append(joined)
                        if len(nxt) > limit:
                            raise TooComplex
            terms = nxt
            if not terms:
                break
        return terms
    raise TypeError("dnf() needs a condition")


def satisfiable(cond: Cond, limit: int = DEFAULT_LIMIT) -> bool | None:
    """Whether some case makes ``cond`` True; ``None`` when too complex to decide."""
    try:
        return bool(dnf(cond, limit))
    except TooComplex:
        return None


def implies(a: Cond, b: Cond, limit: int = DEFAULT_LIMIT) -> bool | None:
    """Whether every case making ``a`` True makes ``b`` True; ``None`` when too complex."""
    try:
        return terms_imply(dnf(a, limit), dnf(not_true(b), limit))
    except TooComplex:
        return None


def terms_imply(a_terms: list[Term], not_b_terms: list[Term]) -> bool:
    """``implies`` on expanded forms: no term of ``a`` is consistent with a term of "not ``b``".

    Lint expands each rule once and compares many pairs, so this is the inner loop.
    """
    return not any(solve(ta + tb) is not None for ta in a_terms for tb in not_b_terms)


# ---------------------------------------------------------------- one conjunction


@dataclass
class FactBox:
    """What a conjunction says about one fact."""

    spec: FactSpec
    known: bool | None = None
    eq: set[Any] = field(default_factory=set)
    ne: set[Any] = field(default_factory=set)
    lo: float = -math.inf
    lo_strict: bool = False
    hi: float = math.inf
    hi_strict: bool = False
    members: dict[str, bool] = field(default_factory=dict)  # set facts: member -> present


def _boxes(term: Term, as_of: int | None = None) -> dict[str, FactBox] | None:
    """What the term says about each fact, or None when it contradicts itself.

    A test of a date against a fixed day (``on_or_after``) is a test of its
    days from ``as_of`` once that day is given. Without one the assessment
    day is free, so such tests constrain only each other (and make the date
    known): a date within 14 days and before 1 May 2026 is satisfiable.
    """
    boxes: dict[str, FactBox] = {}
    fixed: dict[str, FactBox] = {}
    for leaf in term:
        if isinstance(leaf, Cmp) and leaf.key == leaf.fact.key + DAY_SUFFIX:
            if as_of is None:
                if not _narrow(fixed.setdefault(leaf.fact.path, FactBox(leaf.fact)), leaf):
                    return None
                leaf = Known(leaf.fact, True)
            else:
                leaf = Cmp(leaf.fact, leaf.fact.key, leaf.op, int(leaf.value) - as_of)
        box = boxes.setdefault(leaf.fact.path, FactBox(leaf.fact))
        if not _narrow(box, leaf):
            return None
    for box in fixed.values():
        if not _pick(box, None, (0, 0))[0]:
            return None
    return boxes


def _narrow(box: FactBox, leaf: Leaf) -> bool:
    """Add one leaf's constraint to its fact's box; False when it contradicts the box."""
    if isinstance(leaf, Known):
        if box.known is not None and box.known != leaf.known:
            return False
        box.known = leaf.known
        return True
    if box.known is False:
        return False
    box.known = True
    if leaf.fact.kind == "set":
        member = leaf.key.rsplit("__", 1)[1]
        want = bool(leaf.value) if leaf.op == "eq" else not leaf.value
        if box.members.get(member, want) != want:
            return False
        box.members[member] = want
    elif leaf.op == "eq":
        box.eq.add(leaf.value)
    elif leaf.op == "ne":
        box.ne.add(leaf.value)
    elif leaf.op in ("gt", "gte"):
        v, strict = float(leaf.value), leaf.op == "gt"
        if v > box.lo or (v == box.lo and strict):
            box.lo, box.lo_strict = v, strict
    else:
        v, strict = float(leaf.value), leaf.op == "lt"
        if v < box.hi or (v == box.hi and strict):
            box.hi, box.hi_strict = v, strict
    return True


def _within(box: FactBox, v: Any) -> bool:
    if v in box.ne:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if v < box.lo or (v == box.lo and box.lo_strict):
            return False
        if v > box.hi or (v == box.hi and box.hi_strict):
            return False
    return True


def _pick(box: FactBox, rng: random.Random | None, spread: tuple[int, int]) -> tuple[bool, Any]:
    """(satisfiable, a value): a value of the fact meeting every constraint in ``box``."""
    spec = box.spec
    if box.known is False:
        return True, None
    if spec.kind == "set":
        return True, None  # members are settled in `_boxes`; no value constraint remains
    if box.eq:
        if len(box.eq) > 1:
            return False, None
        v = next(iter(box.eq))
        return _within(box, v), v
    if spec.kind in ("bool", "choice"):
        domain: list[Any] = [True, False] if spec.kind == "bool" else list(spec.choices)
        options = [v for v in domain if _within(box, v)]
        if not options:
            return False, None
        return True, rng.choice(options) if rng else options[0]
    if spec.kind == "text":
        n = 0
        while f"synthetic-{n}" in box.ne:
            n += 1
        return True, f"synthetic-{n}"
    integral = spec.kind in ("int", "date")
    lo, hi = box.lo, box.hi
    if integral:
        if lo != -math.inf:
            lo = math.floor(lo) + 1 if box.lo_strict else math.ceil(lo)
        if hi != math.inf:
            hi = math.ceil(hi) - 1 if box.hi_strict else math.floor(hi)
        if lo > hi:
            return False, None
        # Prefer a value inside the usual spread, then near whichever bound exists.
        a, b = max(lo, spread[0]), min(hi, spread[1])
        if a > b:
            a, b = (lo, lo + 30) if lo != -math.inf else (hi - 30, hi)
            a, b = max(a, lo), min(b, hi)
        for _ in range(len(box.ne) + 3):
            v = int(rng.randint(int(a), int(b)) if rng else a)
            if v not in box.ne:
                return True, v
            a = v + 1 if v + 1 <= b else a
        for v in range(int(a), int(b) + 1):
            if v not in box.ne:
                return True, v
        return False, None
    if lo > hi or (lo == hi and (box.lo_strict or box.hi_strict)):
        return False, None
    a = lo if lo != -math.inf else min(hi, spread[0]) - 1
    b = hi if hi != math.inf else max(a, spread[1]) + 1
    for _ in range(len(box.ne) + 3):
        v = rng.uniform(a, b) if rng else (a + b) / 2
        v = round(v, 2)
        if _within(box, v):
            return True, v
    return False, None


def solve(
    term: Term,
    rng: random.Random | None = None,
    spreads: dict[str, tuple[int, int]] | None = None,
    as_of: int | None = None,
) -> dict[str, Any] | None:
    """A model of a conjunction of leaves, or ``None`` when it is contradictory.

    The model maps each fact path to a value in the flat engine's terms (dates
    as days from ``as_of``; set facts as ``{member: present}``); ``None``
    means "must be unknown". With ``rng`` the values are drawn at random inside
    the allowed range (``spreads`` per fact kind give the usual range).
    ``as_of`` (an ordinal day) is the assessment day a test against a fixed
    day is counted from; without it such tests only make the date known.
    """
    boxes = _boxes(term, as_of)
    if boxes is None:
        return None
    spreads = spreads or {}
    model: dict[str, Any] = {}
    for path, box in boxes.items():
        spread = spreads.get(box.spec.kind, (-400, 120) if box.spec.kind == "date" else (0, 10))
        ok, value = _pick(box, rng, spread)
        if not ok:
            return None
        if box.known is False:
            model[path] = None
        elif box.spec.kind == "set":
            model[path] = dict(box.members)
        else:
            model[path] = value
    return model


def leaves(cond: Cond) -> Iterator[Leaf]:
    """Every leaf test of a condition."""
    if isinstance(cond, (Cmp, Known)):
        yield cond
    elif isinstance(cond, Not):
        yield from leaves(cond.item)
    else:
        for item in cond.items:
            yield from leaves(item)


_OPS: dict[str, Any] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}  # fmt: skip


def leaf_true(leaf: Leaf, flat: dict[str, Any]) -> bool:
    """Whether one leaf test is True on a flat case (unknown counts as not True)."""
    if isinstance(leaf, Known):
        return (leaf.fact.key in flat) == leaf.known
    if leaf.key not in flat:
        return False
    return bool(_OPS[leaf.op](flat[leaf.key], leaf.value))
