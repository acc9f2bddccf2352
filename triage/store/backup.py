"""Backups of the store and restoring them into an empty one.

* SQLite: the online backup API (a consistent copy while the service runs, WAL included),
  into a new file made readable by its owner only.
* PostgreSQL: ``pg_dump --format=custom`` of the store's schema (the one its
  ``search_path`` names, else ``public``), restored with ``pg_restore --exit-on-error``.

A restore goes only into an empty store (no tables): it never overwrites live data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL

from triage.store.db import Database


class BackupError(RuntimeError):
    """A backup or restore that could not be made; the message says why."""


def _libpq(url: URL) -> tuple[str, str]:
    """The libpq connection string for a SQLAlchemy URL, and the schema it works in."""
    options = str(url.query.get("options", ""))
    schema = "public"
    for part in options.split():
        if part.startswith("-csearch_path="):
            schema = part.removeprefix("-csearch_path=").split(",")[0]
    return url.set(drivername="postgresql").render_as_string(hide_password=False), schema


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name}: not found; install the PostgreSQL client tools")
    return found


def backup(db: Database, out: Path) -> None:
    """Write a backup of ``db`` to ``out`` (which must not exist yet)."""
    if out.exists():
        raise BackupError(f"{out}: already exists; give a new file")
    url = db.engine.url
    if db.dialect == "sqlite":
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        src, dst = sqlite3.connect(str(url.database)), sqlite3.connect(out)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    conninfo, schema = _libpq(url)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        run = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={schema}",
                              f"--dbname={conninfo}"], stdout=fh, stderr=subprocess.PIPE, check=False)  # fmt: skip
    if run.returncode != 0:
        out.unlink(missing_ok=True)
        raise BackupError(f"pg_dump: {run.stderr.decode(errors='replace').strip().splitlines()[-1]}")


def restore(db: Database, src: Path) -> None:
    """Restore the backup ``src`` into ``db``, which must hold no tables."""
    if not src.is_file():
        raise BackupError(f"{src}: no such backup file")
    url = db.engine.url
    if db.dialect == "sqlite":
        tables = inspect(db.engine).get_table_names()
    else:
        conninfo, schema = _libpq(url)
        tables = inspect(db.engine).get_table_names(schema=schema)
    if tables:
        raise BackupError(f"restore: the target store already holds {len(tables)} tables; restore into an empty one")
    if db.dialect == "sqlite":
        db.dispose()
        source, target = sqlite3.connect(src), sqlite3.connect(str(url.database))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    run = subprocess.run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={conninfo}", str(src)],
                         capture_output=True, check=False)  # fmt: skip
    if run.returncode != 0:
        raise BackupError(f"pg_restore: {run.stderr.decode(errors='replace').strip().splitlines()[-1]}")
