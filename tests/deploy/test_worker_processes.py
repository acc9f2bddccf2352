"""``triage worker`` as real processes on PostgreSQL: two at once deliver every event exactly once
(claims with SELECT ... FOR UPDATE SKIP LOCKED), each with its delivery id; and a dead event is
listed for administrators and can be sent again."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from tests.deploy.processes import TRIAGE, json_lines, process, stack
from triage.casework.webhooks import verify
from triage.store.models import Organisation, OutboxEvent
from triage.store.types import utcnow

SECRET = "receiver-secret-for-tests"
EVENTS = 40


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, bool]]]]:
    got: list[tuple[str, bool]] = []  # (delivery id, signature valid)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(0.02)  # a receiver that takes a moment: the two workers interleave
            with lock:
                got.append((self.headers["X-Triage-Event-Id"], verify(SECRET, dict(self.headers), body, time.time())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events", got
    server.shutdown()
    server.server_close()


def test_two_worker_processes_deliver_each_event_once(tmp_path: Path, receiver: tuple[str, list]) -> None:  # type: ignore[type-arg]
    url, got = receiver
    with stack(tmp_path, TRIAGE_OUTBOX_BASE_DELAY="0.2") as st:
        db = st.db()
        with db.transaction() as s:
            s.add(
                Organisation(name="Fictional Receiver (test)", kind="hospital", webhook_url=url, webhook_secret=SECRET)
            )
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        with (
            process([TRIAGE, "worker", "--interval", "0.1"], st.env, logs[0]),
            process([TRIAGE, "worker", "--interval", "0.1"], st.env, logs[1]),
        ):
            deadline = time.monotonic() + 60
            while not all("worker running" in log.read_text() for log in logs):
                assert time.monotonic() < deadline, [log.read_text() for log in logs]
                time.sleep(0.1)
            now = utcnow()
            with db.transaction() as s:
                for i in range(EVENTS):
                    s.add(OutboxEvent(event_type="referral.accepted", payload={"referral_id": f"ref-{i}"},
                                      target_url=url, next_attempt_at=now, created_at=now))  # fmt: skip
            while len(got) < EVENTS and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)  # any duplicate would arrive by now
        with db.transaction() as s:
            rows = list(s.exec(select(OutboxEvent)))
        db.dispose()
    ids = Counter(i for i, _ in got)
    assert len(ids) == EVENTS and max(ids.values()) == 1, ids.most_common(3)
    assert all(valid for _, valid in got)
    assert all(r.delivered_at is not None and r.attempts == 1 for r in rows)
    per_worker = [sum(int(str(d.get("delivered", 0))) for d in json_lines(log) if d.get("message") == "job pass")
                  for log in logs]  # fmt: skip
    assert sum(per_worker) == EVENTS and all(n > 0 for n in per_worker), per_worker


def test_a_dead_event_is_listed_and_can_be_sent_again(tmp_path: Path) -> None:
    with stack(tmp_path, TRIAGE_OUTBOX_MAX_ATTEMPTS="2", TRIAGE_OUTBOX_BASE_DELAY="0.05") as st:
        db = st.db()
        refused = "http://127.0.0.1:9/nobody-listens"
        with db.transaction() as s:
            s.add(Organisation(name="Fictional Down Receiver (test)", kind="hospital", webhook_url=refused,
                               webhook_secret=SECRET))  # fmt: skip
            s.add(OutboxEvent(event_type="referral.accepted", payload={"referral_id": "ref-x"}, target_url=refused,
                              next_attempt_at=utcnow(), created_at=utcnow()))  # fmt: skip
        for _ in range(2):
            run = subprocess.run([TRIAGE, "worker", "--once"], env=st.env, capture_output=True, text=True, timeout=60)
            assert run.returncode == 0, run.stderr
            time.sleep(0.1)
        listed = subprocess.run([TRIAGE, "outbox", "list", "--dead"], env=st.env, capture_output=True, text=True)
        [dead] = [json.loads(line) for line in listed.stdout.splitlines()]
        assert dead["state"] == "dead" and dead["attempts"] == 2 and "gave up after 2 attempts" in dead["last_error"]
        again = subprocess.run([TRIAGE, "outbox", "retry", str(dead["id"])], env=st.env, capture_output=True, text=True)
        assert again.returncode == 0 and json.loads(again.stdout)["state"] == "pending"
        alive = subprocess.run([TRIAGE, "outbox", "retry", str(dead["id"])], env=st.env, capture_output=True, text=True)
        assert alive.returncode == 2 and "only a dead event" in alive.stderr
        db.dispose()
