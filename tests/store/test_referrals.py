"""The referral lifecycle on SQLite and PostgreSQL: transitions, consent, re-routing,
concurrent accepts, injected crashes and agency scoping."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.store.conftest import actor
from tests.store.helpers import make_case, org_of
from triage.casework import referrals
from triage.casework.cases import get_case
from triage.casework.consent import record_consent, withdraw_consent
from triage.casework.referrals import OutcomeInput
from triage.engine.engine import Engine
from triage.store.db import Database
from triage.store.errors import AccessDenied, ConsentRequired, InvalidInput, InvalidTransition, NotFound
from triage.store.models import Agency, AuditEntry, OutboxEvent, Referral, ReferralEvent

LINK = "linkworker@demo.example"
HACKNEY = "adviser.hackney@demo.example"
EASTLAW = "adviser.eastlaw@demo.example"
LAMBETH = "adviser.lambeth@demo.example"


def _sent_referral(db: Database, engine: Engine, feedback: bool = True) -> tuple[str, str]:
    """A PIP case in Hackney routed to the Hackney advice centre and sent, the person agreeing
    (unless ``feedback`` is False) that the referrer may hear the outcome; (case id, referral id)."""
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    routed = referrals.route_case(db, lw, case.id)
    assert len(routed) == 1 and routed[0].referral is not None
    ref = routed[0].referral
    assert ref.agency_id == "demo-hackney-advice" and ref.status == "draft"
    org = org_of(db, ref.agency_id)
    record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org, feedback_agreed=feedback)
    sent = referrals.send_referral(db, lw, ref.id)
    assert sent.status == "sent" and sent.sent_at is not None
    return case.id, ref.id


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.transaction() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


def test_full_lifecycle_referrer_sees_outcome(db: Database, engine: Engine) -> None:
    case_id, ref_id = _sent_referral(db, engine)
    adviser, lw = actor(db, HACKNEY), actor(db, LINK)
    assert [r.id for r in referrals.agency_inbox(db, adviser)] == [ref_id]
    assert referrals.accept_referral(db, adviser, ref_id).status == "accepted"
    assert referrals.start_work(db, adviser, ref_id).status == "in_progress"
    outcome = OutcomeInput(
        outcome="resolved", income_gained_pounds=4300, home_kept=True, first_contact_on=date(2026, 11, 25)
    )
    closed = referrals.close_referral(db, adviser, ref_id, outcome)
    assert closed.status == "closed" and closed.outcome is not None
    seen = referrals.get_referral(db, lw, ref_id).referral
    assert seen.status == "closed" and seen.outcome is not None
    assert seen.outcome.outcome == "resolved" and seen.outcome.income_gained_pounds == 4300

    history = _count(db, ReferralEvent, ReferralEvent.referral_id == ref_id)
    assert history == 5  # draft, sent, accepted, in_progress, closed
    actions = {a for a in select_actions(db, ref_id)}
    assert {
        "referral.draft",
        "referral.sent",
        "referral.accepted",
        "referral.in_progress",
        "referral.closed",
    } <= actions
    assert case_id


def test_without_feedback_agreed_the_referrer_sees_the_closure_not_the_outcome(db: Database, engine: Engine) -> None:
    case_id, ref_id = _sent_referral(db, engine, feedback=False)
    adviser, lw = actor(db, HACKNEY), actor(db, LINK)
    referrals.accept_referral(db, adviser, ref_id)
    closed = referrals.close_referral(db, adviser, ref_id, OutcomeInput(outcome="resolved", home_kept=True))
    assert closed.outcome is not None  # the agency's own record
    seen = referrals.get_referral(db, lw, ref_id).referral
    assert seen.status == "closed" and seen.outcome is None
    assert [r.outcome for r in get_case(db, lw, case_id, date(2026, 11, 30)).referrals] == [None]


def select_actions(db: Database, ref_id: str) -> list[str]:
    with db.transaction() as s:
        return list(s.exec(select(AuditEntry.action).where(AuditEntry.referral_id == ref_id)))


def test_invalid_transitions_are_refused(db: Database, engine: Engine) -> None:
    _, ref_id = _sent_referral(db, engine)
    adviser, lw = actor(db, HACKNEY), actor(db, LINK)
    with pytest.raises(InvalidTransition, match="cannot close a referral that is sent"):
        referrals.close_referral(db, adviser, ref_id, OutcomeInput(outcome="resolved"))
    with pytest.raises(InvalidTransition, match="cannot send a referral that is sent"):
        referrals.send_referral(db, lw, ref_id)
    with pytest.raises(AccessDenied, match="only the receiving agency"):
        referrals.accept_referral(db, lw, ref_id)
    referrals.accept_referral(db, adviser, ref_id)
    with pytest.raises(InvalidTransition, match="cannot decline a referral that is accepted"):
        referrals.decline_referral(db, adviser, ref_id, "no_capacity")
    with db.transaction() as s:
        ref = s.get(Referral, ref_id)
        assert ref is not None and ref.status == "accepted"


def test_no_referral_sent_without_consent_and_withdrawal_stops_sharing(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    ref = referrals.route_case(db, lw, case.id)[0].referral
    assert ref is not None
    with pytest.raises(ConsentRequired, match="no recorded consent for referral"):
        referrals.send_referral(db, lw, ref.id)
    assert _count(db, OutboxEvent) == 0
    # Consent to a different organisation does not count.
    record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org_of(db, "demo-lambeth-advice"))
    with pytest.raises(ConsentRequired):
        referrals.send_referral(db, lw, ref.id)
    consent = record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org_of(db, ref.agency_id))
    referrals.send_referral(db, lw, ref.id)
    adviser = actor(db, HACKNEY)
    packet = referrals.get_referral(db, adviser, ref.id)
    assert packet.consent_active and packet.person_name == "Testy McFictional"
    assert packet.safe_contact is not None and packet.safe_contact.phone == "07700 900001"
    withdraw_consent(db, lw, consent.id)
    # Not yet accepted: cancelled, so the agency cannot act on it and sees no personal details.
    after = referrals.get_referral(db, adviser, ref.id)
    assert after.referral.status == "cancelled"
    assert not after.consent_active and after.person_name is None and after.safe_contact is None
    with pytest.raises(InvalidTransition):
        referrals.accept_referral(db, adviser, ref.id)
    with db.transaction() as s:  # the history says what happened, from which status, and it is audited
        steps = s.exec(select(ReferralEvent).where(ReferralEvent.referral_id == ref.id)).all()
        assert [(e.from_status, e.to_status) for e in sorted(steps, key=lambda e: e.at)] == [
            (None, "draft"),
            ("draft", "sent"),
            ("sent", "cancelled"),
        ]
        assert s.exec(select(AuditEntry).where(AuditEntry.referral_id == ref.id,
                                               AuditEntry.action == "referral.cancelled")).all()  # fmt: skip


def test_decline_with_code_reroutes_to_next_match(db: Database, engine: Engine) -> None:
    _, ref_id = _sent_referral(db, engine)
    adviser = actor(db, HACKNEY)
    with pytest.raises(InvalidInput, match="text: say why"):
        referrals.decline_referral(db, adviser, ref_id, "other")
    with pytest.raises(InvalidInput, match="code: expected one of"):
        referrals.decline_referral(db, adviser, ref_id, "bored")  # type: ignore[arg-type]
    declined, rerouted = referrals.decline_referral(db, adviser, ref_id, "no_capacity")
    assert declined.status == "declined" and declined.decline_code == "no_capacity"
    assert rerouted.referral is not None
    nxt = rerouted.referral
    assert nxt.status == "draft" and nxt.previous_referral_id == ref_id
    assert nxt.agency_id != "demo-hackney-advice"
    counts = referrals.decline_counts(db)
    assert counts and {c.decline_code for c in counts} == {"no_capacity"}
    assert all(c.tier == 2 for c in counts)
    assert any(c.rule_id.startswith("benefits.") for c in counts)


def test_declined_by_every_match_is_unmet(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    routed = referrals.route_case(db, lw, case.id)[0]
    ref = routed.referral
    declined_by: list[str] = []
    while ref is not None:
        org = org_of(db, ref.agency_id)
        record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org)
        referrals.send_referral(db, lw, ref.id)
        agency_actor = type(lw)(user_id=None, organisation_id=org, role="adviser")
        _, routed = referrals.decline_referral(db, agency_actor, ref.id, "wrong_tier")
        declined_by.append(ref.agency_id)
        ref = routed.referral
    assert len(declined_by) >= 2
    assert routed.unmet is not None and routed.unmet.reason == "all_declined"
    assert "declined by" in routed.unmet.detail


def test_two_advisers_accepting_at_once_leave_exactly_one_accepted(db: Database, engine: Engine) -> None:
    _, ref_id = _sent_referral(db, engine)
    adviser = actor(db, HACKNEY)
    results: list[str] = []
    barrier = threading.Barrier(6)

    def accept() -> None:
        barrier.wait()
        try:
            referrals.accept_referral(db, adviser, ref_id)
            results.append("ok")
        except InvalidTransition:
            results.append("refused")

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["refused"] * 5
    assert _count(db, ReferralEvent, ReferralEvent.referral_id == ref_id, ReferralEvent.to_status == "accepted") == 1


def test_crash_while_sending_leaves_nothing_half_done(
    db: Database, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    ref = referrals.route_case(db, lw, case.id)[0].referral
    assert ref is not None
    record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org_of(db, ref.agency_id))
    events_before = _count(db, ReferralEvent)

    def boom(*_: Any, **__: Any) -> None:
        raise RuntimeError("injected crash after the status change")

    monkeypatch.setattr(referrals, "_enqueue", boom)
    with pytest.raises(RuntimeError, match="injected crash"):
        referrals.send_referral(db, lw, ref.id)
    with db.transaction() as s:
        row = s.get(Referral, ref.id)
        assert row is not None and row.status == "draft" and row.sent_at is None and row.consent_id is None
    assert _count(db, ReferralEvent) == events_before
    assert _count(db, AuditEntry, AuditEntry.action == "referral.sent") == 0
    assert _count(db, OutboxEvent) == 0


def test_crash_while_routing_creates_no_referral(db: Database, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "three-problems")
    assert len(case.needs) == 3
    real = referrals._route_one
    calls = {"n": 0}

    def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("injected crash on the third need")
        return real(*args, **kwargs)

    monkeypatch.setattr(referrals, "_route_one", crash_on_third)
    with pytest.raises(RuntimeError):
        referrals.route_case(db, lw, case.id)
    assert _count(db, Referral, Referral.case_id == case.id) == 0
    assert _count(db, AuditEntry, AuditEntry.action == "referral.draft") == 0
    monkeypatch.setattr(referrals, "_route_one", real)
    assert len(referrals.route_case(db, lw, case.id)) == 3


def test_agency_cannot_read_another_agencys_referral(db: Database, engine: Engine) -> None:
    _, ref_id = _sent_referral(db, engine)
    other = actor(db, LAMBETH)
    with pytest.raises(NotFound):
        referrals.get_referral(db, other, ref_id)
    with pytest.raises(NotFound):
        referrals.accept_referral(db, other, ref_id)
    assert referrals.agency_inbox(db, other) == []
    assert [r.id for r in referrals.agency_inbox(db, actor(db, HACKNEY))] == [ref_id]
    # A draft is not shown to its agency until it is sent.
    lw = actor(db, LINK)
    case = make_case(db, lw, engine, "pip-refused")
    draft = referrals.route_case(db, lw, case.id)[0].referral
    assert draft is not None
    with pytest.raises(NotFound):
        referrals.get_referral(db, actor(db, HACKNEY), draft.id)
    # Another referrer organisation cannot see it either.
    with pytest.raises(NotFound):
        referrals.get_referral(db, actor(db, "nurse@demo.example"), ref_id)


def test_full_agencies_give_all_full_unmet_need(db: Database, engine: Engine) -> None:
    lw = actor(db, LINK)
    with db.transaction() as s:
        for a in s.exec(select(Agency)):
            a.capacity = 0
            s.add(a)
    case = make_case(db, lw, engine, "pip-refused")
    routed = referrals.route_case(db, lw, case.id)
    assert routed[0].referral is None and routed[0].unmet is not None
    assert routed[0].unmet.reason == "all_full"
    assert referrals.unmet_counts(db)[("hackney", "benefits.pip", 2, "all_full")] == 1
