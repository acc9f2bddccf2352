"""Community care: hospital discharge, Care Act assessments, carers, s.117 aftercare,
Mental Health Act detention and the tribunal, adult safeguarding."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Section, Tri, fact

MhaSection = Literal["section_2", "section_3", "other"]
"""The Mental Health Act section the person is detained under now: section 2 (assessment, up to 28
days), section 3 (treatment, six months at first), or another (section 4, 5, 136, a court or
restriction order, a community treatment order), whose tribunal rights a solicitor checks."""

AbuseKind = Literal["financial", "physical", "neglect", "psychological", "sexual", "self_neglect", "other"]
"""Kinds of abuse or neglect named in the Care and support statutory guidance, chapter 14."""


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

    # Mental Health Act detention and the First-tier Tribunal (Mental Health), MHA 1983 s.66.
    detained_now: Tri = fact("Is the person detained in hospital under the Mental Health Act now (sectioned)?")
    mha_section: MhaSection | None = fact(
        "Which section of the Mental Health Act is the person detained under (2, 3 or another)?", may_not_know=True
    )
    section_start_date: Day = fact(
        "When did the section start (the day the person was admitted under it, or the day it was made if they "
        "were already in hospital)?"
    )
    tribunal_applied: Tri = fact(
        "Has the person (or a solicitor for them) already applied to the Mental Health Tribunal under this section?",
        may_not_know=True,
    )

    # Adult safeguarding, Care Act 2014 s.42.
    abuse_or_neglect: Tri = fact(
        "Is anyone abusing, neglecting or exploiting the person (including taking or controlling their money), "
        "or is there a risk of it?"
    )
    abuse_kinds: frozenset[AbuseKind] | None = fact("What kind of abuse or neglect is it?")
    abuse_danger_now: Tri = fact("Is the person in danger right now because of the abuse or neglect?")
    needs_care_and_support: Tri = fact(
        "Does the person need care or support (because of illness, disability, age or memory problems) that makes "
        "it hard for them to protect themselves?"
    )
    safeguarding_reported: Tri = fact(
        "Has the abuse or neglect been reported to the council's adult safeguarding team?", may_not_know=True
    )
