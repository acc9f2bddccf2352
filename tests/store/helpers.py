"""Synthetic cases for store tests (obviously fictional people)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from triage.casework.cases import PersonDetails, create_case
from triage.engine.engine import Engine
from triage.paths import rules_dir
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import Agency
from triage.store.views import CaseView

AS_OF = date(2026, 11, 23)


def org_of(db: Database, agency_id: str) -> str:
    """The organisation an agency belongs to (consent names it as the recipient)."""
    with db.transaction() as s:
        agency = s.get(Agency, agency_id)
        assert agency is not None
        return agency.organisation_id


def example_facts(name: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(rules_dir() / "examples" / f"{name}.yaml").read_text())
    facts: dict[str, Any] = data["facts"]
    return facts


def make_case(
    db: Database,
    who: Actor,
    engine: Engine,
    example: str = "pip-refused",
    person: PersonDetails | None = None,
    **person_overrides: Any,
) -> CaseView:
    facts = example_facts(example)
    if person_overrides:
        facts = {**facts, "person": {**facts.get("person", {}), **person_overrides}}
    person = person or PersonDetails(
        name="Testy McFictional",
        date_of_birth=date(1970, 1, 1),
        phone="07700 900001",
        email="testy@fictional.example",
        address="1 Nowhere Lane, Imaginary Town",
        safe_contact=["phone", "email"],
    )
    return create_case(db, who, facts, AS_OF, engine, person=person)
