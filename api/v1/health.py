"""``GET /healthz`` (the process answers) and ``GET /readyz`` (ready for traffic: the store answers,
its schema is at the newest revision, the rule set is loaded), for load balancers and
orchestrators: outside ``/v1`` and without a key. A failed check is a 503 problem naming it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import DB, AppEngines
from api.problems import ProblemError
from triage.store.db import head_revision

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(engines: AppEngines, db: DB) -> dict[str, str]:
    try:
        found = db.revision()
    except Exception as exc:  # unreachable, refused, bad credentials: not ready, and say which check
        raise ProblemError(503, f"database: not reachable ({type(exc).__name__})") from None
    head = head_revision()
    if found != head:
        raise ProblemError(
            503, f"migrations: the store is at {found or '(empty)'}, not {head}; run `triage db upgrade`"
        )
    return {"status": "ready", "database": db.dialect, "migrations": found, "ruleset": engines.newest().ruleset.version}
