"""The background worker (``triage worker``): the jobs that run outside the web process.

Each job kind drains its own queue in passes and is safe to run in several processes at once
(its rows are claimed, see :mod:`triage.casework.webhooks`). Today there is one kind, the
outbox of webhooks; another (email reminders, say) is a class with a ``name`` and a
``run_once()`` added to :func:`jobs_for`, nothing else changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from triage.casework.webhooks import DeliveryPolicy, OutboxWorker
from triage.settings import Settings
from triage.store.db import Database

log = logging.getLogger("triage.worker")


class Job(Protocol):
    name: str

    def run_once(self) -> dict[str, int]:
        """Handle what is due now; counts of what happened (all zero when nothing was due)."""
        ...


class WebhookJob:
    name = "webhooks"

    def __init__(self, outbox: OutboxWorker) -> None:
        self.outbox = outbox

    def run_once(self) -> dict[str, int]:
        return self.outbox.deliver_due().model_dump()


def jobs_for(db: Database, config: Settings) -> list[Job]:
    return [WebhookJob(OutboxWorker(db, DeliveryPolicy.from_settings(config)))]


def run(jobs: Sequence[Job], stop: threading.Event, interval: float) -> None:
    """Pass over every job until ``stop`` is set, waiting ``interval`` seconds after an idle pass."""
    while not stop.is_set():
        busy = False
        for job in jobs:
            try:
                counts = job.run_once()
            except Exception:  # a passing database or network error must not end the worker
                log.exception("job pass failed", extra={"job": job.name})
                continue
            if any(counts.values()):
                busy = True
                log.info("job pass", extra={"job": job.name, **counts})
        if not busy:
            stop.wait(interval)
