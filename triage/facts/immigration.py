"""Immigration and asylum: NRPF, appeals, Article 3 medical cases, asylum support."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Section, Tri, fact

Status = Literal[
    "british_or_settled", "pre_settled", "leave_with_nrpf", "leave_with_recourse",
    "asylum_seeker", "refused_asylum_seeker", "undocumented", "other",
]  # fmt: skip
RefusalType = Literal["asylum", "human_rights", "eu_settlement", "other"]


class Immigration(Section):
    """Facts about immigration status and decisions."""

    status: Status | None = fact("What is the person's immigration status?")
    nrpf_condition: Tri = fact("Does the person's leave have a 'no recourse to public funds' condition?")
    destitute: Tri = fact("Is the person without money or a home to meet basic needs?")
    refusal_decision_date: Day = fact("What date was the Home Office refusal sent?")
    refusal_type: RefusalType | None = fact("What was refused?")
    in_uk_when_refused: Tri = fact("Was the person in the UK when the refusal was sent?")
    removal_threatened: Tri = fact("Has the Home Office said it will remove the person?")
    removal_date: Day = fact("When is the person due to be removed (the date on the removal directions or notice)?")
    in_detention: Tri = fact("Is the person held in immigration detention?")
    domestic_abuse_route: Tri = fact(
        "Is the person applying, or able to apply, to stay in the UK as a victim of domestic abuse?"
    )
    treatment_dependent_serious_illness: Tri = fact(
        "Does the person have a serious illness that depends on treatment here?"
    )
    asylum_support_refused: Tri = fact("Has asylum support been refused or stopped?")
    asylum_support_decision_date: Day = fact("When did the person receive the asylum support decision?")
    asylum_support_accommodation: Tri = fact(
        "Is the asylum support refused or stopped the person's accommodation (not only money)?"
    )
    nhs_charges_invoice: Tri = fact("Has the hospital sent a bill for NHS treatment as an overseas visitor?")
    treatment_withheld_for_payment: Tri = fact("Is treatment being withheld until the person pays?")
