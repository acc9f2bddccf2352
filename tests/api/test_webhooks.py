"""Outcome webhooks: a receiver on 127.0.0.1 that fails twice then succeeds gets the signed
event exactly once, across a restart of the worker and of the app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import LAW_CENTRE, Keys, api_app
from tests.api.examples import DISCHARGE_CASE
from triage.casework.webhooks import DeliveryPolicy, OutboxWorker, set_webhook, signature, verify
from triage.store.db import Database
from triage.store.models import OutboxEvent

FAST = DeliveryPolicy(base_delay=0.05, max_delay=0.2, lease=5.0, timeout=5.0)


@dataclass
class Receiver:
    fail_first: int
    url: str = ""
    attempts: int = 0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(fail_first=2)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.attempts += 1
                ok = state.attempts > state.fail_first
                if ok:
                    state.received.append((dict(self.headers.items()), body))
            self.send_response(204 if ok else 503)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/triage-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _close_a_referral(client: TestClient, keys: Keys, before_close: Callable[[], object] = lambda: None) -> str:
    """Refer, accept and close with an outcome; ``before_close`` runs just before closing
    (setting the webhook there makes the outcome the only event sent to it)."""
    h, agency = keys.bearer(keys.hospital), keys.bearer(keys.agency)
    case = client.post("/v1/cases", json=DISCHARGE_CASE, headers=h).json()
    body = {"issue": "housing.homelessness", "agency_id": LAW_CENTRE,
            "consent": {"given_by": "the person", "feedback_agreed": True}}  # fmt: skip
    ref = client.post(f"/v1/cases/{case['id']}/referrals", json=body, headers=h).json()["referral"]
    assert client.post(f"/v1/referrals/{ref['id']}/accept", headers=agency).status_code == 200
    before_close()
    closed = client.post(f"/v1/referrals/{ref['id']}/close", headers=agency,
                         json={"outcome": "resolved", "home_kept": True, "eviction_prevented": True})  # fmt: skip
    assert closed.status_code == 200, closed.text
    return str(ref["id"])


def _closed_events(received: list[tuple[dict[str, str], bytes]]) -> list[dict]:  # type: ignore[type-arg]
    return [e for e in (json.loads(b) for _, b in received) if e["type"] == "referral.closed"]


def _check_signed(secret: str, headers: dict[str, str], body: bytes) -> None:
    assert verify(secret, headers, body, now=time.time())
    assert not verify("another-secret", headers, body, now=time.time())
    assert not verify(secret, headers, body + b" ", now=time.time())
    assert not verify(secret, headers, body, now=time.time() + 3600)  # stale: a replay


def test_fails_twice_then_delivered_exactly_once_across_a_worker_restart(
    client: TestClient, db: Database, keys: Keys, receiver: Receiver
) -> None:
    secrets: list[str | None] = []
    ref_id = _close_a_referral(
        client, keys, lambda: secrets.append(set_webhook(db, keys.hospital_org_id, receiver.url))
    )
    [secret] = secrets
    assert secret
    first = OutboxWorker(db, FAST)
    assert first.deliver_due().failed == 1  # 503
    time.sleep(0.06)
    assert first.deliver_due().failed == 1  # 503 again
    db.dispose()  # the process goes away; a new one opens the same store
    restarted = Database.from_url(str(db.engine.url))
    second = OutboxWorker(restarted, FAST)
    deadline = time.monotonic() + 10
    while not _closed_events(receiver.received) and time.monotonic() < deadline:
        second.deliver_due()
        time.sleep(0.05)
    for _ in range(3):
        assert second.deliver_due().claimed == 0  # nothing left to send
        time.sleep(0.06)
    [event] = _closed_events(receiver.received)
    assert event["data"] == {"referral_id": ref_id, "status": "closed", "outcome": "resolved"}
    headers, body = next((h, b) for h, b in receiver.received if json.loads(b)["type"] == "referral.closed")
    _check_signed(secret, headers, body)
    assert headers["X-Triage-Event-Id"] == event["id"]
    with restarted.transaction() as s:
        row = s.exec(select(OutboxEvent).where(OutboxEvent.event_type == "referral.closed")).one()
        assert row.delivered_at is not None and row.attempts == 3 and row.last_error is None
    restarted.dispose()


def test_the_apps_background_worker_delivers_across_an_app_restart(
    db: Database, keys: Keys, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_OUTBOX_INTERVAL", "0.05")
    monkeypatch.setenv("TRIAGE_OUTBOX_BASE_DELAY", "0.3")
    secrets: list[str | None] = []
    restarted: Database | None = None
    try:
        with TestClient(api_app(db)) as running:  # starts the app's outbox delivery thread
            _close_a_referral(
                running, keys, lambda: secrets.append(set_webhook(db, keys.hospital_org_id, receiver.url))
            )
            deadline = time.monotonic() + 10
            while receiver.attempts < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        assert receiver.attempts == 2 and not _closed_events(receiver.received)  # stopped between retries
        restarted = Database.from_url(str(db.engine.url))
        with TestClient(api_app(restarted)):  # a new app starts over the same store
            deadline = time.monotonic() + 10
            while not _closed_events(receiver.received) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.4)  # a further retry interval: nothing more may arrive
        [event] = _closed_events(receiver.received)
        headers, body = receiver.received[-1]
        assert secrets[0] is not None
        _check_signed(secrets[0], headers, body)
        assert event["data"]["outcome"] == "resolved"
    finally:
        if restarted is not None:
            restarted.dispose()


def test_two_workers_racing_deliver_each_event_once(
    client: TestClient, db: Database, keys: Keys, receiver: Receiver
) -> None:
    receiver.fail_first = 0
    for _ in range(3):
        _close_a_referral(client, keys, lambda: set_webhook(db, keys.hospital_org_id, receiver.url))
    workers = [OutboxWorker(Database.from_url(str(db.engine.url)), FAST) for _ in range(3)]
    barrier = threading.Barrier(len(workers))

    def run(w: OutboxWorker) -> None:
        barrier.wait()
        for _ in range(5):
            w.deliver_due()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [json.loads(b)["id"] for _, b in receiver.received]
    assert len(_closed_events(receiver.received)) == 3 and len(ids) == len(set(ids))
    for w in workers:
        w.db.dispose()


def test_signature_is_hmac_sha256_over_timestamp_and_raw_body() -> None:
    import hashlib
    import hmac

    body = b'{"id":"1"}'
    want = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1700000000, body) == f"sha256={want}"


def test_backoff_doubles_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = DeliveryPolicy(base_delay=10, max_delay=60)
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    monkeypatch.setenv("TRIAGE_OUTBOX_BASE_DELAY", "0.5")
    assert DeliveryPolicy.from_settings().base_delay == 0.5
    monkeypatch.setenv("TRIAGE_OUTBOX_LEASE", "soon")
    with pytest.raises(ValueError, match="TRIAGE_OUTBOX_LEASE"):
        DeliveryPolicy.from_settings()
