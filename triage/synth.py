"""Synthetic, valid case facts for tests and benchmarks (no real people).

Cases mix random facts drawn from the fact catalogue with perturbed copies of
golden cases (facts dropped, dates shifted), so that many rules fire and
unknowns, passed deadlines and clusters all occur.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from triage.facts import FactsError, parse_facts
from triage.facts.catalog import FACTS, FactSpec


def _value(spec: FactSpec, rng: random.Random, as_of: date) -> Any:
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    if spec.kind == "set":
        return sorted(rng.sample(spec.choices, rng.randint(0, min(3, len(spec.choices)))))
    if spec.kind == "date":
        return (as_of + timedelta(days=rng.randint(-420, 120))).isoformat()
    if spec.kind == "int":
        return rng.randint(0, 90) if spec.name == "age" else rng.randint(0, 5)
    if spec.kind == "number":
        return round(rng.uniform(0, 4000), 2)
    if spec.name == "postcode_district":
        return rng.choice(["E1", "SE15", "N17", "SW9", "CR0", "E16"])
    if spec.name == "language":
        return rng.choice(["en", "bn", "so", "pl", "ur", "ar"])
    return "x"


def random_facts(rng: random.Random, as_of: date, density: float = 0.15) -> dict[str, Any]:
    """Random facts: a few sections, each with about ``density`` of its facts known."""
    sections = {s.section for s in FACTS.values()}
    chosen = set(rng.sample(sorted(sections), rng.randint(1, 4))) | {"person", "health"}
    out: dict[str, dict[str, Any]] = {}
    for spec in FACTS.values():
        if spec.section in chosen and rng.random() < density:
            out.setdefault(spec.section, {})[spec.name] = _value(spec, rng, as_of)
    return out


def perturb(facts: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A copy with some facts dropped (unknown) and dates moved by up to a few weeks."""
    out: dict[str, Any] = {}
    for section, values in facts.items():
        if not isinstance(values, dict):
            out[section] = values
            continue
        new = {}
        for name, value in values.items():
            if rng.random() < 0.15:
                continue
            if isinstance(value, date) or (isinstance(value, str) and len(value) == 10
                                           and value[4] == "-" and value[7] == "-"):  # fmt: skip
                day = value if isinstance(value, date) else date.fromisoformat(value)
                value = (day + timedelta(days=rng.randint(-30, 30))).isoformat()
            new[name] = value
        out[section] = new
    return out


def make_valid(data: dict[str, Any]) -> dict[str, Any]:
    """Drop the fields validation complains about until the facts are valid."""
    for _ in range(20):
        try:
            parse_facts(data)
            return data
        except FactsError as exc:
            for path, _reason in exc.problems:
                section, _, name = path.partition(".")
                if name and isinstance(data.get(section), dict):
                    data[section].pop(name.split(".")[0], None)
                else:
                    data.pop(section, None)
    return {}


def generate(n: int, seed: int, as_of: date, seeds: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``n`` valid fact mappings; half perturbed from ``seeds`` (e.g. golden cases) if given."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        data = perturb(rng.choice(seeds), rng) if seeds and i % 2 == 0 else random_facts(rng, as_of)
        data = make_valid(data)
        data["case_ref"] = f"synthetic-{seed}-{i}"
        cases.append(data)
    return cases
