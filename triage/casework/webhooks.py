"""Outcome webhooks: signing, and delivery of the outbox with retries and back-off.

The store writes an ``outbox_events`` row in the same transaction as the
change it reports (``triage.casework.referrals``: a referral sent, accepted, declined,
closed with an outcome), so an event exists if and only if the change was
committed. This module delivers them:

* **Claiming.** A worker claims a due row with a conditional UPDATE
  (``... SET attempts = attempts + 1, next_attempt_at = now + lease WHERE
  id = ? AND attempts = <seen> AND delivered_at IS NULL``); exactly one of
  several workers (threads or processes, on SQLite or PostgreSQL) gets
  rowcount 1. The lease hides the row from others while it is being sent; a
  worker that dies mid-send leaves it to be retried when the lease ends.
* **Retries.** A failure (connection error, timeout, non-2xx) schedules the
  next attempt after ``base * 2**(attempts-1)`` seconds, capped at
  ``max_delay``; after ``max_attempts`` the row is left undelivered with its
  ``last_error`` and ``next_attempt_at`` empty (``triage outbox list`` shows it).
* **Restarts lose nothing.** All state is in the row; a new worker over the
  same database carries on.

Delivery is at least once: a receiver may see an event again if the worker
dies after sending but before recording success, so receivers dedupe on
``X-Triage-Event-Id``.

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
from collections.abc import Callable, Mapping
from typing import Any

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


class OutboxStatus(BaseModel):
    """One outbox row as listed (the payload holds ids and codes only)."""

    id: int
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

    def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """One pass: claim and send every event due now (up to ``limit``)."""
        report = DeliveryReport()
        for event_id, attempts in self._due(limit):
            event = self._claim(event_id, attempts)
            if event is None:
                continue
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


def list_events(db: Database, undelivered_only: bool = False, limit: int = 100) -> list[OutboxStatus]:
    """Outbox rows, newest first."""
    with db.transaction() as s:
        q = select(OutboxEvent)
        if undelivered_only:
            q = q.where(col(OutboxEvent.delivered_at).is_(None))
        rows = s.exec(q.order_by(col(OutboxEvent.id).desc()).limit(limit)).all()
        return [OutboxStatus.model_validate(r, from_attributes=True) for r in rows]


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
