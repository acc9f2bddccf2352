"""Community care: hospital discharge, Care Act assessments, carers, s.117 aftercare."""

from __future__ import annotations

from triage.facts.common import Day, Section, Tri, fact


class CommunityCare(Section):
    """Facts about care and support needs and the council's response."""

    safe_home_to_return_to: Tri = fact("Does the person have a safe home to go back to after hospital?")
    care_needs_unmet: Tri = fact("Does the person have care needs that are not being met?")
    assessment_refused: Tri = fact("Has the council refused or delayed a care needs assessment?")
    assessment_requested_date: Day = fact("When was the care needs assessment asked for?")
    carer_breakdown: Tri = fact("Is the person's carer (or the person as a carer) at breaking point?")
    carer_unavailable: Tri = fact(
        "Has the person's only carer suddenly become unable to care for them (ill, in hospital, died or left)?"
    )
    care_cut_without_review: Tri = fact(
        "Has the council cut the person's care package without a review or reassessment?"
    )
    harm_since_care_cut: Tri = fact("Has the person had falls or other harm since the care was cut?")
    carer_assessment_refused: Tri = fact("Has a carer's assessment been refused or not offered?")
    aftercare_refused_or_charged: Tri = fact("Has section 117 aftercare been refused, cut or charged for?")
