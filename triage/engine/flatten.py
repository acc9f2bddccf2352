"""Case facts to the flat mapping both engines match on.

Unknown facts are left out (durable-rules never matches a missing field,
which is exactly three-valued "unknown"). Dates become whole days from
``as_of`` (negative = in the past), so one compiled rule set serves every day,
and beside that the day itself (``<key>__day``, its ordinal) for tests against
a fixed day in the law.
A list fact becomes one yes/no key per possible value, plus a count.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from triage.facts import SECTIONS, CaseFacts
from triage.facts.catalog import FACTS
from triage.rulesets.conditions import DAY_SUFFIX

_PLAN: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    section: {spec.name: (spec.key, spec.kind, spec.choices) for spec in FACTS.values() if spec.section == section}
    for section in SECTIONS
}

CASE_MARK = "__case"
AS_OF = "__as_of"


def flatten(facts: CaseFacts, as_of: date) -> dict[str, Any]:
    """The flat engine mapping for ``facts`` on the day ``as_of``."""
    today = as_of.toordinal()
    out: dict[str, Any] = {CASE_MARK: 1, AS_OF: today}
    for section, fields in _PLAN.items():
        model = getattr(facts, section)
        # Only fields given in the input can be known; the rest default to unknown.
        given = model.model_fields_set
        if not given:
            continue
        values = model.__dict__
        for name in given:
            key, kind, choices = fields[name]
            value = values[name]
            if value is None:
                continue
            if kind == "date":
                day = value.toordinal()
                out[key] = day - today
                out[key + DAY_SUFFIX] = day
            elif kind == "set":
                out[key] = len(value)
                for choice in choices:
                    out[f"{key}__{choice}"] = choice in value
            else:
                out[key] = value
    return out


def fact_value(facts: CaseFacts, path: str) -> Any:
    """A fact's value for display: ISO dates, sorted lists, ``"unknown"`` when unknown."""
    section, name = path.split(".", 1)
    value = getattr(getattr(facts, section), name)
    if value is None:
        return "unknown"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(value)
    return value
