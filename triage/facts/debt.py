"""Debt: priority arrears, council tax, enforcement agents, energy, other debts."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Pounds, Section, Tri, fact, not_before

PriorityDebt = Literal[
    "rent", "mortgage", "energy", "water", "council_tax", "magistrates_fine", "tv_licence",
    "child_maintenance", "hmrc", "hire_purchase",
]  # fmt: skip
CouncilTaxStage = Literal[
    "arrears", "reminder", "final_notice", "summons", "liability_order", "enforcement_agents",
    "committal",
]  # fmt: skip


class Debt(Section):
    """Facts about money owed and action being taken to collect it."""

    priority_debts: frozenset[PriorityDebt] | None = fact("Which priority bills is the person behind on?")
    home_court_action: Tri = fact(
        "Has a court case started that could lose the person their home over this debt "
        "(possession claim, order for sale or bankruptcy petition)?"
    )
    non_priority_debts: Tri = fact("Does the person owe money on cards, loans, catalogues or BNPL?")
    total_debt: Pounds = fact("Roughly how much does the person owe altogether?")
    council_tax_stage: CouncilTaxStage | None = fact("How far has the council tax debt gone?")
    council_tax_hearing_date: Day = fact("When is the council tax liability order hearing?")
    enforcement_notice_date: Day = fact("What date is on the bailiffs' notice of enforcement?")
    enforcement_visit: Tri = fact("Have bailiffs visited or said they will visit?")
    county_court_claim: Tri = fact("Has the person received a county court claim form about a debt?")
    claim_form_posted_date: Day = fact(
        "What date was the county court claim form posted (the date of issue, when the court posted it)?"
    )
    claim_form_served_date: Day = fact("When was the county court claim form received?")
    order_for_sale: Tri = fact(
        "Has a creditor asked the court to order the sale of the person's home (after a charging order)?"
    )
    bankruptcy_petition: Tri = fact("Has a creditor presented a bankruptcy petition against the person?")
    dro_considered: Tri = fact("Is the person thinking of a debt relief order, or has one been suggested?")
    ccj: Tri = fact("Is there a county court judgment against the person?")
    mental_health_affects_debt: Tri = fact("Is the person's mental health affecting how they deal with debts?")
    mental_health_crisis_treatment: Tri = fact("Is the person receiving mental health crisis treatment?")
    energy_disconnection_threat: Tri = fact(
        "Has the energy supplier threatened disconnection or a forced prepayment meter?"
    )
    self_disconnecting: Tri = fact("Is the person going without gas or electricity on a prepayment meter?")
    support_in_home: Tri = fact(
        "Does someone living with the person support them at home (a partner, relative or live-in carer)?"
    )
    cannot_afford_essentials: Tri = fact("Is the person unable to afford food, heating or rent?")
    creditor_pause_needed: Tri = fact(
        "Does the person need creditors to stop chasing while they get debt advice (calls, letters, bailiffs or"
        " court action they cannot cope with)?"
    )
    breathing_space_last_12_months: Tri = fact(
        "Has the person had a standard debt Breathing Space in the last 12 months?", may_not_know=True
    )

    _claim_received = not_before("claim_form_served_date", "claim_form_posted_date")
