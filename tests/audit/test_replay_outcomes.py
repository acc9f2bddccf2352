"""Replay of stored decisions and outcome scoring, on a SQLite case store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.store.helpers import make_case
from triage.audit.outcomes import Tally, outcomes
from triage.audit.replay import replay_case
from triage.casework.demo import seed_demo
from triage.cli.main import app
from triage.engine.engine import Engine
from triage.store.audit import Actor
from triage.store.db import Database, make_engine
from triage.store.errors import NotFound
from triage.store.models import AuditEntry, Case, User

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, str]]:
    """One migrated, seeded SQLite store for this module (seeding hashes passwords: slow)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}"
    db = Database(make_engine(url))
    db.migrate()
    seed_demo(db, password="synthetic-test-password-1")
    yield db, url
    db.dispose()


def _referrer(db: Database) -> Actor:
    with db.transaction() as s:
        user = s.exec(select(User).where(User.role == "referrer")).first()
        assert user is not None
        return Actor(user_id=user.id, organisation_id=user.organisation_id, role=user.role)


def test_replay_is_identical_then_shows_what_differs_and_why(store: tuple[Database, str], engine: Engine) -> None:
    db, url = store
    who = _referrer(db)
    case = make_case(db, who, engine, "three-problems")
    auditor = Actor(user_id=None, organisation_id=who.organisation_id, role="auditor")
    result = replay_case(db, auditor, case.id)
    assert result.identical and not result.changes and "same rule-set content" in result.why
    r = runner.invoke(app, ["cases", "replay", case.id, "--organisation", who.organisation_id, "--db", url])
    assert r.exit_code == 0 and "identical" in r.output
    with db.transaction() as s:  # every replay is audited
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "case.replay")).all()

    # Tamper with the stored decision: replay says what differs, and why.
    with db.transaction() as s:
        row = s.get(Case, case.id)
        assert row is not None
        stored = dict(row.assessment)
        need = dict(stored["needs"][0])
        original_tier = need["tier"]
        need["tier"] = 1
        stored["needs"] = [need, *stored["needs"][1:]]
        row.assessment = stored
        s.add(row)
    result = replay_case(db, auditor, case.id)
    assert not result.identical
    assert [(c.kind, c.old, c.new) for c in result.changes] == [("tier", 1, original_tier)]
    assert "engine's code changed" in result.why
    r = runner.invoke(app, ["cases", "replay", case.id, "--organisation", who.organisation_id, "--db", url])
    assert r.exit_code == 1 and "DIFFERS" in r.output

    # Another organisation cannot see the case (and cannot tell it exists).
    with pytest.raises(NotFound):
        replay_case(db, Actor(user_id=None, organisation_id="someone-else", role="auditor"), case.id)
    r = runner.invoke(app, ["cases", "replay", case.id, "--organisation", "someone-else", "--db", url])
    assert r.exit_code == 2 and "no such case" in r.output


def test_outcomes_scoped_and_tallied(store: tuple[Database, str], engine: Engine) -> None:
    db, url = store
    who = _referrer(db)
    report = outcomes(db, Actor(user_id=None, organisation_id=who.organisation_id, role="auditor"))
    assert report.by_rule == {} and report.by_tier == {}  # cases, but no referral sent: nothing scored
    r = runner.invoke(app, ["rules", "outcomes", "--organisation", who.organisation_id, "--db", url])
    assert r.exit_code == 0 and "no referrals sent yet" in r.output

    t = Tally()
    t.add("accepted", None, "advice_given")
    t.add("declined", "wrong_tier", None)
    t.add("declined", "out_of_scope", None)
    t.add("sent", None, None)
    assert (t.referrals, t.accepted, t.declined) == (4, 1, 2)
    assert t.acceptance_rate == pytest.approx(1 / 3)
    assert t.decline_codes == {"wrong_tier": 1, "out_of_scope": 1} and t.outcomes == {"advice_given": 1}
