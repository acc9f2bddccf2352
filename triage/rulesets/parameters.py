"""Legal parameters: dated, sourced amounts and periods that rules refer to by name.

A parameter is one legal figure (the civil legal aid gross income limit, the
time left after an ACAS certificate) kept once, in
``parameters/*.yaml``, with every value it has had, the day each took effect
and the law that set it, the way OpenFisca keeps parameters::

    parameters:
      - name: legal_aid.gross_monthly_income_limit
        description: Gross monthly income above which a person is not eligible
        unit: GBP_per_month
        values:
          - from: 2013-04-01
            value: 2657
            source: {title: "...", url: "https://...", kind: regulation}

A rule condition names it instead of copying the number::

    {fact: person.gross_monthly_income, lte: {param: legal_aid.gross_monthly_income_limit}}

The loader resolves each reference once, for the rule's effective window: the
value in force on the rule's ``effective_from``. A value that changes inside
the window is an error, so a change in the law is recorded by splitting the
rule by date, exactly as for any other change, and a rule's compiled
condition never depends on the assessment day in a hidden way.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from triage.rulesets.model import Duration, Sources, Strict, _as_list
from triage.rulesets.yaml_lines import LineDict

ParamName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", max_length=120)]
Unit = Literal["GBP", "GBP_per_month", "count", "period"]

# The key that marks a reference in a rule condition: ``{param: NAME}``.
REF_KEY = "param"


Value = int | float | Duration


class ParameterValue(Strict):
    """One value of a parameter, in force from ``from`` until the next value's ``from``."""

    from_: date = Field(alias="from")
    value: Value
    source: Sources
    note: str | None = None

    _source_list = field_validator("source", mode="before")(_as_list)

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError("expected a number or a period, not yes/no")
        return v


class Parameter(Strict):
    """A named legal figure with every dated value it has had."""

    name: ParamName
    description: Annotated[str, Field(min_length=10)]
    unit: Unit
    values: Annotated[list[ParameterValue], Field(min_length=1)]
    note: str | None = None
    file: str = ""
    line: int = 0

    @model_validator(mode="after")
    def _check_values(self) -> Parameter:
        for i, v in enumerate(self.values):
            is_period = isinstance(v.value, Duration)
            if is_period != (self.unit == "period"):
                want = "a period such as {months: 1}" if self.unit == "period" else "a number"
                raise ValueError(f"values.{i}.value: unit is {self.unit}, so the value must be {want}")
        froms = [v.from_ for v in self.values]
        for a, b in itertools.pairwise(froms):
            if b <= a:
                raise ValueError(f"values must be in date order, each from a later day ({b} after {a})")
        return self

    def value_on(self, on: date) -> Value | None:
        """The value in force on ``on``; None before the first value."""
        found: Value | None = None
        for v in self.values:
            if v.from_ > on:
                break
            found = v.value
        return found

    def changes_within(self, start: date, end: date | None) -> list[ParameterValue]:
        """Values that take effect after ``start`` and before ``end`` (exclusive; None: open)."""
        return [v for v in self.values if start < v.from_ and (end is None or v.from_ < end)]


class ParameterFile(Strict):
    parameters: list[dict[str, Any]]


@dataclass(frozen=True)
class Resolution:
    """A reference that could not be resolved: where it is and why."""

    line: int
    message: str


def window_problem(param: Parameter, start: date, end: date | None, what: str = "rule") -> str | None:
    """Why ``param`` cannot be fixed for the window [start, end), or None when it can."""
    if param.value_on(start) is None:
        return (
            f"parameter {param.name} has no value on {start} (the {what}'s effective_from);"
            f" its first value is from {param.values[0].from_}"
        )
    changes = param.changes_within(start, end)
    if changes:
        first = changes[0]
        before = param.value_on(first.from_ - timedelta(days=1))
        window = f"{start} to {end}" if end else f"from {start}, open-ended"
        return (
            f"parameter {param.name} changes on {first.from_} (from {before} to"
            f" {first.value}), inside this {what}'s effective window ({window}):"
            f" split the {what} at {first.from_}"
        )
    return None


def resolve_refs(
    raw: Any,
    params: Mapping[str, Parameter],
    start: date,
    end: date | None,
    where: str = "when",
    used: dict[str, Value] | None = None,
) -> tuple[Any, list[Resolution]]:
    """``raw`` with every ``{param: NAME}`` replaced by the number in force on ``start``.

    Positions (:class:`LineDict` lines) are kept so later errors still point
    at the right line. ``used`` collects the parameters resolved, by name.
    """
    problems: list[Resolution] = []
    parent_line = getattr(raw, "line", 0)

    def walk(node: Any, path: str, line: int) -> Any:
        if isinstance(node, Mapping):
            here = getattr(node, "line", line)
            if REF_KEY in node:
                return ref(node, path, here)
            out = LineDict()
            out.line = here
            for k, v in node.items():
                out[k] = walk(v, f"{path}.{k}", here)
            return out
        if isinstance(node, list):
            return [walk(v, f"{path}[{i}]", line) for i, v in enumerate(node)]
        return node

    def ref(node: Mapping[str, Any], path: str, line: int) -> Any:
        extra = sorted(str(k) for k in node if k != REF_KEY)
        name = node[REF_KEY]
        if extra:
            problems.append(Resolution(line, f"{path}: write {{param: NAME}} alone (also got {', '.join(extra)})"))
            return node
        param = params.get(name) if isinstance(name, str) else None
        if param is None:
            problems.append(Resolution(line, f"{path}: no parameter called {name!r} (see parameters/*.yaml)"))
            return node
        why = window_problem(param, start, end)
        if why is not None:
            problems.append(Resolution(line, f"{path}: {why}"))
            return node
        value = param.value_on(start)
        if isinstance(value, Duration):
            problems.append(Resolution(line, f"{path}: parameter {name} is a period ({value}), not a number"))
            return node
        if used is not None:
            used[name] = value  # type: ignore[assignment]
        return value

    return walk(raw, where, parent_line), problems
