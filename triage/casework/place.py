"""A case's place for the record and for the duty-to-refer notice: one place decides both.

The place itself is ``triage.routing.place``'s (ONS Postcode Directory). What a
case keeps of it in its audit record is the outcome (status, authority code,
whether the postcode was found) and the data release that decided it, never
the postcode itself.
"""

from __future__ import annotations

from typing import Any

from triage.facts import CaseFacts
from triage.routing.place import Place, place_of


def audit_detail(place: Place) -> dict[str, Any]:
    """What an assessment's audit record keeps about where the person lives."""
    return {
        "status": place.status,
        "authority_code": place.authority_code,
        "postcode_status": place.postcode_status,
        "postcode_data": place.data_release,
    }


def case_place(facts: dict[str, Any]) -> Place:
    """The place of a stored case's facts (an erased case has none: unknown)."""
    return place_of(CaseFacts.model_validate(facts).person)
