"""Retention: closed cases quiet for the period are listed by a dry run, then erased; open or
recent ones are kept. Audit records hold ids and codes, never the person's details."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import text, update
from sqlmodel import col

from tests.store.conftest import actor
from tests.store.helpers import AS_OF
from triage.casework import referrals, retention
from triage.casework.cases import PersonDetails, create_case
from triage.casework.consent import record_consent
from triage.casework.referrals import OutcomeInput
from triage.engine.engine import Engine
from triage.store.db import Database
from triage.store.models import Agency, Case, Referral

LINK = "linkworker@demo.example"
NOW = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # the cases are made now (the store dates rows itself)
LONG_AGO = NOW - dt.timedelta(days=800)
PIP = {"person": {"borough": "hackney"},
       "benefits": {"pip_stage": "refused", "pip_decision_date": "2026-11-03", "mr_requested": False}}  # fmt: skip


def _case(db: Database, engine: Engine, name: str) -> str:
    return create_case(
        db, actor(db, LINK), PIP, AS_OF, engine, person=PersonDetails(name=name, phone="07700 900555")
    ).id


def _referred(db: Database, engine: Engine, name: str, close: bool) -> str:
    lw = actor(db, LINK)
    case_id = _case(db, engine, name)
    ref = referrals.route_case(db, lw, case_id)[0].referral
    assert ref is not None
    with db.transaction() as s:
        agency = s.get(Agency, ref.agency_id)
        assert agency is not None
        org = agency.organisation_id
    record_consent(db, lw, case_id, "referral", "the person", recipient_org_id=org)
    referrals.send_referral(db, lw, ref.id)
    if close:
        adviser = type(lw)(user_id=None, organisation_id=org, role="adviser")
        referrals.accept_referral(db, adviser, ref.id)
        referrals.close_referral(db, adviser, ref.id, OutcomeInput(outcome="resolved", notes="rang back twice"))
    return case_id


def _age(db: Database, case_id: str) -> None:
    with db.transaction() as s:
        s.execute(update(Case).where(col(Case.id) == case_id).values(updated_at=LONG_AGO))
        s.execute(update(Referral).where(col(Referral.case_id) == case_id).values(updated_at=LONG_AGO))


def test_a_dry_run_lists_quiet_closed_cases_and_apply_erases_only_those(db: Database, engine: Engine) -> None:
    closed = _referred(db, engine, "Fictional Closed-Person", close=True)
    still_open = _referred(db, engine, "Fictional Open-Person", close=False)
    never_referred = _case(db, engine, "Fictional Quiet-Person")
    recent = _case(db, engine, "Fictional Recent-Person")
    for case_id in (closed, still_open, never_referred):
        _age(db, case_id)
    dry = retention.report(db, 730, NOW)
    assert sorted(c.case_id for c in dry.due) == sorted([closed, never_referred])
    assert all(c.quiet_days == 800 for c in dry.due)
    assert "Fictional" not in json.dumps(dry.model_dump(mode="json"))  # the report names no one
    with db.engine.connect() as conn:  # a dry run changes nothing
        assert conn.execute(text("SELECT count(*) FROM cases WHERE erased_at IS NOT NULL")).scalar_one() == 0
    done = retention.apply(db, 730, NOW)
    assert done.erased == 2
    with db.engine.connect() as conn:
        names = dict(conn.execute(text("SELECT id, person_name FROM cases")).all())
    assert names[closed] is None and names[never_referred] is None
    assert names[still_open] == "Fictional Open-Person" and names[recent] == "Fictional Recent-Person"
    assert retention.report(db, 730, NOW).due == []  # erased cases are not listed again
    assert retention.report(db, 900, NOW).due == []  # a longer period keeps them all


def test_audit_records_hold_no_personal_data(db: Database, engine: Engine) -> None:
    _referred(db, engine, "Fictional Audited-Person", close=True)
    with db.engine.connect() as conn:
        rows = [json.dumps([str(v) for v in r]) for r in conn.execute(text("SELECT * FROM audit_log"))]
    assert len(rows) > 5
    for marker in ("Fictional Audited-Person", "07700 900555", "rang back twice", "the person"):
        assert not any(marker in r for r in rows), marker
