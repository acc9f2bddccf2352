"""Domestic abuse and family: protection, child arrangements, child protection."""

from __future__ import annotations

from triage.facts.common import Day, Section, Tri, fact


class Family(Section):
    """Facts about domestic abuse and disputes or proceedings about children."""

    domestic_abuse: Tri = fact("Is someone close to the person hurting, threatening or controlling them?")
    safe_now: Tri = fact("Is the person safe right now?")
    abuser_has_access: Tri = fact("Does the abuser live with the person or know where they live?")
    children_at_risk: Tri = fact("Are any children at risk of harm?")
    abuse_evidence: Tri = fact(
        "Does the person have evidence of the abuse for legal aid (for example a letter from a "
        "doctor, nurse or midwife, a police caution, a court order or a refuge letter)?"
    )
    child_arrangements_dispute: Tri = fact("Is there a dispute about where children live or who they see?")
    child_arrangements_application: Tri = fact(
        "Has either parent applied to the family court about where the children live or who they see?"
    )
    family_court_hearing_date: Day = fact("When is the family court hearing?")
    children_services_involved: Tri = fact("Are children's services involved with the family?")
    pre_proceedings_letter: Tri = fact("Has children's services sent a letter before proceedings?")
    care_proceedings: Tri = fact("Have care proceedings started?")
    child_protection_conference_date: Day = fact("When is the child protection conference?")
