"""``GET /healthz`` (the process answers) and ``GET /readyz`` (the rule set is loaded), for load
balancers and orchestrators: outside ``/v1`` and without a key, as they always were."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AppEngines

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(engines: AppEngines) -> dict[str, str]:
    return {"status": "ready", "ruleset": engines.newest().ruleset.version}
