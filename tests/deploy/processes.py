"""Real service processes for the deployment tests: a PostgreSQL schema of their own, a Redis
prefix of their own, ``triage`` commands started as plain processes and waited on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.store.conftest import create_pg_schema, drop_pg_schema, pg_unreachable
from triage.store.db import Database

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = str(Path(sys.executable).with_name("triage"))
REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    home: Path

    def db(self) -> Database:
        return Database.from_url(self.url)


@contextmanager
def stack(tmp_path: Path, migrated: bool = True, **settings: str) -> Iterator[Stack]:
    """A PostgreSQL schema (migrated, unless not ``migrated``) and the environment a
    deployment's processes share."""
    reason = pg_unreachable()
    if reason:
        raise AssertionError(reason)
    schema, url = create_pg_schema("triage_deploy")
    if migrated:
        db = Database.from_url(url)
        db.migrate()
        db.dispose()
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "TRIAGE_HOME": str(home), "TRIAGE_DATABASE_URL": url, "TRIAGE_REDIS_URL": REDIS,
           "TRIAGE_REDIS_PREFIX": f"triage-test-{uuid.uuid4().hex}", "TRIAGE_SECRET_KEY": "deploy-tests-only",
           "TRIAGE_DEMO": "0", **settings}  # fmt: skip
    try:
        yield Stack(url, env, home)
    finally:
        drop_pg_schema(schema)


@contextmanager
def process(
    args: list[str], env: dict[str, str], log: Path, ready_url: str | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            if ready_url is not None:
                wait_ready(ready_url, proc, log)
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered: {log.read_text()[-3000:]}")
        time.sleep(0.2)


def json_lines(log: Path) -> list[dict[str, object]]:
    out = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            with suppress(ValueError):
                out.append(json.loads(line))
    return out
