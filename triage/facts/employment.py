"""Employment: ill-health dismissal, reasonable adjustments, pay and sick pay."""

from __future__ import annotations

from triage.facts.common import Day, Section, Tri, fact, not_before


class Employment(Section):
    """Facts about the person's work and any dispute with the employer."""

    employed: Tri = fact("Is the person in paid work (or were they until recently)?")
    dismissed: Tri = fact("Has the person been dismissed or forced to resign?")
    dismissal_date: Day = fact("What was the last day of employment?")
    dismissal_related_to_health: Tri = fact("Was the dismissal or discipline linked to ill health?")
    capability_process: Tri = fact("Is the employer running a sickness, capability or disciplinary process?")
    adjustments_requested: Tri = fact("Has the person asked the employer for changes because of their health?")
    adjustments_refused_date: Day = fact("When did the employer refuse the changes?")
    ssp_refused: Tri = fact("Has the employer refused Statutory Sick Pay?")
    wages_unpaid: Tri = fact("Is the employer withholding wages or holiday pay?")
    pay_problem_date: Day = fact("When should the missing pay have been paid?")
    acas_ec_start_date: Day = fact("When did ACAS early conciliation start?")
    acas_certificate_date: Day = fact("What date is on the ACAS early conciliation certificate?")
    tribunal_claim_lodged: Tri = fact("Has an employment tribunal claim been lodged?", may_not_know=True)

    _acas = not_before("acas_certificate_date", "acas_ec_start_date")
