"""``triage rules outcomes`` over real referrals: sent, declined with codes, accepted and
closed through the store, on SQLite and PostgreSQL (issue 6 item 8)."""

from __future__ import annotations

from sqlmodel import select

from tests.store.conftest import actor
from tests.store.helpers import make_case, org_of
from triage.audit.outcomes import outcomes
from triage.casework import referrals
from triage.casework.consent import record_consent
from triage.casework.referrals import OutcomeInput
from triage.engine.engine import Engine
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import AuditEntry, Need, NeedRule

LINK = "linkworker@demo.example"


def _send(db: Database, lw: Actor, case_id: str, ref_id: str, agency_id: str) -> Actor:
    org = org_of(db, agency_id)
    record_consent(db, lw, case_id, "referral", "the person", recipient_org_id=org)
    referrals.send_referral(db, lw, ref_id)
    return Actor(user_id=None, organisation_id=org, role="adviser")


def test_outcomes_score_each_rule_and_tier_from_stored_referrals(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    # One PIP need: declined as wrong tier, re-routed, then accepted and closed resolved.
    pip = make_case(db, lw, engine, "pip-refused")
    first = referrals.route_case(db, lw, pip.id)[0].referral
    assert first is not None
    agency = _send(db, lw, pip.id, first.id, first.agency_id)
    _, rerouted = referrals.decline_referral(db, agency, first.id, "wrong_tier")
    second = rerouted.referral
    assert second is not None and second.agency_id != first.agency_id
    agency2 = _send(db, lw, pip.id, second.id, second.agency_id)
    referrals.accept_referral(db, agency2, second.id)
    referrals.close_referral(db, agency2, second.id, OutcomeInput(outcome="resolved", income_gained_pounds=4300))

    with db.transaction() as s:
        need = s.get(Need, first.need_id)
        assert need is not None
        tier = need.tier
        rules = sorted({nr.rule_id for nr in s.exec(select(NeedRule).where(NeedRule.need_id == need.id))})
    assert rules, "the need records the rules that made it"

    auditor = Actor(user_id=None, organisation_id=lw.organisation_id, role="auditor")
    report = outcomes(db, auditor)
    t = report.by_tier[tier]
    assert (t.referrals, t.accepted, t.declined) == (2, 1, 1)
    assert t.acceptance_rate == 0.5
    assert t.decline_codes == {"wrong_tier": 1} and t.outcomes == {"resolved": 1}
    for rule_id in rules:  # every rule behind the need is scored the same way
        r = report.by_rule[rule_id]
        assert (r.referrals, r.accepted, r.declined, dict(r.decline_codes)) == (2, 1, 1, {"wrong_tier": 1})
    assert set(report.by_rule) == set(rules)

    # Another organisation's auditor sees none of it; the reads are audited.
    other = Actor(user_id=None, organisation_id=org_of(db, first.agency_id), role="auditor")
    assert outcomes(db, other).by_tier == {}
    with db.transaction() as s:
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "rules.outcomes")).all()) == 2
