"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

SQLite: a fresh file per test, copied from a migrated and seeded template made
once per worker. PostgreSQL: one schema per test worker (named after the
worker and process), migrated once, emptied and re-seeded before each test;
tests that need an empty database get a schema of their own. PostgreSQL tests
are skipped, with the reason, only when the server cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, select

from triage.casework.demo import seed_demo
from triage.store.audit import Actor
from triage.store.db import Database, make_engine
from triage.store.models import User

PG_URL = os.environ.get("TRIAGE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_PASSWORD = "fictional-demo-password"
_pg_problem: list[str] = []


def _skip_or_fail(reason: str) -> None:
    """The store must be tested on both engines: an unreachable PostgreSQL fails the run
    (``.ci/run`` starts the server), unless ``TRIAGE_SKIP_POSTGRES=1`` says to skip on purpose."""
    if os.environ.get("TRIAGE_SKIP_POSTGRES") == "1":
        pytest.skip(reason)
    pytest.fail(f"{reason} (start it, or set TRIAGE_SKIP_POSTGRES=1 to skip PostgreSQL on purpose)")


def pg_unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once)."""
    if not _pg_problem:
        try:
            eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("select 1"))
            eng.dispose()
            _pg_problem.append("")
        except Exception as exc:
            _pg_problem.append(
                f"PostgreSQL at {make_url(PG_URL).render_as_string()} unreachable: {exc}".splitlines()[0]
            )
    return _pg_problem[0] or None


def pg_schema_url(schema: str) -> str:
    url = make_url(PG_URL)
    return url.set(query={**url.query, "options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def create_pg_schema(prefix: str) -> tuple[str, str]:
    """A new, empty schema; returns (schema, url whose connections use it)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    return schema, pg_schema_url(schema)


def drop_pg_schema(schema: str) -> None:
    eng = create_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store-template") / "template.sqlite3"
    db = Database(make_engine(f"sqlite:///{path}"))
    db.migrate()
    seed_demo(db, password=DEMO_PASSWORD)
    db.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def _pg_worker_schema(worker_id: str) -> Iterator[str]:
    reason = pg_unreachable()
    if reason:
        _skip_or_fail(reason)
    schema, url = create_pg_schema(f"triage_test_{worker_id}_{os.getpid()}")
    db = Database(make_engine(url))
    db.migrate()
    db.dispose()
    yield url
    drop_pg_schema(schema)


def _empty_pg(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        reason = pg_unreachable()
        if reason:
            _skip_or_fail(reason)
    return str(request.param)


@pytest.fixture
def db(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated store seeded with the demo directory and demo users, on each engine."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "store.sqlite3"
        shutil.copy(template, path)
        database = Database(make_engine(f"sqlite:///{path}"))
    else:
        url: str = request.getfixturevalue("_pg_worker_schema")
        database = Database(make_engine(url))
        _empty_pg(database)
        seed_demo(database, password=DEMO_PASSWORD)
    yield database
    database.dispose()


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables) on each engine."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    schema, url = create_pg_schema("triage_fresh")
    yield url
    drop_pg_schema(schema)


def actor(db: Database, email: str) -> Actor:
    """The demo user with this email, as an acting user."""
    with db.transaction() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        return Actor(user_id=user.id, organisation_id=user.organisation_id, role=user.role)
