"""The condition reasoning behind lint and the corpus generator, checked against the evaluator."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from triage.audit.logic import dnf, effective, implies, leaf_true, leaves, not_true, satisfiable, solve
from triage.engine.engine import Engine
from triage.facts.catalog import FACTS
from triage.rulesets.conditions import Cond, interpret, parse, push_not


def cond(raw: dict[str, Any]) -> Cond:
    return push_not(parse(raw))


@pytest.mark.parametrize(
    "raw",
    [
        {"all": [{"fact": "housing.arrears_months", "lt": 3}, {"fact": "housing.arrears_months", "gt": 5}]},
        {"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.tenure", "equals": "lodger"}]},
        {"all": [{"fact": "health.conditions", "contains": "respiratory"},
                 {"not": {"fact": "health.conditions", "contains": "respiratory"}}]},
        {"all": [{"fact": "housing.hearing_date", "known": True}, {"fact": "housing.hearing_date", "unknown": True}]},
        {"all": [{"fact": "housing.tenure", "equals": "council"}, {"fact": "housing.tenure", "unknown": True}]},
        {"all": [{"fact": "housing.locked_out", "equals": True}, {"fact": "housing.locked_out", "equals": False}]},
        {"fact": "housing.hearing_date", "days_from_as_of": {"gt": 3, "lt": 4}},  # no whole day between
        {"all": [{"fact": "person.age", "gte": 18}, {"fact": "person.age", "lte": 18},
                 {"fact": "person.age", "not_equals": 18}]},
    ],
)
def test_contradictions_are_unsatisfiable(raw: dict[str, Any]) -> None:
    assert satisfiable(cond(raw)) is False


@pytest.mark.parametrize(
    "raw",
    [
        {"all": [{"fact": "housing.arrears_months", "gt": 3}, {"fact": "housing.arrears_months", "lt": 3.5}]},
        {"any": [{"all": [{"fact": "housing.tenure", "equals": "council"},
                          {"fact": "housing.tenure", "equals": "lodger"}]},
                 {"fact": "housing.locked_out", "equals": True}]},
        {"fact": "housing.hearing_date", "days_from_as_of": {"gte": 3, "lte": 3}},
        {"all": [{"fact": "person.age", "gte": 18}, {"fact": "person.age", "lte": 19},
                 {"fact": "person.age", "not_equals": 18}]},
    ],
)
def test_satisfiable_conditions_are_found(raw: dict[str, Any]) -> None:
    assert satisfiable(cond(raw)) is True


def test_a_fixed_day_test_is_counted_from_the_assessment_day_only_when_one_is_given() -> None:
    """The assessment day is free in a satisfiability check: a notice date within the last 30
    days and before 1 May 2026 is possible (assessed in May 2026), but not on 23 November 2026."""
    both = cond({"all": [{"fact": "housing.notice_date", "days_from_as_of": {"gte": -30, "lte": 0}},
                         {"fact": "housing.notice_date", "before": date(2026, 5, 1)}]})  # fmt: skip
    assert satisfiable(both) is True
    assert solve(tuple(leaves(both)), as_of=AS_OF_DAY) is None
    model = solve(tuple(leaves(both)), as_of=date(2026, 5, 10).toordinal())
    assert model is not None and -30 <= model["housing.notice_date"] <= -10
    # Fixed-day tests contradicting each other are caught without a day, as is an unknown date.
    clash = cond({"all": [{"fact": "housing.notice_date", "before": date(2026, 5, 1)},
                          {"fact": "housing.notice_date", "on_or_after": date(2026, 5, 1)}]})  # fmt: skip
    assert satisfiable(clash) is False
    lost = cond({"all": [{"fact": "housing.notice_date", "unknown": True},
                         {"fact": "housing.notice_date", "before": date(2026, 5, 1)}]})  # fmt: skip
    assert satisfiable(lost) is False


AS_OF_DAY = date(2026, 11, 23).toordinal()


def _flat_from_model(model: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {"__case": 1, "__as_of": AS_OF_DAY}
    for path, value in model.items():
        spec = FACTS[path]
        if value is None:
            continue
        if spec.kind == "set":
            flat[spec.key] = sum(value.values())
            for choice in spec.choices:
                flat[f"{spec.key}__{choice}"] = bool(value.get(choice, False))
        else:
            flat[spec.key] = value
            if spec.kind == "date":
                flat[spec.key + "__day"] = value + AS_OF_DAY  # as flatten writes it
    return flat


def test_every_witness_of_every_shipped_rule_makes_it_true(engine: Engine) -> None:
    """Each satisfiable DNF term, solved, gives a case on which the rule's condition is True."""
    rng = random.Random(5)
    checked = 0
    for rule in engine.ruleset.rules:
        for term in dnf(effective(rule)):
            for r in (None, rng):
                model = solve(term, r, as_of=AS_OF_DAY)
                assert model is not None
                flat = _flat_from_model(model)
                result = interpret(effective(rule))(flat)
                assert result is True, (rule.id, term, model)
                checked += 1
    assert checked > len(engine.ruleset.rules)


def test_not_true_is_the_complement_of_true(engine: Engine) -> None:
    """On random flat cases, `not_true(c)` holds exactly when `c` is not True."""
    rng = random.Random(9)
    rules = [r for r in engine.ruleset.rules][:80]
    for rule in rules:
        c = effective(rule)
        nt = interpret(not_true(c))
        ev = interpret(c)
        for term in dnf(c)[:3]:
            base = _flat_from_model(solve(term, rng) or {})
            for _ in range(6):
                flat = dict(base)
                for leaf in leaves(c):  # make some facts unknown (a list fact with all its members)
                    if rng.random() < 0.3:
                        for key in [k for k in flat if k == leaf.fact.key or k.startswith(leaf.fact.key + "__")]:
                            del flat[key]
                assert (nt(flat) is True) == (ev(flat) is not True)


def test_implies_agrees_with_evaluation() -> None:
    specific = cond({"all": [{"fact": "housing.tenure", "equals": "private_rented"},
                             {"fact": "housing.arrears_months", "gte": 3}]})
    general = cond({"all": [{"fact": "housing.tenure", "in": ["private_rented", "council"]},
                            {"fact": "housing.arrears_months", "gt": 1}]})
    assert implies(specific, general) is True
    assert implies(general, specific) is False
    # "unknown" is not "no": `not x == council` is not implied by x being unknown
    assert implies(cond({"fact": "housing.tenure", "unknown": True}),
                   cond({"not": {"fact": "housing.tenure", "equals": "council"}})) is False


def test_leaf_true_treats_unknown_as_not_true() -> None:
    (leaf,) = list(leaves(cond({"fact": "housing.arrears_months", "gte": 2})))
    assert leaf_true(leaf, {"housing__arrears_months": 2.0})
    assert not leaf_true(leaf, {"housing__arrears_months": 1.0})
    assert not leaf_true(leaf, {})
