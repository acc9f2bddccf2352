"""``show_if``: when a section, page or question is shown, as a test of earlier answers.

Forms (``question`` names an earlier question by id)::

    {question: screen_areas, includes: housing}          # multiple: code chosen
    {question: housing_notice, is: yes}                  # one code
    {question: housing_tenure, in: [private_rented, lodger]}
    {question: person_children, gt: 0}                   # number: gt, ge, lt, le
    {question: housing_hearing_date, answered: true}     # any answer that is not unknown
    {all: [...]}  {any: [...]}  {not: {...}}

A question that is not shown, or not yet answered, matches nothing (so
``not`` of it is true). Codes are checked against the referenced question's
options at load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.questionnaire.model import UNKNOWN_ANSWERS

_NUMERIC = ("gt", "ge", "lt", "le")
_TESTS = ("is", "in", "includes", "answered", *_NUMERIC)


class ShowIfError(ValueError):
    """A malformed ``show_if``; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Test:
    question: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class NotC:
    part: Cond


Cond = Test | AllOf | AnyOf | NotC


def parse(raw: Any) -> Cond | None:
    """Parse a ``show_if`` value; ``None`` means always shown."""
    if raw is None:
        return None
    return _parse(raw)


def _parse(raw: Any) -> Cond:
    if not isinstance(raw, Mapping) or not raw:
        raise ShowIfError(f"expected a mapping, got {raw!r}")
    keys = set(raw)
    for combo, ctor in (("all", AllOf), ("any", AnyOf)):
        if combo in keys:
            if keys != {combo}:
                raise ShowIfError(f"'{combo}' cannot be combined with {sorted(keys - {combo})}")
            parts = raw[combo]
            if not isinstance(parts, list) or not parts:
                raise ShowIfError(f"'{combo}' needs a non-empty list")
            return ctor(tuple(_parse(p) for p in parts))
    if "not" in keys:
        if keys != {"not"}:
            raise ShowIfError("'not' cannot be combined with other keys")
        return NotC(_parse(raw["not"]))
    if "question" not in keys:
        raise ShowIfError(f"expected 'question', 'all', 'any' or 'not', got {sorted(keys)}")
    tests = keys - {"question"}
    if len(tests) != 1 or not tests <= set(_TESTS):
        raise ShowIfError(f"give exactly one test of {list(_TESTS)} with 'question', got {sorted(tests)}")
    op = tests.pop()
    value = raw[op]
    qid = raw["question"]
    if not isinstance(qid, str):
        raise ShowIfError(f"'question' must be a question id, got {qid!r}")
    if op == "in" and (not isinstance(value, list) or not value):
        raise ShowIfError("'in' needs a non-empty list of codes")
    if op in ("is", "includes") and not isinstance(value, str):
        raise ShowIfError(f"'{op}' needs one code, got {value!r}")
    if op == "answered" and not isinstance(value, bool):
        raise ShowIfError("'answered' needs true or false")
    if op in _NUMERIC and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ShowIfError(f"'{op}' needs a number, got {value!r}")
    return Test(qid, op, tuple(value) if op == "in" else value)


def tests_of(cond: Cond | None) -> list[Test]:
    if cond is None:
        return []
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, NotC):
        return tests_of(cond.part)
    return [t for p in cond.parts for t in tests_of(p)]


def evaluate(cond: Cond | None, answers: Mapping[str, Any]) -> bool:
    """True when shown. ``answers`` must hold only answers to questions that are shown."""
    if cond is None:
        return True
    if isinstance(cond, AllOf):
        return all(evaluate(p, answers) for p in cond.parts)
    if isinstance(cond, AnyOf):
        return any(evaluate(p, answers) for p in cond.parts)
    if isinstance(cond, NotC):
        return not evaluate(cond.part, answers)
    answer = answers.get(cond.question)
    if answer is None:
        return False
    op, value = cond.op, cond.value
    if op == "answered":
        known = (
            not (isinstance(answer, str) and answer in UNKNOWN_ANSWERS)
            and answer != []
            and not (isinstance(answer, list) and set(answer) <= set(UNKNOWN_ANSWERS))
        )
        return known is value
    if op == "is":
        return bool(answer == value)
    if op == "in":
        return answer in value
    if op == "includes":
        return isinstance(answer, list) and value in answer
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return False
    if op == "gt":
        return bool(answer > value)
    if op == "ge":
        return bool(answer >= value)
    if op == "lt":
        return bool(answer < value)
    return bool(answer <= value)
