"""Housing: possession, homelessness, disrepair, allocation, illegal eviction."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from triage.facts.common import Count, Day, Section, Tri, fact, not_before, zero_or_a_hundredth

Tenure = Literal[
    "private_rented", "council", "housing_association", "owner_mortgage", "owner_outright",
    "temporary_accommodation", "lodger", "supported", "no_fixed_abode", "other",
]  # fmt: skip
NoticeType = Literal["section_8_form_3a", "section_21", "notice_seeking_possession", "notice_to_quit", "other"]
Ground = Literal[
    "ground_1", "ground_1a", "ground_7a", "ground_8", "ground_10", "ground_11", "ground_14", "asb", "other",
]  # fmt: skip


class Housing(Section):
    """Facts about the person's home and any threat to it."""

    tenure: Tenure | None = fact("What kind of home does the person have?", may_not_know=True)
    notice_received: Tri = fact("Has the landlord or lender given a written notice to leave?")
    notice_type: NoticeType | None = fact("What kind of notice was it?", may_not_know=True)
    notice_date: Day = fact("When was the notice given?")
    notice_expiry_date: Day = fact("What date does the notice say the person must leave by?")
    possession_grounds: frozenset[Ground] | None = fact("Which possession grounds does it use?", may_not_know=True)
    possession_claim_issued: Tri = fact("Has the landlord or lender started a court claim?", may_not_know=True)
    claim_issue_date: Day = fact("When was the court claim issued?")
    hearing_date: Day = fact("When is the possession hearing?")
    possession_order_made: Tri = fact("Has the court made a possession order?")
    possession_order_date: Day = fact("When was the possession order made?")
    eviction_date: Day = fact("What date have the bailiffs given for the eviction?")
    rent_arrears: Tri = fact("Does the person owe rent?")
    arrears_months: (
        Annotated[float, Field(ge=0, le=240, allow_inf_nan=False), AfterValidator(zero_or_a_hundredth)] | None
    ) = fact("How many months' rent does the person owe?")
    breathing_space: Tri = fact("Is the person in a debt Breathing Space?")
    homeless_tonight: Tri = fact("Does the person have nowhere safe to stay tonight?")
    sofa_surfing: Tri = fact("Is the person staying with friends or family temporarily?")
    asked_to_leave: Tri = fact("Has the person been asked to leave where they are staying?")
    stay_end_date: Day = fact(
        "When must the person leave where they are staying (friends, family or anyone else letting them stay)?"
    )
    in_refuge: Tri = fact("Is the person staying in a refuge for people escaping domestic abuse?")
    leaving_institution: Tri = fact("Is the person leaving hospital, prison or care with no home?")
    homelessness_decision_date: Day = fact(
        "When did the council send a decision on a homeless application the person disagrees with?"
    )
    homelessness_review_decision_date: Day = fact(
        "When did the council send its review decision on the homeless application?"
    )
    disrepair: Tri = fact("Does the home need repairs the landlord has not done?")
    damp_mould: Tri = fact("Is there damp or mould in the home?")
    no_heating_or_hot_water: Tri = fact("Is the home without heating or hot water?")
    emergency_hazard: Tri = fact(
        "Is there an immediate danger in the home (gas or electrical danger, collapse, flooding)?"
    )
    repair_reported: Tri = fact("Has the problem been reported to the landlord?")
    repair_reported_date: Day = fact("When was the problem first reported to the landlord?")
    home_unsuitable_for_health: Tri = fact(
        "Is the home unsuitable for the person's health (stairs, access, overcrowding)?"
    )
    on_housing_register: Tri = fact("Is the person on the council's housing register?")
    overcrowded: Tri = fact("Is the home overcrowded?")
    adaptations_needed: Tri = fact(
        "Does the person need adaptations to the home (rails, ramp, stairlift, level shower)?"
    )
    locked_out: Tri = fact("Has the landlord changed the locks or stopped the person getting in?")
    harassment_by_landlord: Tri = fact("Is the landlord harassing or threatening the person?")
    utilities_cut_by_landlord: Tri = fact("Has the landlord cut off gas, electricity or water?")
    mortgage_arrears: Tri = fact("Is the person behind on mortgage or secured loan payments?")
    notice_in_writing: Tri = fact("Was the notice to leave given in writing?")
    notice_given_days: Count = fact("How many days' notice to leave was the person given?", may_not_know=True)
    shares_with_resident_landlord: Tri = fact(
        "Does the person share a kitchen, bathroom or living room with the landlord (or the landlord's family),"
        " who live there too?",
        may_not_know=True,
    )
    public_sector_hostel: Tri = fact(
        "Is it a hostel (rooms that are not self-contained) run by the council, a housing association or a"
        " housing charity?",
        may_not_know=True,
    )
    notice_served_during_breathing_space: Tri = fact(
        "Was the notice served while the person was in a debt Breathing Space?", may_not_know=True
    )
    homelessness_review_requested: Tri = fact(
        "Has the person already asked the council to review its homelessness decision?", may_not_know=True
    )
    landlord_investigated: Tri = fact("Has the landlord inspected or investigated the problem since it was reported?")
    serious_risk_to_health: Tri = fact(
        "Is the disrepair causing a serious risk of harm to the health or safety of anyone at home?"
    )
    medical_priority_refused: Tri = fact(
        "Has the council refused (or not decided) a request for medical priority to move?"
    )
    dfg_application_date: Day = fact("When did the person apply for a Disabled Facilities Grant?")
    dfg_decided: Tri = fact("Has the council decided the Disabled Facilities Grant application?")
    warrant_requested: Tri = fact(
        "Has the landlord or lender asked the court for bailiffs (a warrant of possession), even with no eviction"
        " date yet?"
    )
    ta_unsuitable: Tri = fact(
        "Is the accommodation the council has offered or placed the person in unsuitable (for their health or"
        " disability, its size or condition, or its distance from school, work or care)?"
    )
    ta_main_duty: Tri = fact(
        "Has the council accepted the main housing duty (the decision letter says section 193 or 'main duty'),"
        " rather than placing the person while it decides?",
        may_not_know=True,
    )
    ta_decision_date: Day = fact(
        "When did the council tell the person about the offer, or its decision that the accommodation is suitable?"
    )
    ta_review_requested: Tri = fact(
        "Has the person already asked the council to review whether the accommodation is suitable?",
        may_not_know=True,
    )

    _notice_expiry = not_before("notice_expiry_date", "notice_date")
    _hearing = not_before("hearing_date", "claim_issue_date")
    _order = not_before("possession_order_date", "claim_issue_date")
    _eviction = not_before("eviction_date", "possession_order_date")
    _review = not_before("homelessness_review_decision_date", "homelessness_decision_date")
