"""Redress: ombudsman complaints, criminal injuries compensation, clinical negligence."""

from __future__ import annotations

from triage.facts.common import Day, Section, Tri, fact


class Redress(Section):
    """Facts about putting right harm done by a public body, a crime or medical treatment."""

    complaint_unresolved: Tri = fact(
        "Has the person complained to a council, a care provider or the NHS and is still unhappy with the answer,"
        " or had none?"
    )
    complaint_matter_date: Day = fact("When did the person first know about what they are complaining about?")
    crime_injury: Tri = fact("Was the person injured by a violent crime (including sexual or domestic abuse)?")
    crime_incident_date: Day = fact("When did the crime happen (the last incident, if it went on over time)?")
    cica_applied: Tri = fact(
        "Has the person applied to the Criminal Injuries Compensation Authority?", may_not_know=True
    )
    clinical_harm: Tri = fact(
        "Was the person harmed by medical treatment (NHS or private) that may have gone wrong, or a diagnosis"
        " that was missed?"
    )
    clinical_treatment_date: Day = fact("When was the treatment (or missed diagnosis) that caused the harm?")
