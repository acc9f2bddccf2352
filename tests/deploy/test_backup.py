"""``triage backup`` then ``triage restore`` into an empty store gives the same rows, on SQLite
(online backup, with the service's WAL) and PostgreSQL (pg_dump / pg_restore); a restore over
a store that holds tables is refused."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.deploy.processes import TRIAGE
from tests.store.conftest import create_pg_schema, drop_pg_schema, pg_unreachable
from tests.store.helpers import AS_OF
from triage.casework.accounts import create_user
from triage.casework.cases import PersonDetails, create_case
from triage.casework.demo import seed_demo
from triage.engine.engine import Engine
from triage.store.audit import Actor
from triage.store.db import Database


def _rows(db: Database) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with db.engine.connect() as conn:
        for table in sorted(inspect(db.engine).get_table_names()):
            out[table] = sorted(tuple(str(v) for v in r) for r in conn.execute(text(f'SELECT * FROM "{table}"')))
    return out


def _fill(db: Database, engine: Engine) -> None:
    db.migrate()
    seed_demo(db, password="fictional-demo-password")
    user = create_user(db, "admin@partnership.example", "First Admin", "admin", "a-long-enough-pass", "HJP")
    actor = Actor(user_id=user.id, organisation_id=user.organisation_id, role="admin")
    facts = {"benefits": {"pip_stage": "refused", "pip_decision_date": "2026-11-03", "mr_requested": False}}
    create_case(db, actor, facts, AS_OF, engine, person=PersonDetails(name="Fictional Backup-Person"))


def _cli(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIAGE_DATABASE_URL": url}
    return subprocess.run([TRIAGE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_sqlite_backup_restores_the_same_rows(tmp_path: Path, engine: Engine) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    live = Database.from_url(url)
    _fill(live, engine)  # the connection stays open: rows may still sit in the WAL
    want = _rows(live)
    out = tmp_path / "backup.sqlite3"
    made = _cli(["backup", str(out)], url)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert _cli(["backup", str(out)], url).returncode == 2  # never overwrites a file
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    done = _cli(["restore", str(out)], target)
    assert done.returncode == 0, done.stderr
    restored = Database.from_url(target)
    assert _rows(restored) == want and sum(map(len, want.values())) > 100
    refused = _cli(["restore", str(out)], target)
    assert refused.returncode == 2 and "restore into an empty one" in refused.stderr
    restored.dispose()
    live.dispose()


def test_postgresql_backup_restores_the_same_rows(tmp_path: Path, engine: Engine) -> None:
    if reason := pg_unreachable():
        pytest.fail(reason)
    schema, url = create_pg_schema("triage_backup")
    try:
        live = Database.from_url(url)
        _fill(live, engine)
        want = _rows(live)
        out = tmp_path / "backup.pgdump"
        made = _cli(["backup", str(out)], url)
        assert made.returncode == 0, made.stderr
        refused = _cli(["restore", str(out)], url)
        assert refused.returncode == 2 and "restore into an empty one" in refused.stderr
        live.dispose()
        drop_pg_schema(schema)  # the database is lost; the backup is all there is
        done = _cli(["restore", str(out)], url)
        assert done.returncode == 0, done.stderr
        restored = Database.from_url(url)
        assert _rows(restored) == want and restored.revision() is not None
        restored.dispose()
    finally:
        drop_pg_schema(schema)
