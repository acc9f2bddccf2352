"""Synthetic, valid case facts for tests, benchmarks and audits (no real people).

Two generators:

* :func:`generate_corpus`: a realistic caseload shaped by
  ``rules/synth/distributions.yaml``. Each problem a case brings is built from
  the rules themselves: a random satisfying assignment (a *witness*) of one of
  the issue's need rules, found by ``triage.audit.logic``. The first cases
  take the taxonomy's issues in turn, so any corpus of at least that many
  cases covers every issue that has a need rule; then edge cases are applied
  (unknown answers, passed deadlines, clusters of problems, escalations,
  letters, screened-out areas, contradictory answers). Case ``i`` of seed ``s`` is the same whatever ``n`` is.
* :func:`generate`: random facts from the fact catalogue mixed with perturbed
  golden cases; the engine benchmark's long-standing workload.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triage.facts import FactsError, parse_facts
from triage.facts.catalog import FACTS, FactSpec

# ---------------------------------------------------------------- the distributions file


class _S(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactDist(_S):
    """How one background fact is drawn."""

    p_known: float = Field(ge=0, le=1)
    p_yes: float | None = Field(default=None, ge=0, le=1)
    choice: dict[str, float] | None = None
    range: tuple[float, float] | None = None
    days: tuple[int, int] | None = None
    members: dict[str, float] | None = None
    text: list[str] | None = None

    @model_validator(mode="after")
    def _one(self) -> FactDist:
        given = [k for k in ("p_yes", "choice", "range", "days", "members", "text") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of p_yes, choice, range, days, members, text")
        return self


class EdgeCases(_S):
    unknown_rate: float = Field(ge=0, le=1)
    passed_deadline: float = Field(ge=0, le=1)
    escalation: float = Field(ge=0, le=1)
    letter: float = Field(ge=0, le=1)
    screened_out: float = Field(ge=0, le=1)
    contradiction: float = Field(ge=0, le=1)


class Dates(_S):
    usual: tuple[int, int]
    passed: tuple[int, int]


class Distributions(_S):
    version: int
    as_of: date
    mix: dict[str, float]
    problems_per_case: dict[int, float]
    areas: dict[str, float]
    edge_cases: EdgeCases
    dates: Dates
    background: dict[str, FactDist]

    @model_validator(mode="after")
    def _check(self) -> Distributions:
        unknown_mix = set(self.mix) - {"scenario", "golden_perturbed", "no_problem", "random"}
        if unknown_mix:
            raise ValueError(f"mix: unknown kinds {sorted(unknown_mix)}")
        for path, dist in self.background.items():
            spec = FACTS.get(path)
            if spec is None:
                raise ValueError(f"background: no case fact called {path!r}")
            wanted = {
                "bool": "p_yes",
                "choice": "choice",
                "int": "range",
                "number": "range",
                "date": "days",
                "set": "members",
                "text": "text",
            }[spec.kind]
            if getattr(dist, wanted) is None:
                raise ValueError(f"background.{path}: a {spec.kind} fact needs `{wanted}`")
            for value in [*(dist.choice or {}), *(dist.members or {})]:
                if value not in spec.choices:
                    raise ValueError(f"background.{path}: {value!r} is not one of {', '.join(spec.choices)}")
        return self


class DistributionsError(ValueError):
    """A distributions file that does not validate (file, line, problem)."""


def default_distributions_path() -> Path:
    from triage.paths import rules_dir

    return rules_dir() / "synth" / "distributions.yaml"


def load_distributions(path: Path | None = None) -> Distributions:
    from triage.rulesets.yaml_lines import YamlFileError, line_at, load_yaml

    path = path or default_distributions_path()
    try:
        data = load_yaml(path)
        return Distributions.model_validate(data)
    except YamlFileError as exc:
        raise DistributionsError(str(exc)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(map(str, loc))
        raise DistributionsError(
            f"{path}:{line_at(data, loc)}: {where}: {err['msg'].removeprefix('Value error, ')}"
        ) from None


# ---------------------------------------------------------------- rule witnesses


@dataclass
class _RuleTerms:
    rule_id: str
    terms: list[Any]


@dataclass
class CorpusGenerator:
    """Builds cases from a rule set and distributions; see :func:`generate_corpus`."""

    ruleset: Any  # triage.rulesets.loader.RuleSet
    dist: Distributions
    as_of: date
    golden: list[dict[str, Any]] = field(default_factory=list)
    _needs: dict[str, list[_RuleTerms]] = field(default_factory=dict)
    _escalations: list[tuple[Any, _RuleTerms]] = field(default_factory=list)
    _letters: dict[str, list[_RuleTerms]] = field(default_factory=dict)
    _contradictions: list[_RuleTerms] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from triage.audit.logic import TooComplex, dnf, effective

        for rule in self.ruleset.rules:
            if not rule.in_force(self.as_of):
                continue
            try:
                # Witnesses come from the plain condition: the case should make
                # the rule fire on what it says, not merely for lack of answers.
                terms = dnf(rule.condition) or dnf(effective(rule))
            except TooComplex:
                continue
            if not terms:
                continue
            rt = _RuleTerms(rule.id, terms)
            t = rule.then
            if t.need:
                self._needs.setdefault(t.need.issue, []).append(rt)
            elif t.escalate:
                self._escalations.append((t.escalate.applies_to, rt))
            elif t.letter:
                self._letters.setdefault(t.letter.issue, []).append(rt)
            else:
                self._contradictions.append(rt)
        self.issues = [i for i in self.ruleset.taxonomy.issues if i in self._needs]
        self.uncovered = [i for i in self.ruleset.taxonomy.issues if i not in self._needs]

    # ------------------------------------------------------------ helpers

    def _weighted(self, rng: random.Random, weights: dict[Any, float]) -> Any:
        keys = list(weights)
        return rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def _date(self, days: int) -> str:
        return (self.as_of + timedelta(days=days)).isoformat()

    def _witness(self, rng: random.Random, rt: _RuleTerms, passed: bool) -> dict[str, Any]:
        from triage.audit.logic import solve

        span = self.dist.dates.passed if passed else self.dist.dates.usual
        model = solve(
            rng.choice(rt.terms), rng, {"date": span, "int": (0, 6), "number": (0, 6)}, self.as_of.toordinal()
        )
        assert model is not None  # terms from dnf() are satisfiable
        out: dict[str, Any] = {}
        for path, value in model.items():
            spec = FACTS[path]
            if value is None:
                out[path] = None
            elif spec.kind == "date":
                out[path] = self._date(int(value))
            elif spec.kind == "set":
                out[path] = sorted(m for m, present in value.items() if present)
            elif spec.kind == "int":
                out[path] = int(value)
            else:
                out[path] = value
        return out

    def _background(self, rng: random.Random) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path, d in self.dist.background.items():
            if rng.random() >= d.p_known:
                continue
            if d.p_yes is not None:
                out[path] = rng.random() < d.p_yes
            elif d.choice is not None:
                out[path] = self._weighted(rng, d.choice)
            elif d.range is not None:
                lo, hi = d.range
                integral = FACTS[path].kind == "int"
                out[path] = rng.randint(int(lo), int(hi)) if integral else round(rng.uniform(lo, hi), 2)
            elif d.days is not None:
                out[path] = self._date(rng.randint(*d.days))
            elif d.members is not None:
                out[path] = sorted(m for m, p in d.members.items() if rng.random() < p)
            elif d.text:
                out[path] = rng.choice(d.text)
        return out

    def _pick_issues(self, rng: random.Random, i: int) -> list[str]:
        k = int(self._weighted(rng, self.dist.problems_per_case))
        chosen: list[str] = []
        if i < len(self.issues):
            chosen.append(self.issues[i])  # the first cases cover every issue in turn
        areas = {a: w for a, w in self.dist.areas.items()
                 if any(x.startswith(a + ".") for x in self.issues)}  # fmt: skip
        while len(chosen) < k and areas:
            area = self._weighted(rng, areas)
            options = [x for x in self.issues if x.startswith(area + ".") and x not in chosen]
            if not options:
                del areas[area]
                continue
            chosen.append(rng.choice(options))
        return chosen

    # ------------------------------------------------------------ one case

    def case(self, seed: int, i: int) -> dict[str, Any]:
        """Case ``i`` for ``seed``: ``{"case_ref", "as_of", "facts", "tags"}``."""
        rng = random.Random(f"triage-synth-{seed}-{i}")
        kind = "scenario" if i < len(self.issues) else self._weighted(rng, self.dist.mix)
        tags: list[str] = []
        facts: dict[str, Any]
        if kind == "golden_perturbed" and self.golden:
            facts = perturb(rng.choice(self.golden), rng)
        elif kind == "random":
            facts = random_facts(rng, self.as_of)
        elif kind == "no_problem":
            flat = {**self._background(rng)}
            for area in rng.sample(sorted(self.dist.areas), rng.randint(1, 4)):
                flat[f"{area}.concern"] = False
            facts = _nest(flat)
        else:
            kind = "scenario"
            facts, tags = self._scenario(rng, i)
        facts = make_valid(facts)
        ref = f"synth-{seed}-{i:06d}"
        facts["case_ref"] = ref
        return {"case_ref": ref, "as_of": self.as_of.isoformat(), "facts": facts, "tags": [kind, *tags]}

    def _scenario(self, rng: random.Random, i: int) -> tuple[dict[str, Any], list[str]]:
        edge = self.dist.edge_cases
        flat = self._background(rng)
        forced_unknown: set[str] = set()
        issues = self._pick_issues(rng, i)
        passed = rng.random() < edge.passed_deadline
        tags = [f"issue:{x}" for x in issues]
        if len(issues) > 1:
            tags.append("cluster")
        if passed:
            tags.append("passed_deadline")
        problem: dict[str, Any] = {}

        def merge(w: dict[str, Any]) -> None:
            for path, value in w.items():
                if value is None:
                    forced_unknown.add(path)
                elif path not in problem and path not in forced_unknown:
                    problem[path] = value

        for issue in issues:
            merge(self._witness(rng, rng.choice(self._needs[issue]), passed))
            if self._letters.get(issue) and rng.random() < edge.letter:
                merge(self._witness(rng, rng.choice(self._letters[issue]), passed))
                tags.append("letter")
        if rng.random() < edge.escalation:
            options = [rt for applies, rt in self._escalations if any(applies.matches(x) for x in issues)]
            if options:
                merge(self._witness(rng, rng.choice(options), passed))
                tags.append("escalation")
        if self._contradictions and rng.random() < edge.contradiction:
            # Inconsistent answers, as people give them: facts some contradiction rule flags.
            merge(self._witness(rng, rng.choice(self._contradictions), passed))
            tags.append("contradiction")
        # The first round (one case per issue) keeps every answer, so each issue surely shows.
        unknown_rate = 0.0 if i < len(self.issues) else edge.unknown_rate
        dropped = [p for p in problem if rng.random() < unknown_rate]
        for path in dropped:
            del problem[path]
        if dropped:
            tags.append("unknowns")
        for path in forced_unknown:
            flat.pop(path, None)
        flat.update(problem)
        sections = {p.split(".")[0] for p in problem}
        for section in sections - {"person", "health"}:
            flat.setdefault(f"{section}.concern", True)
        if rng.random() < edge.screened_out:
            quiet = sorted(set(self.dist.areas) - sections)
            if quiet:
                flat[f"{rng.choice(quiet)}.concern"] = False
                tags.append("screened_out")
        return _nest(flat), tags


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for path, value in flat.items():
        section, name = path.split(".", 1)
        out.setdefault(section, {})[name] = value
    return dict(out)


def generate_corpus(
    n: int,
    seed: int,
    ruleset: Any = None,
    as_of: date | None = None,
    distributions: Distributions | None = None,
    golden: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``n`` synthetic cases (see the module docstring), each ``{case_ref, as_of, facts, tags}``."""
    return list(iter_corpus(n, seed, ruleset, as_of, distributions, golden))


def corpus_generator(
    ruleset: Any = None,
    as_of: date | None = None,
    distributions: Distributions | None = None,
    golden: list[dict[str, Any]] | None = None,
) -> CorpusGenerator:
    from triage.audit.golden import load_golden
    from triage.rulesets.loader import load_ruleset

    ruleset = ruleset or load_ruleset()
    dist = distributions or load_distributions()
    if golden is None:
        golden = [c.facts for c in load_golden(ruleset.root)]
    return CorpusGenerator(ruleset, dist, as_of or dist.as_of, golden)


def iter_corpus(
    n: int,
    seed: int,
    ruleset: Any = None,
    as_of: date | None = None,
    distributions: Distributions | None = None,
    golden: list[dict[str, Any]] | None = None,
) -> Any:
    gen = corpus_generator(ruleset, as_of, distributions, golden)
    for i in range(n):
        yield gen.case(seed, i)


# ---------------------------------------------------------------- catalogue noise


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
