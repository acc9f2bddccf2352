"""Request examples for the OpenAPI document. Every person here is fictional."""

from __future__ import annotations

from typing import Any

DISCHARGE_FACTS: dict[str, Any] = {
    "case_ref": "demo-discharge-1",
    "person": {"age": 61, "borough": "newham", "language": "en", "safe_contact": "phone"},
    "health": {"setting": "discharge", "admission_date": "2026-11-10", "discharge_date": "2026-11-27",
               "care_needs_on_discharge": True},
    "housing": {"concern": True, "tenure": "no_fixed_abode", "homeless_tonight": True},
}  # fmt: skip

PIP_FACTS: dict[str, Any] = {
    "benefits": {"concern": True, "pip_stage": "refused", "pip_decision_date": "2026-11-03", "mr_requested": False},
}

DISCHARGE_LETTER: dict[str, Any] = {
    "person": {"name": "Testperson Example-Fictional", "date_of_birth": "1965-04-01",
               "address": ["No fixed address"], "phone": "07700 900123"},
    "safe_contact": {"method": "phone"},
    "referrer": {"name": "Alex Sample", "role": "Discharge coordinator",
                 "organisation": "Fictional General Hospital NHS Trust", "phone": "020 7946 0001"},
    "housing_authority": {"organisation": "Example Borough Council Housing Options",
                          "email": "dutytorefer@example.org"},
    "consent": {"duty_to_refer": {"given": True, "date": "2026-11-23", "taken_by": "Alex Sample",
                                  "recipient": "Example Borough Council Housing Options",
                                  "share_contact_details": True, "authority_chosen_by_person": True}},
    "hospital": {"ward": "Ward 7"},
    "referral_reason": "Homeless: no fixed address and nowhere safe to go on discharge.",
}  # fmt: skip

CASE_EXAMPLES: list[dict[str, Any]] = [
    {
        "as_of": "2026-11-23",
        "facts": DISCHARGE_FACTS,
        "person": {"name": "Testperson Example-Fictional", "date_of_birth": "1965-04-01", "phone": "07700 900123",
                   "safe_contact": ["phone"]},
        "letter": DISCHARGE_LETTER,
    },
    {"as_of": "2026-11-23", "facts": PIP_FACTS},
]  # fmt: skip

ASSESSMENT_EXAMPLES: list[dict[str, Any]] = [
    {"as_of": "2026-11-23", "facts": PIP_FACTS},
    {"as_of": "2026-11-23", "facts": DISCHARGE_FACTS},
]

REFERRAL_EXAMPLES: list[dict[str, Any]] = [
    {"issue": "housing.homelessness", "consent": {"given_by": "the person (Testperson Example-Fictional)",
                                                  "feedback_agreed": True}},
    {"need_id": "0f0e0d0c0b0a09080706050403020100", "agency_id": "demo-east-law-centre",
     "consent": {"given_by": "the person"}, "send": False},
]  # fmt: skip

OUTCOME_EXAMPLES: list[dict[str, Any]] = [
    {"outcome": "resolved", "first_contact_on": "2026-11-25", "home_kept": True, "eviction_prevented": True},
]
