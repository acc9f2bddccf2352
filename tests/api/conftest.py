"""API fixtures: a fresh SQLite store per test (copied from one migrated, seeded template
per worker), an app made on it by the factory, and API keys for a few demo organisations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from triage.casework.apikeys import create_key, find_organisation
from triage.casework.demo import seed_demo
from triage.settings import Settings
from triage.store.db import Database
from triage.store.models import Agency

HOSPITAL = "St Imaginary's Hospital Discharge Team (demo)"
GP = "Riverside Fictional GP Practice (demo)"
LAW_CENTRE = "demo-east-law-centre"  # the directory agency nearest to the discharge example (Newham)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-store") / "template.sqlite3"
    db = Database.from_url(f"sqlite:///{path}")
    db.migrate()
    seed_demo(db, password="fictional-demo-password")
    db.dispose()
    return path


@pytest.fixture
def db(_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "store.sqlite3"
    shutil.copy(_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    yield database
    database.dispose()


@dataclass(frozen=True)
class Keys:
    hospital: str
    gp: str
    agency: str
    agency_org_id: str
    hospital_org_id: str
    hospital_key_id: str

    @staticmethod
    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(db: Database) -> Keys:
    hospital = find_organisation(db, HOSPITAL)
    gp = find_organisation(db, GP)
    with db.transaction() as s:
        agency = s.exec(select(Agency).where(Agency.id == LAW_CENTRE)).one()
    h_info, h_key = create_key(db, hospital.id, "referrer", "ward system (test)")
    _, g_key = create_key(db, gp.id, "referrer", "practice system (test)")
    _, a_key = create_key(db, agency.organisation_id, "agency", "case management (test)")
    return Keys(h_key, g_key, a_key, agency.organisation_id, hospital.id, h_info.id)


def api_app(db: Database | None = None) -> FastAPI:
    """The real app, on ``db`` if given, without rate limiting (tests of it set their own).

    Without a store (a test points ``app.state.database`` at its own later) it delivers no
    webhooks: the process's default store is not migrated, and a real start never migrates."""
    return create_app(Settings(api_rate=0, outbox_worker=db is not None), database=db)


@pytest.fixture
def app(db: Database) -> FastAPI:
    """The real app on this test's store, without rate limiting."""
    return api_app(db)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # https: session cookies are Secure outside demo mode, and the client keeps them only then.
    return TestClient(app, raise_server_exceptions=False, base_url="https://testserver")
