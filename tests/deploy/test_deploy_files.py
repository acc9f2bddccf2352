"""The deploy/ folder as far as this machine allows: the Compose file's structure (no Docker
engine runs here) and the systemd units' commands started as plain processes against
PostgreSQL and Redis. The web unit runs ``triage serve --workers 2``: its two real worker
processes share one rate limit (not one each) and one idempotency key (one case, however
many workers the retries reach), and every request line in the JSON log carries a request id."""

from __future__ import annotations

import configparser
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import yaml
from sqlmodel import func, select

from tests.api.examples import DISCHARGE_CASE
from tests.deploy.processes import ROOT, TRIAGE, free_port, json_lines, process, stack
from triage.casework.apikeys import create_key
from triage.settings import Settings
from triage.store.db import Database
from triage.store.models import Case, Organisation

DEPLOY = ROOT / "deploy"
UNIT_TRIAGE = "/opt/triage/.venv/bin/triage"
BURST = 12


def _settings_named(env: dict[str, str]) -> set[str]:
    return {k for k in env if k.startswith("TRIAGE_")}


def test_compose_file_runs_app_worker_postgres_and_redis_in_order() -> None:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = doc["services"]
    assert set(services) == {"migrate", "app", "worker", "postgres", "redis"}
    fields = {f"TRIAGE_{name.upper()}" for name in Settings.model_fields}
    for name in ("migrate", "app", "worker"):
        env = services[name]["environment"]
        assert _settings_named(env) <= fields, _settings_named(env) - fields  # every variable is a real setting
        assert (
            env["TRIAGE_DATABASE_URL"].startswith("postgresql+psycopg://")
            and "@postgres:5432/" in env["TRIAGE_DATABASE_URL"]
        )
        assert env["TRIAGE_REDIS_URL"] == "redis://redis:6379/0"
        assert env["TRIAGE_SECRET_KEY"].startswith("${TRIAGE_SECRET_KEY:?")  # never a secret in the file
    assert services["migrate"]["command"] == ["triage", "db", "upgrade"]
    for name in ("app", "worker"):  # migrated once, before either starts; never by themselves
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    app = services["app"]
    assert app["command"][:2] == ["triage", "serve"] and "--workers" in app["command"]
    assert app["environment"]["TRIAGE_OUTBOX_WORKER"] == "0" and services["worker"]["command"] == ["triage", "worker"]
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert all(p.startswith("127.0.0.1:") for p in app["ports"])  # behind a TLS proxy, not open to the network
    assert services["postgres"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    build = services["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    assert set(doc["volumes"]) == {"postgres-data", "triage-home"}


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def _command(unit: configparser.RawConfigParser, port: int) -> list[str]:
    args = shlex.split(unit["Service"]["ExecStart"])
    assert args[0] == UNIT_TRIAGE
    return [TRIAGE, *[str(port) if a == "8000" else a for a in args[1:]]]


def _unit_env(unit: configparser.RawConfigParser, base: dict[str, str]) -> dict[str, str]:
    assert unit["Service"]["EnvironmentFile"] == "/etc/triage/triage.env"
    env = dict(base)
    extra = unit["Service"].get("Environment")
    if extra:
        key, _, value = extra.partition("=")
        env[key] = value
    return env


def test_systemd_units_start_as_plain_processes(tmp_path: Path) -> None:
    example = dict(
        line.split("=", 1) for line in (DEPLOY / "systemd" / "triage.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )  # fmt: skip
    assert _settings_named(example) <= {f"TRIAGE_{n.upper()}" for n in Settings.model_fields}
    with stack(tmp_path, migrated=False) as st:
        db = st.db()
        # The units' environment file with this machine's database, Redis and state folder.
        env = {**example, **{k: st.env[k] for k in ("TRIAGE_DATABASE_URL", "TRIAGE_REDIS_URL", "TRIAGE_REDIS_PREFIX",
                                                     "TRIAGE_HOME", "TRIAGE_SECRET_KEY")}}  # fmt: skip
        # At most BURST requests in any 120 s for the organisation, across both workers.
        base = {**st.env, **env, "TRIAGE_API_RATE": "0.1", "TRIAGE_API_BURST": str(BURST)}
        assert db.revision() is None  # an empty store: the migrate unit makes it
        port = free_port()
        web = _unit("triage-web.service")
        refused = subprocess.run(
            _command(web, port), env=_unit_env(web, base), capture_output=True, text=True, timeout=120
        )
        assert refused.returncode == 2 and "triage db upgrade" in refused.stderr  # no implicit migration
        migrate = _unit("triage-migrate.service")
        assert migrate["Service"]["Type"] == "oneshot"
        done = subprocess.run(_command(migrate, port), env=_unit_env(migrate, base), capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        worker = _unit("triage-worker.service")
        for unit in (web, worker):
            assert unit["Service"]["KillSignal"] == "SIGTERM" and unit["Service"]["UMask"] == "0077"
        with (
            process(_command(web, port), _unit_env(web, base), tmp_path / "web.log",
                    ready_url=f"http://127.0.0.1:{port}/readyz") as web_proc,
            process(_command(worker, port), _unit_env(worker, base), tmp_path / "worker.log") as worker_proc,
        ):  # fmt: skip
            deadline = time.monotonic() + 60
            while "worker running" not in (tmp_path / "worker.log").read_text():
                assert worker_proc.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
                time.sleep(0.1)
            statuses = _share_limit_and_idempotency(db, f"http://127.0.0.1:{port}")
            for proc in (web_proc, worker_proc):  # what systemd does on stop
                proc.send_signal(signal.SIGTERM)
            assert worker_proc.wait(timeout=30) == 0
            assert web_proc.wait(timeout=30) == 0
        assert re.search(r'"path": "/readyz".*"status": 200', (tmp_path / "web.log").read_text())
        with db.transaction() as s:
            assert s.exec(select(func.count()).select_from(Case)).one() == 1
        db.dispose()
    assert statuses.count(200) == BURST - 6 and statuses.count(429) == len(statuses) - (BURST - 6)
    log = tmp_path / "web.log"
    lines = [d for d in json_lines(log) if d.get("message") == "request" and d.get("path") == "/v1/cases"]
    assert len({d["pid"] for d in lines}) == 2, "both workers answered"
    assert all(isinstance(d.get("request_id"), str) and len(str(d["request_id"])) == 32 for d in lines)
    assert "Testperson" not in log.read_text()  # no names in the log


def _share_limit_and_idempotency(db: Database, base: str) -> list[int]:
    """Six concurrent creations with one idempotency key, then 2 x BURST reads on new
    connections (so both workers serve); the read statuses."""
    with db.transaction() as s:
        org = Organisation(name="Fictional Ward Team (test)", kind="hospital")
        s.add(org)
        s.flush()
        org_id = org.id
    _, key = create_key(db, org_id, "referrer", "ward system (test)")
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "ward7-bed12-2026-11-23"}
    answers: list[httpx.Response] = []
    start = threading.Barrier(6)

    def create() -> None:
        start.wait()
        with httpx.Client(base_url=base, timeout=60) as c:  # a connection of its own
            answers.append(c.post("/v1/cases", json=DISCHARGE_CASE, headers=headers))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in answers) == [201] * 6, [r.text[:200] for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    statuses = []
    for _ in range(2 * BURST):
        with httpx.Client(base_url=base, timeout=30) as c:  # new connections reach both workers
            statuses.append(c.get("/v1/cases", headers={"Authorization": f"Bearer {key}"}).status_code)
    return statuses
