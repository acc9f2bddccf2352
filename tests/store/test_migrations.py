"""Migrations build an empty database and upgrade one at the previous revision, on both
engines, and the models agree with what the migrations make."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from triage.casework.service_store import StoreNotReady, prepare_service_store
from triage.store.db import Database, head_revision, make_engine

TABLES = {
    "organisations",
    "users",
    "agencies",
    "cases",
    "needs",
    "need_rules",
    "unmet_needs",
    "consents",
    "referrals",
    "referral_events",
    "outcomes",
    "medical_evidence_requests",
    "audit_log",
    "api_keys",
    "idempotency_records",
    "outbox_events",
    "questionnaire_drafts",
    "web_sessions",
}


def test_upgrade_empty_database_to_head(fresh_url: str) -> None:
    db = Database(make_engine(fresh_url))
    assert db.revision() is None
    db.migrate()
    assert db.revision() == head_revision() == "0006"
    names = set(inspect(db.engine).get_table_names())
    assert names >= TABLES
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("referrals")}
    assert "ix_referrals_agency_status" in indexes
    org_cols = {c["name"] for c in inspect(db.engine).get_columns("organisations")}
    assert {"webhook_url", "webhook_secret"} <= org_cols
    db.dispose()


def test_upgrade_from_previous_revision_keeps_data(fresh_url: str) -> None:
    db = Database(make_engine(fresh_url))
    db.migrate("0001")
    assert db.revision() == "0001"
    assert "ix_referrals_agency_status" not in {ix["name"] for ix in inspect(db.engine).get_indexes("referrals")}
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, name, kind, created_at) "
                "VALUES ('o1', 'Fictional GP', 'gp_practice', :t)"
            ),
            {"t": "2026-11-23 10:00:00"},
        )
    db.migrate()
    assert db.revision() == "0006"
    assert "ix_referrals_agency_status" in {ix["name"] for ix in inspect(db.engine).get_indexes("referrals")}
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM organisations WHERE id = 'o1'")).scalar_one() == "Fictional GP"
    db.dispose()


def test_models_match_migrations(fresh_url: str) -> None:
    db = Database(make_engine(fresh_url))
    db.migrate()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    db.dispose()
    assert diff == []


def test_a_store_started_without_demo_mode_holds_no_users_or_agencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    monkeypatch.delenv("TRIAGE_DEMO", raising=False)
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    str_url = f"sqlite:///{tmp_path / 'real.sqlite3'}"
    # A real start never migrates: the operator runs `triage db upgrade` at deploy.
    with pytest.raises(StoreNotReady, match="triage db upgrade"):
        prepare_service_store(str_url)
    Database.from_url(str_url).migrate()
    db, seeded = prepare_service_store(str_url)
    assert seeded == (0, 0)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM agencies")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 0
    db.dispose()
    assert not (tmp_path / "demo-users.txt").exists()
    # the first administrator is made by a command, and can then sign in
    from triage.casework.accounts import create_user
    from triage.casework.passwords import verify_password

    again = Database.from_url(str_url)
    user = create_user(again, "admin@partnership.example", "First Admin", "admin", "a-long-enough-pass", "HJP")
    assert user.role == "admin" and verify_password("a-long-enough-pass", user.password_hash)
    again.dispose()


def test_demo_mode_seeds_an_empty_store_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    monkeypatch.setenv("TRIAGE_DEMO", "1")
    monkeypatch.setenv("TRIAGE_DEMO_PASSWORD", "fictional-demo-password")
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    first, _ = prepare_service_store()
    assert (tmp_path / "triage.sqlite3").is_file()
    with first.engine.connect() as conn:
        agencies = conn.execute(text("SELECT count(*) FROM agencies")).scalar_one()
        users = conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    first.dispose()
    second, again_seeded = prepare_service_store()
    assert again_seeded == (0, 0)
    with second.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM agencies")).scalar_one() == agencies > 30
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == users > 0
        hashes = [r[0] for r in conn.execute(text("SELECT password_hash FROM users"))]
    second.dispose()
    assert all(h.startswith("scrypt$") and "fictional-demo-password" not in h for h in hashes)
