"""The condition language of rule files, with three-valued (Kleene) semantics.

A condition is ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}`` or a test of
one fact: ``{fact: housing.tenure, equals: council}``. A test of an unknown
fact is *unknown*, never false, so ``not`` cannot turn "don't know" into
"yes". Negations are pushed down to the leaves (De Morgan) before compiling,
which keeps that property in durable-rules, where a missing field never
matches any test.

Date facts are compared as whole days from the ``as_of`` day:
``{fact: housing.hearing_date, days_from_as_of: {gte: 0, lte: 14}}`` means
the hearing is today or within the next 14 days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from triage.facts.catalog import FACTS, FactSpec

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte"]
Value = bool | int | float | str
Flat = Mapping[str, Any]
Kleene = bool | None

_NEGATE: dict[Op, Op] = {"eq": "ne", "ne": "eq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}
_COMPARISONS: dict[str, Op] = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
_TESTS = frozenset(
    {"equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "known", "unknown",
     "contains", "days_from_as_of", "on_or_after", "before"}
)  # fmt: skip
# A date fact's flat key holds days from the assessment day; this suffix names
# the key holding the day itself (its ordinal), for tests against a fixed day
# in the law ("a notice served on or after 1 May 2026"). flatten writes both.
DAY_SUFFIX = "__day"


class ConditionError(ValueError):
    """A malformed condition; ``where`` is its position inside ``when``."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class Cmp:
    """Compare the flat value at ``key`` with ``value``."""

    fact: FactSpec
    key: str
    op: Op
    value: Value


@dataclass(frozen=True, slots=True)
class Known:
    """Whether a fact is known (True) or unknown (False). Never unknown itself."""

    fact: FactSpec
    known: bool


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Cond


Cond = Cmp | Known | All | Any_ | Not


# ---------------------------------------------------------------- parsing


def parse(raw: Any, where: str = "when") -> Cond:
    """Parse the raw YAML of a condition, checking each fact and value."""
    if not isinstance(raw, Mapping):
        raise ConditionError(where, "a condition must be a mapping")
    keys = {k for k in raw if k != "__line__"}
    if keys == {"all"} or keys == {"any"}:
        op = next(iter(keys))
        items = raw[op]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{where}.{op}", "must be a non-empty list of conditions")
        parsed = tuple(parse(item, f"{where}.{op}[{i}]") for i, item in enumerate(items))
        return All(parsed) if op == "all" else Any_(parsed)
    if keys == {"not"}:
        return Not(parse(raw["not"], f"{where}.not"))
    if "fact" in keys:
        return _parse_test(raw, keys - {"fact"}, where)
    raise ConditionError(where, f"expected one of all, any, not or fact, got {', '.join(sorted(map(str, keys)))}")


def _parse_test(raw: Mapping[str, Any], tests: set[str], where: str) -> Cond:
    path = raw["fact"]
    spec = FACTS.get(path) if isinstance(path, str) else None
    if spec is None:
        raise ConditionError(f"{where}.fact", f"no case fact called {path!r}")
    unknown_tests = tests - _TESTS
    if unknown_tests:
        raise ConditionError(where, f"unknown test {', '.join(sorted(unknown_tests))}")
    if not tests:
        raise ConditionError(where, f"no test given for fact {path}")
    parts = [_one_test(spec, test, raw[test], f"{where}.{test}") for test in sorted(tests)]
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _one_test(spec: FactSpec, test: str, value: Any, where: str) -> Cond:
    if test in ("known", "unknown"):
        if value is not True:
            raise ConditionError(where, "write `known: true` or `unknown: true`")
        return Known(spec, test == "known")
    if test == "contains":
        if spec.kind != "set":
            raise ConditionError(where, f"contains needs a list fact; {spec.path} is {spec.kind}")
        _check_choice(spec, value, where)
        return Cmp(spec, f"{spec.key}__{value}", "eq", True)
    if test == "days_from_as_of":
        if spec.kind != "date":
            raise ConditionError(where, f"{spec.path} is not a date")
        if not isinstance(value, Mapping) or not value:
            raise ConditionError(where, "expected a mapping of gt/gte/lt/lte to whole days")
        parts: list[Cond] = []
        for cmp_name, days in value.items():
            if cmp_name == "__line__":
                continue
            if cmp_name not in _COMPARISONS:
                raise ConditionError(where, f"unknown comparison {cmp_name!r}")
            if not isinstance(days, int) or isinstance(days, bool):
                raise ConditionError(f"{where}.{cmp_name}", "expected a whole number of days")
            parts.append(Cmp(spec, spec.key, _COMPARISONS[cmp_name], days))
        return parts[0] if len(parts) == 1 else All(tuple(parts))
    if test in ("on_or_after", "before"):
        if spec.kind != "date":
            raise ConditionError(where, f"{spec.path} is not a date")
        if not isinstance(value, date):
            raise ConditionError(where, f"expected a date (YYYY-MM-DD), got {value!r}")
        return Cmp(spec, spec.key + DAY_SUFFIX, "gte" if test == "on_or_after" else "lt", value.toordinal())
    if spec.kind == "date":
        raise ConditionError(
            where, f"{spec.path} is a date: use days_from_as_of, on_or_after, before, known or unknown"
        )
    if spec.kind == "set":
        raise ConditionError(where, f"{spec.path} is a list: use contains, known or unknown")
    if test in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionError(where, "expected a non-empty list")
        for v in value:
            _check_value(spec, v, where)
        op: Op = "eq" if test == "in" else "ne"
        leaves = tuple(Cmp(spec, spec.key, op, v) for v in value)
        if len(leaves) == 1:
            return leaves[0]
        return Any_(leaves) if test == "in" else All(leaves)
    if test in ("equals", "not_equals"):
        _check_value(spec, value, where)
        return Cmp(spec, spec.key, "eq" if test == "equals" else "ne", value)
    if spec.kind not in ("int", "number"):
        raise ConditionError(where, f"{test} needs a number fact; {spec.path} is {spec.kind}")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConditionError(where, f"expected a number, got {value!r}")
    return Cmp(spec, spec.key, _COMPARISONS[test], value)


def _check_choice(spec: FactSpec, value: Any, where: str) -> None:
    if value not in spec.choices:
        raise ConditionError(where, f"{value!r} is not a value of {spec.path} (one of {', '.join(spec.choices)})")


def _check_value(spec: FactSpec, value: Any, where: str) -> None:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ConditionError(where, f"{spec.path} is yes/no: expected true or false")
    elif spec.kind == "choice":
        _check_choice(spec, value, where)
    elif spec.kind in ("int", "number"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConditionError(where, f"{spec.path} is a number: expected a number")
    elif not isinstance(value, str):
        raise ConditionError(where, f"{spec.path} is text: expected a string")


# ---------------------------------------------------------------- transforms


def push_not(cond: Cond, negate: bool = False) -> Cond:
    """Negation normal form: ``Not`` only ever flips a leaf."""
    if isinstance(cond, Not):
        return push_not(cond.item, not negate)
    if isinstance(cond, Cmp):
        if not negate:
            return cond
        if cond.fact.kind == "set":
            return Cmp(cond.fact, cond.key, "eq", not cond.value)
        return Cmp(cond.fact, cond.key, _NEGATE[cond.op], cond.value)
    if isinstance(cond, Known):
        return Known(cond.fact, cond.known != negate)
    items = tuple(push_not(i, negate) for i in cond.items)
    if isinstance(cond, All):
        return Any_(items) if negate else All(items)
    return All(items) if negate else Any_(items)


def possibly(cond: Cond) -> Cond:
    """True unless ``cond`` is definitely false: each test also passes when its fact is unknown.

    Used for rules marked ``on_unknown: fire`` (safety first: a missing answer
    must not hide a risk). ``cond`` must already be in negation normal form.
    """
    if isinstance(cond, Cmp):
        return Any_((cond, Known(cond.fact, False)))
    if isinstance(cond, Known):
        return cond
    if isinstance(cond, All):
        return All(tuple(possibly(i) for i in cond.items))
    if isinstance(cond, Any_):
        return Any_(tuple(possibly(i) for i in cond.items))
    raise TypeError("possibly() needs a condition in negation normal form")


def possibly_over(cond: Cond, paths: frozenset[str]) -> Cond:
    """Like :func:`possibly`, but only tests of the facts in ``paths`` also pass while unknown.

    The rule still needs every other test to hold on known facts: "refused, and
    no reconsideration asked for (or we do not know)" fires for a refusal, never
    for a case where nothing is known. Tests of whether a fact is known are kept
    as written. ``cond`` must already be in negation normal form.
    """
    if isinstance(cond, Cmp):
        return Any_((cond, Known(cond.fact, False))) if cond.fact.path in paths else cond
    if isinstance(cond, Known):
        return cond
    if isinstance(cond, All):
        return All(tuple(possibly_over(i, paths) for i in cond.items))
    if isinstance(cond, Any_):
        return Any_(tuple(possibly_over(i, paths) for i in cond.items))
    raise TypeError("possibly_over() needs a condition in negation normal form")


def _is_exception(c: Cmp) -> bool:
    """A test that holds when something is absent: "is not", "is no", "does not include"."""
    return c.op == "ne" or (c.op == "eq" and c.value is False)


def compared_facts(cond: Cond, which: str = "all") -> frozenset[str]:
    """Facts a condition compares (not "is it known?"): ``which`` is ``all``, ``exception``
    (tested as absent: "is not", "is no", "does not include") or ``evidence`` (every other comparison)."""
    out: set[str] = set()
    stack: list[Cond] = [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, Cmp):
            if which == "all" or (which == "exception") == _is_exception(c):
                out.add(c.fact.path)
        elif isinstance(c, (All, Any_)):
            stack.extend(c.items)
        elif isinstance(c, Not):
            stack.append(c.item)
    return frozenset(out)


def exception_facts(cond: Cond) -> frozenset[str]:
    """Facts a condition tests only as exceptions ("not already appealed", "no breathing space").

    A need is raised by what is known about the problem; an exception is what
    would take it away. An unknown exception must not hide the need, so the
    compiler lets these tests pass while unknown (see ``RuleSet`` ``on_unknown``).
    ``cond`` must be in negation normal form; tests of whether a fact is known
    count neither way.
    """
    positive: set[str] = set()
    negative: set[str] = set()

    def walk(c: Cond) -> None:
        if isinstance(c, Cmp):
            (negative if _is_exception(c) else positive).add(c.fact.path)
        elif isinstance(c, (All, Any_)):
            for i in c.items:
                walk(i)
        elif isinstance(c, Not):
            raise TypeError("exception_facts() needs a condition in negation normal form")

    walk(cond)
    return frozenset(negative - positive)


def facts_of(cond: Cond) -> tuple[FactSpec, ...]:
    """The facts a condition reads, in first-use order, without repeats."""
    seen: dict[str, FactSpec] = {}

    def walk(c: Cond) -> None:
        if isinstance(c, (Cmp, Known)):
            seen.setdefault(c.fact.path, c.fact)
        elif isinstance(c, Not):
            walk(c.item)
        else:
            for i in c.items:
                walk(i)

    walk(cond)
    return tuple(seen.values())


def tested_unknown(cond: Cond) -> frozenset[str]:
    """Facts a condition tests as unknown ("decision date not known", ``{fact: X, unknown: true}``)."""
    if isinstance(cond, Known):
        return frozenset() if cond.known else frozenset((cond.fact.path,))
    if isinstance(cond, Not):
        return tested_unknown(cond.item)
    if isinstance(cond, Cmp):
        return frozenset()
    return frozenset().union(*(tested_unknown(i) for i in cond.items))


# ---------------------------------------------------------------- durable-rules JSON

_DURABLE_OPS = {"ne": "$neq", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}


def to_durable(cond: Cond) -> dict[str, Any]:
    """The durable-rules JSON expression for a condition in negation normal form."""
    if isinstance(cond, Cmp):
        if cond.op == "eq":
            return {cond.key: cond.value}
        return {_DURABLE_OPS[cond.op]: {cond.key: cond.value}}
    if isinstance(cond, Known):
        return {("$ex" if cond.known else "$nex"): {cond.fact.key: 1}}
    if isinstance(cond, (All, Any_)):
        parts = [to_durable(i) for i in cond.items]
        if len(parts) == 1:
            return parts[0]
        return {("$and" if isinstance(cond, All) else "$or"): parts}
    raise TypeError("to_durable() needs a condition in negation normal form")


# ---------------------------------------------------------------- Python (Kleene) evaluation

_MISSING = object()
Evaluator = Callable[[Flat], Kleene]

_PY_OPS: dict[Op, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "gt": lambda a, b: bool(a > b),
    "gte": lambda a, b: bool(a >= b),
    "lt": lambda a, b: bool(a < b),
    "lte": lambda a, b: bool(a <= b),
}


def interpret(cond: Cond, asking: bool = False) -> Evaluator:
    """A function giving True, False or None (unknown) for a flat fact mapping.

    The condition becomes a tree of small functions, one per node: the one
    Python evaluator of the condition language, checked against durable-rules
    (which does the matching) on every test case. ``all`` stops at the first
    False and ``any`` at the first True; an unknown item leaves the result
    unknown unless a later item decides it.

    With ``asking`` a test of whether a fact is known is itself unknown while
    the fact is missing: "is the decision date known?" is settled by asking
    for the date, which is how the question search uses it.
    """
    if isinstance(cond, Cmp):
        key, value, fn = cond.key, cond.value, _PY_OPS[cond.op]

        def leaf(flat: Flat) -> Kleene:
            got = flat.get(key, _MISSING)
            return None if got is _MISSING else fn(got, value)

        return leaf
    if isinstance(cond, Known):
        fkey, want = cond.fact.key, cond.known
        if asking:
            return lambda flat: want if fkey in flat else None
        return lambda flat: (fkey in flat) == want
    if isinstance(cond, Not):
        inner = interpret(cond.item, asking)

        def negated(flat: Flat) -> Kleene:
            r = inner(flat)
            return None if r is None else not r

        return negated
    parts = tuple(interpret(i, asking) for i in cond.items)
    if isinstance(cond, All):

        def conj(flat: Flat) -> Kleene:
            result: Kleene = True
            for p in parts:
                r = p(flat)
                if r is False:
                    return False
                if r is None:
                    result = None
            return result

        return conj

    def disj(flat: Flat) -> Kleene:
        result: Kleene = False
        for p in parts:
            r = p(flat)
            if r is True:
                return True
            if r is None:
                result = None
        return result

    return disj


def failing_leaves(cond: Cond, flat: Flat) -> list[Cond]:
    """The leaf tests that are not true for ``flat`` (for near-miss explanations)."""
    out: list[Cond] = []

    def walk(c: Cond) -> None:
        if isinstance(c, (Cmp, Known)):
            if interpret(c)(flat) is not True:
                out.append(c)
        elif isinstance(c, Not):
            walk(push_not(c))
        elif isinstance(c, All):
            for i in c.items:
                walk(i)
        elif interpret(c)(flat) is not True:
            # An `any` fails as a whole; report the branch closest to passing.
            branches: list[list[Cond]] = []
            for i in c.items:
                sub: list[Cond] = []
                branches.append(sub)
                out_len = len(out)
                walk(i)
                sub.extend(out[out_len:])
                del out[out_len:]
            best = branches[0]
            for b in branches[1:]:
                if len(b) < len(best):
                    best = b
            out.extend(best)

    walk(cond)
    return out


def describe(cond: Cond) -> str:
    """A plain-English rendering of a condition, for explanations and reports."""
    if isinstance(cond, Cmp):
        name = cond.fact.path
        if cond.fact.kind == "set":
            member = cond.key.rsplit("__", 1)[1]
            return f"{name} {'includes' if cond.value else 'does not include'} {member}"
        if cond.fact.kind == "date":
            words = {"gt": "more than", "gte": "at least", "lt": "less than", "lte": "at most"}
            days = int(cond.value)
            if cond.op in ("eq", "ne"):
                return f"{name} is {'' if cond.op == 'eq' else 'not '}{days} days from today"
            return f"{name} is {words[cond.op]} {days} days from today"
        sym = {"eq": "is", "ne": "is not", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
        value = {True: "yes", False: "no"}.get(cond.value, cond.value) if isinstance(cond.value, bool) else cond.value
        return f"{name} {sym[cond.op]} {value}"
    if isinstance(cond, Known):
        return f"{cond.fact.path} is {'known' if cond.known else 'unknown'}"
    if isinstance(cond, Not):
        return f"not ({describe(cond.item)})"
    joiner = " and " if isinstance(cond, All) else " or "
    return "(" + joiner.join(describe(i) for i in cond.items) + ")"
