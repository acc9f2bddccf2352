"""``triage worker``: the background jobs (webhook delivery) as a process of their own."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from triage.cli.shared import fail


def worker(
    interval: Annotated[float, typer.Option(help="Seconds to wait after a pass with nothing to do.", min=0.05)] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="One pass over what is due now, then stop.")] = False,
) -> None:
    """Run the background jobs until stopped (SIGTERM or Ctrl-C): several may run at once.

    Turn the web process's own delivery off (TRIAGE_OUTBOX_WORKER=0) when this runs."""
    from triage import logs
    from triage.casework.worker import jobs_for, run
    from triage.settings import settings
    from triage.store.db import StoreNotReady, ready_store

    config = settings()
    logs.configure(config)
    try:
        db = ready_store()
    except StoreNotReady as exc:
        fail(str(exc))
    except Exception as exc:  # unreachable or refused: one line, not a traceback
        fail(f"database: cannot open: {str(exc).splitlines()[0]}")
    jobs = jobs_for(db, config)
    stop = threading.Event()
    if once:
        stop.set()
        for job in jobs:
            typer.echo(f"{job.name}: {job.run_once()}")
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"triage: worker running {', '.join(j.name for j in jobs)} (SIGTERM to stop)", err=True)
    run(jobs, stop, interval)
    db.dispose()
