"""Scaling benchmark: ``triage serve`` with 1 and then 2 worker processes against PostgreSQL.

    python bench/scale.py [--seconds 8] [--connections 8]

For each worker count: a fresh PostgreSQL schema (``TRIAGE_BENCH_PG_URL``, default the test
database on 127.0.0.1), migrated, one organisation and API key, Redis counters under a fresh
prefix; ``triage serve --workers N``; then ``--connections`` keep-alive connections (an
asyncio client in this process: the load generator shares the machine's cores) POST
``/v1/cases`` with the discharge example for ``--seconds``. Prints cases per second for each,
``two workers / one worker: N.NNx``, and then the rate limit measured across both workers
(``TRIAGE_API_BURST=20`` per 100 s for the organisation): the requests allowed against the
configured limit. Bounded and self-stopping; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.v1.examples import CASE_EXAMPLES  # noqa: E402
from triage.casework.apikeys import create_key  # noqa: E402
from triage.store.db import Database  # noqa: E402
from triage.store.models import Organisation  # noqa: E402

PG = os.environ.get("TRIAGE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TRIAGE = str(Path(sys.executable).with_name("triage"))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _schema() -> tuple[str, str]:
    name = f"triage_bench_{uuid.uuid4().hex[:8]}"
    eng = create_engine(PG)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    eng.dispose()
    url = make_url(PG)
    return name, url.set(query={**url.query, "options": f"-csearch_path={name}"}).render_as_string(hide_password=False)


def _drop(name: str) -> None:
    eng = create_engine(PG)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    eng.dispose()


def _serve(workers: int, url: str, home: str, rate: str, burst: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {**os.environ, "TRIAGE_HOME": home, "TRIAGE_DATABASE_URL": url, "TRIAGE_DEMO": "0",
           "TRIAGE_REDIS_URL": "redis://127.0.0.1:6379/0", "TRIAGE_REDIS_PREFIX": f"bench-{uuid.uuid4().hex}",
           "TRIAGE_SECRET_KEY": "bench-only", "TRIAGE_OUTBOX_WORKER": "0", "TRIAGE_API_RATE": rate,
           "TRIAGE_API_BURST": burst, "TRIAGE_LOG_LEVEL": "WARNING"}  # fmt: skip
    proc = subprocess.Popen([TRIAGE, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


async def _load(base: str, key: str, seconds: float, connections: int) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    done = 0
    stop_at = time.monotonic() + seconds

    async def one() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while time.monotonic() < stop_at:
                r = await client.post("/v1/cases", json=CASE_EXAMPLES[0], headers=headers)
                if r.status_code == 201:
                    done += 1

    await asyncio.gather(*(one() for _ in range(connections)))
    return done


def _stack() -> tuple[str, str, str]:
    name, url = _schema()
    db = Database.from_url(url)
    db.migrate()
    with db.transaction() as s:
        org = Organisation(name="Fictional Bench Ward (demo)", kind="hospital")
        s.add(org)
        s.flush()
        org_id = org.id
    _, key = create_key(db, org_id, "referrer", "bench")
    db.dispose()
    return name, url, key


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    rates = {}
    with tempfile.TemporaryDirectory() as home:
        for workers in (1, 2):
            name, url, key = _stack()
            proc, base = _serve(workers, url, home, "0", "40")
            try:
                asyncio.run(_load(base, key, 1.5, args.connections))  # warm every worker
                n = asyncio.run(_load(base, key, args.seconds, args.connections))
                rates[workers] = n / args.seconds
                print(f"{workers} worker(s): {rates[workers]:.1f} cases/s")
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                _drop(name)
        print(f"two workers / one worker: {rates[2] / rates[1]:.2f}x")
        name, url, key = _stack()
        proc, base = _serve(2, url, home, "0.2", "20")
        try:
            allowed = 0
            for _ in range(60):
                with httpx.Client(base_url=base, timeout=30) as c:  # new connections reach both workers
                    allowed += c.get("/v1/cases", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            print(f"rate limit across two workers: {allowed} allowed of 60 (configured: 20 per 100 s)")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            _drop(name)


if __name__ == "__main__":
    main()
