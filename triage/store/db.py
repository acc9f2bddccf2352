"""Engines, transactions and migrations for the store.

SQLite file ``var_dir()/triage.sqlite3`` by default; PostgreSQL (or another
SQLite file) when ``TRIAGE_DATABASE_URL`` names one. Every service function
runs in exactly one transaction opened with :meth:`Database.transaction`, so a
failure at any step leaves nothing half-made.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreConfigError(ValueError):
    """A database URL or store setting that cannot be used."""


def default_url() -> str:
    """``TRIAGE_DATABASE_URL`` if set, else the SQLite file in the service's state folder."""
    from triage.paths import var_dir
    from triage.settings import settings

    configured = settings().database_url
    if configured:
        return configured

    return f"sqlite:///{var_dir() / 'triage.sqlite3'}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE works.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 30000")
        # Deleted and overwritten content is zeroed, not left in free pages: erased
        # personal data must not be recoverable from the file.
        cur.execute("PRAGMA secure_delete = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every case read writes an audit row, so every transaction writes: take the
        # write lock at BEGIN, or two readers upgrading at once would deadlock (SQLITE_BUSY).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (sqlite:/// or postgresql+psycopg://), set up for this store."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreConfigError(f"TRIAGE_DATABASE_URL: cannot parse {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _owner_only_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _sqlite_setup(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    raise StoreConfigError(f"TRIAGE_DATABASE_URL: expected sqlite or postgresql, got {backend!r}")


def _owner_only_file(path: Path) -> None:
    """Make the SQLite file (and its folder, if new) readable by the owner only, before SQLite
    opens it: its -wal and -shm files then take the same mode."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


class Database:
    """One store: an engine plus transactions. Safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str | None = None) -> Database:
        return cls(make_engine(url or default_url()))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def scrub(self) -> None:
        """After erasure: on SQLite, copy the write-ahead log into the file and truncate it, so
        the WAL holds no erased personal data (the file's own pages were zeroed by
        ``secure_delete``). PostgreSQL's own files are the database server's to manage."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                # On the driver's connection: through SQLAlchemy it would run inside BEGIN
                # IMMEDIATE (see _sqlite_setup), where a checkpoint is refused.
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema to ``revision`` (default: the newest)."""
        upgrade(self.engine, revision)

    def revision(self) -> str | None:
        return current_revision(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    from triage.store.db import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


class StoreNotReady(RuntimeError):
    """The store is not at the newest revision: ``triage db upgrade`` has not been run."""


def ready_store(url: str | None = None) -> Database:
    """Open the store at ``url`` without changing it; :class:`StoreNotReady` unless its schema is
    at the newest revision. A real deployment migrates at deploy (``triage db upgrade``), never
    as a side effect of starting a process: several workers starting at once would race, and
    a new release must not change the schema before its operator chose to."""
    db = Database.from_url(url)
    found, head = db.revision(), head_revision()
    if found != head:
        db.dispose()
        raise StoreNotReady(
            f"the case store is at revision {found or '(empty)'}, not {head}: run `triage db upgrade` first"
        )
    return db


def prepare_store(url: str | None = None) -> Database:
    """Open the store at ``url`` (default: the configured one) and migrate it; idempotent.

    It seeds nothing: demo data is the casework layer's, and only in demo mode."""
    db = Database.from_url(url)
    db.migrate()
    return db
