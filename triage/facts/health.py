"""The health context in which the problem was raised."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from triage.facts.common import Day, Tri, fact

Setting = Literal[
    "gp_practice", "hospital_ward", "emergency_department", "urgent_treatment_centre", "discharge", "community",
    "mental_health", "mental_health_inpatient",
]  # fmt: skip
SETTINGS: tuple[str, ...] = Setting.__args__  # type: ignore[attr-defined]
DUTY_TO_REFER_SETTINGS: frozenset[str] = frozenset(
    {"hospital_ward", "emergency_department", "urgent_treatment_centre", "discharge", "mental_health_inpatient"}
)
"""Settings run by an NHS trust service under the s.213B duty to refer: emergency departments, urgent
treatment centres and in-patient treatment of any kind, psychiatric included (Homelessness (Review
Procedure etc.) Regulations 2018, SI 2018/223, reg 10 and Schedule para 12). A GP practice, a community
service and a community mental health team are not specified: they may refer, but voluntarily. A
``mental_health`` setting with a hospital admission date is in-patient care too (see
:func:`under_duty_to_refer`)."""


def under_duty_to_refer(setting: str | None, admission_date: date | None) -> bool | None:
    """Whether the setting is a specified public authority for s.213B; None while the setting is unknown.

    Mirrors the rule ``housing.homelessness.duty_to_refer`` (rules/england/rules/housing.yaml)."""
    if setting is None:
        return None
    return setting in DUTY_TO_REFER_SETTINGS or (setting == "mental_health" and admission_date is not None)


Condition = Literal[
    "respiratory", "mental_health", "mobility", "cardiovascular", "cancer", "diabetes",
    "learning_disability", "dementia", "substance_use", "long_covid", "hiv", "multiple_sclerosis",
    "pregnancy", "other",
]  # fmt: skip

CONDITIONS: tuple[str, ...] = Condition.__args__  # type: ignore[attr-defined]


class Health(BaseModel):
    """Where the person was seen and what health conditions matter to the problem."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    setting: Setting | None = fact(
        "Where is the person being seen (GP practice, hospital ward, emergency department, urgent treatment "
        "centre, discharge, community, mental health service, psychiatric ward)?"
    )
    conditions: frozenset[Condition] | None = fact(
        "Which health conditions does the person have that relate to the problem?"
    )
    child_conditions: frozenset[Condition] | None = fact("Which health conditions do children in the household have?")
    condition_worsened_by_problem: Tri = fact("Is the problem making the person's health worse?")
    admission_date: Day = fact("When was the person admitted to hospital?")
    discharge_date: Day = fact("When is the person due to leave hospital?")
    care_needs_on_discharge: Tri = fact("Will the person need care or support after discharge?")
    detained_mental_health_act: Tri = fact(
        "Has the person been detained under section 3 (or 37) of the Mental Health Act?"
    )

    @field_validator("discharge_date")
    @classmethod
    def _discharge_after_admission(cls, d: date | None, info: ValidationInfo) -> date | None:
        a = info.data.get("admission_date")
        if a is not None and d is not None and d < a:
            raise ValueError(f"is before admission_date ({a.isoformat()})")
        return d
