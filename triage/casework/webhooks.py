"""Outcome webhooks: signing, and delivery of the outbox with retries and back-off.

The store writes an ``outbox_events`` row in the same transaction as the
change it reports (``triage.casework.referrals``: a referral sent, accepted, declined,
closed with an outcome), so an event exists if and only if the change was
committed. This module delivers them:

* **Claiming.** On PostgreSQL a worker takes the next due row with ``SELECT ...
  FOR UPDATE SKIP LOCKED`` and, in the same transaction, counts the attempt and
  leases the row (``next_attempt_at = now + lease``): workers never wait on each
  other and never take the same row. On SQLite (one writer at a time) it claims
  with a conditional UPDATE (``... WHERE id = ? AND attempts = <seen>``); exactly
  one of several workers gets rowcount 1. The lease hides the row from others
  while it is being sent; a worker that dies mid-send leaves it to be retried
  when the lease ends.
* **Retries.** A failure (connection error, timeout, non-2xx) schedules the
  next attempt after ``base * 2**(attempts-1)`` seconds, capped at
  ``max_delay``; after ``max_attempts`` the row is *dead*: undelivered, with its
  ``last_error`` and no next attempt. Administrators see dead rows with
  ``triage outbox list --dead`` or ``GET /v1/outbox?state=dead`` (an admin key)
  and send one again with ``triage outbox retry ID``.
* **Restarts lose nothing.** All state is in the row; a new worker over the
  same database carries on.

Delivery is at least once: a receiver may see an event again if the worker
dies after sending but before recording success. Every attempt at one event
carries the same delivery id, ``X-Triage-Event-Id`` (and ``id`` in the body), so
a receiver that records the ids it has acted on has exactly-once effects.

**Signature.** ``X-Triage-Signature: sha256=<hex>`` is HMAC-SHA256 with the
receiving organisation's ``webhook_secret`` over ``<timestamp>.<raw body>``,
where ``X-Triage-Timestamp`` is the Unix time of sending; receivers check it
with :func:`verify` and refuse stale timestamps (replays).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select, update

from triage.settings import Settings, settings
from triage.store.db import Database
from triage.store.models import Agency, Organisation, OutboxEvent, Referral
from triage.store.types import utcnow

log = logging.getLogger("triage.casework.webhooks")

SIGNATURE_HEADER = "X-Triage-Signature"
TIMESTAMP_HEADER = "X-Triage-Timestamp"
EVENT_ID_HEADER = "X-Triage-Event-Id"
EVENT_TYPE_HEADER = "X-Triage-Event"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 with ``secret`` over ``b"<timestamp>." + body``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float, tolerance: float = 300.0) -> bool:
    """True when the request carries a valid signature of ``body`` made within ``tolerance`` seconds of ``now``.

    ``headers`` is looked up case-insensitively by the header names above."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        ts = int(lower[TIMESTAMP_HEADER.lower()])
        given = lower[SIGNATURE_HEADER.lower()]
    except (KeyError, ValueError):
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, body), given)


def envelope(event: OutboxEvent) -> bytes:
    """The body sent for an event: compact JSON, the same bytes on every attempt."""
    created = event.created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    doc = {"id": str(event.id), "type": event.event_type, "created_at": created, "data": event.payload}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


class DeliveryPolicy(BaseModel):
    """How hard to try. Delays are seconds."""

    model_config = ConfigDict(frozen=True)

    base_delay: float = 10.0
    max_delay: float = 3600.0
    max_attempts: int = Field(default=12, ge=1)
    lease: float = 60.0
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, given: Settings | None = None) -> DeliveryPolicy:
        """Defaults, overridden by ``TRIAGE_OUTBOX_BASE_DELAY``, ``_MAX_DELAY``, ``_MAX_ATTEMPTS``,
        ``_LEASE`` and ``_TIMEOUT`` (seconds, or a count for attempts)."""
        s = given or settings()
        values = {
            "base_delay": s.outbox_base_delay,
            "max_delay": s.outbox_max_delay,
            "max_attempts": s.outbox_max_attempts,
            "lease": s.outbox_lease,
            "timeout": s.outbox_timeout,
        }
        return cls.model_validate({k: v for k, v in values.items() if v is not None})

    def delay(self, attempts: int) -> float:
        """Back-off before the next attempt, after ``attempts`` attempts (1, 2, ...)."""
        return float(min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))


class DeliveryReport(BaseModel):
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0


OutboxState = Literal["delivered", "pending", "dead", "no_target"]


def state_of(delivered_at: dt.datetime | None, next_attempt_at: dt.datetime | None, target: str | None) -> OutboxState:
    if delivered_at is not None:
        return "delivered"
    if target is None:
        return "no_target"
    return "pending" if next_attempt_at is not None else "dead"


class OutboxStatus(BaseModel):
    """One outbox row as listed (the payload holds ids and codes only)."""

    id: int
    state: OutboxState
    event_type: str
    target_url: str | None
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime


Post = Callable[[str, bytes, dict[str, str], float], int]
"""Send ``body`` to ``url`` with ``headers`` within ``timeout`` seconds; returns the HTTP status."""


def httpx_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    # Redirects are not followed: a signed event goes only where it was configured to go.
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        return client.post(url, content=body, headers=headers).status_code


def _secret_for(s: Any, event: OutboxEvent) -> str | None:
    """The receiving organisation's secret: the agency's for ``referral.sent``, else the
    referrer's; in either case only if that organisation's webhook URL is the target."""
    org: Organisation | None = None
    ref_id = event.payload.get("referral_id") if isinstance(event.payload, dict) else None
    ref = s.get(Referral, ref_id) if isinstance(ref_id, str) else None
    if ref is not None:
        if event.event_type == "referral.sent":
            agency = s.get(Agency, ref.agency_id)
            org = s.get(Organisation, agency.organisation_id) if agency else None
        else:
            org = s.get(Organisation, ref.referrer_org_id)
    if org is None or org.webhook_url != event.target_url:
        org = s.exec(select(Organisation).where(Organisation.webhook_url == event.target_url)).first()
    return org.webhook_secret if org is not None else None


class OutboxWorker:
    """Delivers due outbox events. Safe to run in several threads or processes at once."""

    def __init__(
        self,
        db: Database,
        policy: DeliveryPolicy | None = None,
        post: Post = httpx_post,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = db
        self.policy = policy or DeliveryPolicy.from_settings()
        self.post = post
        self.clock = clock

    def _due(self, limit: int) -> list[tuple[int, int]]:
        now = self.clock()
        with self.db.transaction() as s:
            rows = s.exec(
                select(OutboxEvent.id, OutboxEvent.attempts)
                .where(
                    col(OutboxEvent.delivered_at).is_(None),
                    col(OutboxEvent.target_url).is_not(None),
                    col(OutboxEvent.next_attempt_at).is_not(None),
                    col(OutboxEvent.next_attempt_at) <= now,
                    col(OutboxEvent.attempts) < self.policy.max_attempts,
                )
                .order_by(col(OutboxEvent.next_attempt_at), col(OutboxEvent.id))
                .limit(limit)
            ).all()
        return [(int(i), int(a)) for i, a in rows if i is not None]

    def _claim(self, event_id: int, seen_attempts: int) -> OutboxEvent | None:
        """Take the row for one attempt; None if another worker took it first."""
        now = self.clock()
        with self.db.transaction() as s:
            result = s.execute(
                update(OutboxEvent)
                .where(
                    col(OutboxEvent.id) == event_id,
                    col(OutboxEvent.attempts) == seen_attempts,
                    col(OutboxEvent.delivered_at).is_(None),
                    col(OutboxEvent.next_attempt_at) <= now,
                )
                .values(attempts=seen_attempts + 1, next_attempt_at=now + dt.timedelta(seconds=self.policy.lease))
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                return None
            return s.get(OutboxEvent, event_id)

    def _finish(self, event: OutboxEvent, error: str | None) -> str:
        now = self.clock()
        attempts = event.attempts
        if error is None:
            values: dict[str, Any] = {"delivered_at": now, "next_attempt_at": None, "last_error": None}
            outcome = "delivered"
        elif attempts >= self.policy.max_attempts:
            values = {"next_attempt_at": None, "last_error": f"gave up after {attempts} attempts: {error}"[:1000]}
            outcome = "gave_up"
        else:
            retry_at = now + dt.timedelta(seconds=self.policy.delay(attempts))
            values = {"next_attempt_at": retry_at, "last_error": error[:1000]}
            outcome = "failed"
        with self.db.transaction() as s:
            # Only the claimant (same attempt count) records the result.
            s.execute(
                update(OutboxEvent)
                .where(col(OutboxEvent.id) == event.id, col(OutboxEvent.attempts) == attempts)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return outcome

    def _send(self, event: OutboxEvent) -> str | None:
        """Deliver one claimed event; None on success, else what went wrong."""
        with self.db.transaction() as s:
            secret = _secret_for(s, event)
        if not secret:
            return "no webhook secret for the receiving organisation (set one with `triage outbox webhook`)"
        assert event.target_url is not None
        body = envelope(event)
        ts = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "triage-webhooks/1",
            SIGNATURE_HEADER: signature(secret, ts, body),
            TIMESTAMP_HEADER: str(ts),
            EVENT_ID_HEADER: str(event.id),
            EVENT_TYPE_HEADER: event.event_type,
        }
        try:
            status = self.post(event.target_url, body, headers, self.policy.timeout)
        except Exception as exc:  # any transport failure is a failed attempt, retried later
            return f"{type(exc).__name__}: {exc}"
        if 200 <= status < 300:
            return None
        return f"receiver answered HTTP {status}"

    def _claim_next_skip_locked(self) -> OutboxEvent | None:
        """PostgreSQL: the next due row no other worker holds, claimed in one transaction."""
        now = self.clock()
        with self.db.transaction() as s:
            event = s.exec(
                select(OutboxEvent)
                .where(
                    col(OutboxEvent.delivered_at).is_(None),
                    col(OutboxEvent.target_url).is_not(None),
                    col(OutboxEvent.next_attempt_at).is_not(None),
                    col(OutboxEvent.next_attempt_at) <= now,
                    col(OutboxEvent.attempts) < self.policy.max_attempts,
                )
                .order_by(col(OutboxEvent.next_attempt_at), col(OutboxEvent.id))
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if event is None:
                return None
            event.attempts += 1
            event.next_attempt_at = now + dt.timedelta(seconds=self.policy.lease)
            s.add(event)
            s.flush()
            return event

    def _claimed(self, limit: int) -> Iterator[OutboxEvent]:
        """Due events, each claimed for one attempt by this worker, up to ``limit``."""
        if self.db.dialect == "postgresql":
            # One at a time: a row is leased only just before it is sent, so a slow receiver
            # never lets a batch's later leases run out while they wait.
            for _ in range(limit):
                event = self._claim_next_skip_locked()
                if event is None:
                    return
                yield event
            return
        for event_id, attempts in self._due(limit):
            claimed = self._claim(event_id, attempts)
            if claimed is not None:
                yield claimed

    def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """One pass: claim and send every event due now (up to ``limit``)."""
        report = DeliveryReport()
        for event in self._claimed(limit):
            report.claimed += 1
            outcome = self._finish(event, self._send(event))
            if outcome == "delivered":
                report.delivered += 1
            elif outcome == "gave_up":
                report.gave_up += 1
                log.warning("outbox event %s: gave up after %s attempts", event.id, event.attempts)
            else:
                report.failed += 1
        return report

    def run(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Deliver until ``stop`` is set, polling every ``interval`` seconds."""
        while not stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # a passing database error must not end the worker
                log.exception("outbox delivery pass failed")
            stop.wait(interval)


class BackgroundDelivery:
    """A daemon thread running an :class:`OutboxWorker` (the web app starts one)."""

    def __init__(self, worker: OutboxWorker, interval: float = 2.0) -> None:
        self.worker = worker
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.worker.run, args=(self._stop, self.interval), name="outbox-delivery", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def list_events(
    db: Database, undelivered_only: bool = False, limit: int = 100, state: OutboxState | None = None
) -> list[OutboxStatus]:
    """Outbox rows, newest first; only undelivered ones, or only those in ``state``."""
    with db.transaction() as s:
        q = select(OutboxEvent)
        if undelivered_only or state in ("pending", "dead", "no_target"):
            q = q.where(col(OutboxEvent.delivered_at).is_(None))
        if state == "delivered":
            q = q.where(col(OutboxEvent.delivered_at).is_not(None))
        elif state == "no_target":
            q = q.where(col(OutboxEvent.target_url).is_(None))
        elif state in ("pending", "dead"):
            q = q.where(col(OutboxEvent.target_url).is_not(None))
            waiting = col(OutboxEvent.next_attempt_at)
            q = q.where(waiting.is_not(None) if state == "pending" else waiting.is_(None))
        rows = s.exec(q.order_by(col(OutboxEvent.id).desc()).limit(limit)).all()
        return [
            OutboxStatus.model_validate(
                {**r.model_dump(), "state": state_of(r.delivered_at, r.next_attempt_at, r.target_url)}
            )
            for r in rows
        ]


def retry_dead(db: Database, event_id: int, at: dt.datetime | None = None) -> OutboxStatus:
    """Send a dead event again (after its receiver was fixed): attempts start afresh, now.
    The delivery id stays the same, so a receiver that had it after all can tell."""
    from triage.store.errors import InvalidInput, NotFound

    with db.transaction() as s:
        event = s.get(OutboxEvent, event_id)
        if event is None:
            raise NotFound(f"event {event_id}: not in the outbox", field="event_id")
        if state_of(event.delivered_at, event.next_attempt_at, event.target_url) != "dead":
            raise InvalidInput(f"event {event_id}: only a dead event can be retried", field="event_id")
        event.attempts, event.next_attempt_at = 0, at or utcnow()
        s.add(event)
        s.flush()
        return OutboxStatus.model_validate({**event.model_dump(), "state": "pending"})


def set_webhook(db: Database, organisation_id: str, url: str | None) -> str | None:
    """Set (or with None, clear) an organisation's webhook URL; returns a new random secret
    to give the receiver (kept in the store to sign with; shown once)."""
    import secrets

    if url is not None and not (url.startswith("https://") or url.startswith("http://127.0.0.1")
                                or url.startswith("http://localhost")):  # fmt: skip
        from triage.store.errors import InvalidInput

        raise InvalidInput(f"url: a webhook must be https:// (or http://127.0.0.1 for testing), got {url!r}", "url")
    with db.transaction() as s:
        org = s.get(Organisation, organisation_id)
        if org is None:
            from triage.store.errors import NotFound

            raise NotFound(f"org: no organisation {organisation_id}", field="org")
        secret = secrets.token_urlsafe(32) if url is not None else None
        org.webhook_url, org.webhook_secret = url, secret
        s.add(org)
        return secret
