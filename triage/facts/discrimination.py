"""Discrimination under the Equality Act 2010."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Section, Tri, fact

Context = Literal["work", "services", "housing", "education", "public_body"]
Characteristic = Literal[
    "age", "gender_reassignment", "marriage_civil_partnership", "pregnancy_maternity", "race",
    "religion_belief", "sex", "sexual_orientation",
]  # fmt: skip


class Discrimination(Section):
    """Facts about unfair treatment because of a protected characteristic."""

    disability_discrimination: Tri = fact("Has the person been treated unfairly because of a disability?")
    other_discrimination: Tri = fact(
        "Has the person been treated unfairly because of race, sex, age, religion or another protected characteristic?"
    )
    characteristic: Characteristic | None = fact("Which protected characteristic?")
    context: Context | None = fact("Where did it happen (work, services, housing, education, public body)?")
    act_date: Day = fact("When did the unfair treatment happen (the last time)?")
