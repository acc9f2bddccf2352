"""Education: special educational needs and disability (SEND), exclusions."""

from __future__ import annotations

from typing import Literal

from triage.facts.common import Day, Section, Tri, fact, not_before

SendIssue = Literal[
    "assessment_refused", "plan_refused", "plan_content", "placement", "plan_not_delivered",
    "plan_ceased",
]  # fmt: skip
ExclusionType = Literal["suspension", "permanent"]


class Education(Section):
    """Facts about a child's schooling."""

    ehc_plan: Tri = fact("Does the child have an education, health and care (EHC) plan?")
    send_issue: SendIssue | None = fact("What is the problem with the child's special educational needs support?")
    send_decision_date: Day = fact("What date is on the council's EHC decision letter?")
    mediation_certificate_date: Day = fact("What date is on the mediation certificate?")
    exclusion_type: ExclusionType | None = fact("Has the child been suspended or permanently excluded?")
    exclusion_date: Day = fact("When was the child excluded?")
    governors_decision_date: Day = fact("When were the family told the governors' decision upholding the exclusion?")

    _certificate_after_decision = not_before("mediation_certificate_date", "send_decision_date")
    _governors_after_exclusion = not_before("governors_decision_date", "exclusion_date")
