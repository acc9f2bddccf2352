"""Welfare benefits: PIP, Universal Credit work capability, sanctions, migration."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Pounds, Section, Tri, fact, not_before

PipStage = Literal[
    "not_claimed", "claim_in_progress", "pip2_due", "awaiting_decision", "refused",
    "award_too_low", "award_reduced", "review_due", "awarded",
]  # fmt: skip
WcaStage = Literal["uc50_due", "assessment_due", "awaiting_decision", "found_fit_for_work", "lcw", "lcwra"]
CarerIssue = Literal["not_claimed", "refused", "stopped", "overpayment"]
ChallengeBenefit = Literal[
    "pip", "work_capability", "sanction", "overpayment", "carers_allowance", "housing_benefit",
    "other",
]  # fmt: skip


class Benefits(Section):
    """Facts about benefit claims, decisions and challenges."""

    pip_stage: PipStage | None = fact("Where is the person's PIP claim up to?")
    pip2_sent_date: Day = fact("When did DWP send the PIP 'How your disability affects you' form?")
    pip2_due_date: Day = fact("When must the PIP 'How your disability affects you' form go back?")
    pip_decision_date: Day = fact("What date is on the PIP decision letter?")
    challenge_benefit: ChallengeBenefit | None = fact(
        "Which benefit decision is the reconsideration, appeal or hearing about?"
    )
    mr_requested: Tri = fact("Has the person asked for a mandatory reconsideration?", may_not_know=True)
    mr_notice_date: Day = fact("What date is on the mandatory reconsideration notice?")
    appeal_lodged: Tri = fact("Has the person lodged an appeal with the tribunal?", may_not_know=True)
    tribunal_hearing_date: Day = fact("When is the benefit tribunal hearing?")
    upper_tribunal: Tri = fact("Does the case involve an appeal to the Upper Tribunal?")
    ftt_permission_refused_date: Day = fact(
        "When did the First-tier Tribunal send its refusal of permission to appeal to the Upper Tribunal?"
    )
    uc_claimant: Tri = fact("Does the person claim Universal Credit?")
    wca_stage: WcaStage | None = fact("Where is the work capability assessment up to?")
    uc50_due_date: Day = fact("When must the UC50 questionnaire go back?")
    wca_decision_date: Day = fact("What date is on the work capability decision letter?")
    lcwra_before_6_april_2026: Tri = fact(
        "Did the person's Universal Credit include the health element (LCWRA) before 6 April 2026?"
    )
    sanctioned: Tri = fact("Has the person's Universal Credit been sanctioned (cut)?")
    sanction_decision_date: Day = fact("What date is on the sanction decision?")
    hardship_payment: Tri = fact("Is the person getting a hardship payment?")
    migration_notice: Tri = fact("Has the person had a letter telling them to move to Universal Credit?")
    migration_notice_date: Day = fact("What date is on the move-to-Universal-Credit letter?")
    migration_deadline_day: Day = fact(
        "What deadline day does the move-to-Universal-Credit letter give to claim (or the later day, if DWP moved it)?"
    )
    housing_costs_shortfall: Tri = fact("Does Housing Benefit or the UC housing element fall short of the rent?")
    hb_decision_date: Day = fact("What date is on the Housing Benefit decision being challenged?")
    overpayment_recovery: Tri = fact("Is an overpayment of benefit being taken back?")
    overpayment_decision_date: Day = fact("What date is on the overpayment decision?")
    overpayment_amount: Pounds = fact("How much is the overpayment said to be?")
    carer_issue: CarerIssue | None = fact("What is the problem with Carer's Allowance?")
    carer_decision_date: Day = fact("What date is on the Carer's Allowance decision?")
    no_income_now: Tri = fact("Is the person left with no money for food or bills?")
    special_rules_claimed: Tri = fact(
        "Has a claim been made, or a change reported, under the special rules for end of life (with an SR1 form)?",
        may_not_know=True,
    )
    dla_pip_invitation: Tri = fact("Has DWP written to say the person's DLA is ending and inviting them to claim PIP?")
    dla_pip_invitation_date: Day = fact("What date is on the letter inviting the person to claim PIP?")
    pip_claimed_after_invitation: Tri = fact(
        "Has the person phoned DWP to claim PIP since the letter came?", may_not_know=True
    )
    uc_refused_right_to_reside: Tri = fact(
        "Has Universal Credit been refused because DWP says the person has no right to reside?"
    )
    uc_refusal_date: Day = fact("What date is on the Universal Credit refusal?")
    lcwra_disputed: Tri = fact(
        "Does the person think they should have been found to have limited capability for work-related activity"
        " (the health element), not only limited capability for work?"
    )

    _pip2_due = not_before("pip2_due_date", "pip2_sent_date")
    _migration_deadline = not_before("migration_deadline_day", "migration_notice_date")
    _appeal_hearing = not_before("tribunal_hearing_date", "mr_notice_date")
