"""Three synthetic people, as questionnaire answers (question id -> answer code).

Used by the flow, terminal and browser tests so all three ask the same
questions and must reach the same assessment. Entirely fictional.
"""

from __future__ import annotations

from datetime import date
from typing import Any

AS_OF = date(2026, 11, 23)

_PERSON_DEFAULTS: dict[str, Any] = {
    "person_interpreter": "no",
    "person_digital_access": "full",
    "person_literacy": "no",
    "person_age": 40,
    "person_borough": "hackney",
    "person_conditions": ["none"],
    "person_circumstances": ["disability"],
    "person_children": 0,
    "person_passported_benefit": "no",
    "person_monthly_income": 1200,
    "person_self_help_tried": "no",
    "consent_refer": "yes",
    "consent_share_health": "yes",
}
# Asked when housing is ticked: whether the council's housing team may be told.
_HOUSING_CONSENT: dict[str, Any] = {"consent_notify_housing": "yes", "consent_housing_authority_chosen": "yes"}

# (a) PIP refused 20 days ago, no reconsideration yet; behind on council tax and energy.
PIP_WITH_DEBT: dict[str, Any] = {
    "setting": "gp_practice",
    "screen_areas": ["benefits", "debt"],
    "benefits_uc_claimant": "no",
    "benefits_problems": ["pip"],
    "benefits_pip_stage": "refused",
    "benefits_pip_decision_date": "2026-11-03",
    "benefits_mr_requested": "no",
    "debt_priority": ["energy", "council_tax"],
    "debt_council_tax_stage": "final_notice",
    "debt_energy_disconnection": "yes",
    "debt_self_disconnecting": "no",
    "debt_support_in_home": "yes",
    "debt_non_priority": "yes",
    "debt_county_court_claim": "no",
    "debt_ccj": "no",
    "debt_home_court_action": "no",
    "debt_order_for_sale": "no",
    "debt_bankruptcy_petition": "no",
    "debt_total": 2500,
    "debt_dro_considered": "no",
    "debt_enforcement_visit": "no",
    "debt_mental_health_affects": "yes",
    "debt_crisis_treatment": "dont_know",
    "debt_in_breathing_space": "no",
    "debt_creditor_pause_needed": "no",
    "debt_breathing_space_last_12_months": "no",
    **_PERSON_DEFAULTS,
    "person_age": 52,
    "person_conditions": ["mental_health", "mobility"],
}

# (b) Private tenant, mould reported weeks ago and not inspected; a child with asthma.
MOULD_CHILD_ASTHMA: dict[str, Any] = {
    "setting": "gp_practice",
    "screen_areas": ["housing"],
    "housing_tenure": "private_rented",
    "housing_problems": ["repairs"],
    "housing_damp_mould": "yes",
    "housing_no_heating": "no",
    "housing_emergency_hazard": "no",
    "housing_serious_risk": "yes",
    "housing_repair_reported": "yes",
    "housing_repair_reported_date": "2026-09-28",
    "housing_landlord_investigated": "no",
    **_PERSON_DEFAULTS,
    **_HOUSING_CONSENT,
    "person_borough": "newham",
    "person_circumstances": ["carer"],
    "person_children": 2,
    "person_child_conditions": ["respiratory"],
}

# (c) Possession hearing in a week; needs a Somali interpreter, no internet, finds forms hard.
EVICTION_INTERPRETER: dict[str, Any] = {
    "setting": "gp_practice",
    "screen_areas": ["housing"],
    "housing_tenure": "housing_association",
    "housing_problems": ["court", "rent_arrears"],
    "housing_breathing_space": "no",
    "housing_claim_issue_date": "2026-10-19",
    "housing_hearing_date": "2026-11-30",
    "housing_order_made": "no",
    "housing_arrears_months": 2.5,
    **_PERSON_DEFAULTS,
    **_HOUSING_CONSENT,
    "person_interpreter": "yes",
    "person_language": "so",
    "person_digital_access": "none",
    "person_literacy": "yes",
    "person_age": 45,
    "person_borough": "tower_hamlets",
    "person_circumstances": [],
    "person_passported_benefit": "yes",
    "person_monthly_income": "prefer_not_to_say",
}
EVICTION_INTERPRETER["person_circumstances"] = ["carer"]

# (d) Domestic abuse, children at home, a child arrangements dispute: the branch whose page
# names must never reach browser history. Not one of PERSONAS (the browser walks those).
DOMESTIC_ABUSE: dict[str, Any] = {
    "setting": "gp_practice",
    "screen_areas": ["family"],
    "family_domestic_abuse": "yes",
    "family_safe_now": "no",
    "family_abuser_has_access": "yes",
    "family_children_at_risk": "dont_know",
    "family_safe_contact": "via_referrer",
    "family_abuse_evidence": "yes",
    "family_arrangements_dispute": "yes",
    "family_children_services": "no",
    "family_arrangements_application": "no",
    "family_court_hearing_date": "2026-12-14",
    # Family ticked opens the adult safeguarding questions (Care Act s.42): abuse, no care needs.
    "safeguarding_abuse_or_neglect": "yes",
    "safeguarding_abuse_kinds": ["physical", "psychological"],
    "safeguarding_danger_now": "no",
    "safeguarding_needs_care": "no",
    "safeguarding_reported": "no",
    **_PERSON_DEFAULTS,
    "person_children": 1,
    "person_child_conditions": ["none"],
    "person_circumstances": ["carer"],
}

PERSONAS: dict[str, dict[str, Any]] = {
    "pip_with_debt": PIP_WITH_DEBT,
    "mould_child_asthma": MOULD_CHILD_ASTHMA,
    "eviction_interpreter": EVICTION_INTERPRETER,
}

# (e) Three problems at once: a housing association possession claim with a hearing next week,
# PIP refused 20 days ago and council tax arrears at final notice. The link worker's whole
# journey in the browser (issue 18) starts from it. Not one of PERSONAS.
THREE_PROBLEMS: dict[str, Any] = {
    **PIP_WITH_DEBT,
    **{k: v for k, v in EVICTION_INTERPRETER.items() if k.startswith("housing_")},
    **_HOUSING_CONSENT,
    "screen_areas": ["housing", "benefits", "debt"],
    "debt_priority": ["council_tax"],
    "debt_non_priority": "no",
    "person_borough": "hackney",
}
