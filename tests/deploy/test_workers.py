"""``triage serve --workers 2`` against PostgreSQL with Redis: two real worker processes share one
rate limit (not one each) and one idempotency key (one case, however many workers the retries
reach), and every request line in the JSON log carries a request id."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
from sqlmodel import func, select

from tests.api.examples import DISCHARGE_CASE
from tests.deploy.processes import TRIAGE, free_port, json_lines, process, stack
from triage.casework.apikeys import create_key
from triage.store.models import Case, Organisation

BURST = 12


def test_two_workers_share_the_rate_limit_and_an_idempotency_key(tmp_path: Path) -> None:
    # At most BURST requests in any 120 s, for the whole organisation, across both workers.
    with stack(tmp_path, TRIAGE_API_RATE="0.1", TRIAGE_API_BURST=str(BURST), TRIAGE_OUTBOX_WORKER="0") as st:
        db = st.db()
        with db.transaction() as s:
            org = Organisation(name="Fictional Ward Team (test)", kind="hospital")
            s.add(org)
            s.flush()
            org_id = org.id
        _, key = create_key(db, org_id, "referrer", "ward system (test)")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = tmp_path / "serve.log"
        args = [TRIAGE, "serve", "--workers", "2", "--port", str(port)]
        with process(args, st.env, log, ready_url=base + "/readyz"):
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
        with db.transaction() as s:
            assert s.exec(select(func.count()).select_from(Case)).one() == 1
        db.dispose()
    assert statuses.count(200) == BURST - 6 and statuses.count(429) == len(statuses) - (BURST - 6)
    lines = [d for d in json_lines(log) if d.get("message") == "request" and d.get("path") == "/v1/cases"]
    assert len({d["pid"] for d in lines}) == 2, "both workers answered"
    assert all(isinstance(d.get("request_id"), str) and len(str(d["request_id"])) == 32 for d in lines)
    assert not any("Testperson" in line for line in log.read_text().splitlines())  # no names in the log
