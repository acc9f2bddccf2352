"""Directory entries in the store: save by id, read back as :class:`AgencyEntry`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, select

from triage.routing.directory import AgencyEntry
from triage.store.models import Agency, Organisation
from triage.store.types import utcnow


def entry_of(row: Any) -> AgencyEntry:
    """An :class:`AgencyEntry` from a stored ``Agency`` row."""
    data = {name: getattr(row, name) for name in AgencyEntry.model_fields}
    return AgencyEntry.model_validate(data)


def save(session: Session, entries: Sequence[AgencyEntry]) -> tuple[int, int]:
    """Insert or update agencies (and their organisations) by id; returns (added, updated)."""
    added = updated = 0
    for e in entries:
        row = session.get(Agency, e.id)
        fields = e.model_dump()
        if row is None:
            org = Organisation(name=e.name, kind=e.kind)
            session.add(org)
            session.flush()
            session.add(Agency(organisation_id=org.id, updated_at=utcnow(), **fields))
            added += 1
        else:
            for k, v in fields.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
            org_row = session.get(Organisation, row.organisation_id)
            if org_row is not None:
                org_row.name, org_row.kind = e.name, e.kind
            updated += 1
    session.flush()
    return added, updated


def all_entries(session: Session) -> list[AgencyEntry]:
    return [entry_of(a) for a in session.exec(select(Agency).order_by(Agency.id)).all()]


def is_empty(session: Session) -> bool:
    return session.exec(select(Agency.id).limit(1)).first() is None
