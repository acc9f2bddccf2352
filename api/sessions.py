"""Signed session cookies for the web pages.

The signing key comes from ``TRIAGE_SECRET_KEY``; failing that, a random key is
made once and kept in the service's state folder, so secrets are never in the
repository and a restart does not sign everybody out.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from triage.paths import var_dir
from triage.settings import Settings, settings

# An idle session ends after this; the pages warn a little before (issue 3).
IDLE_TIMEOUT_SECONDS = 20 * 60


def secret_key(folder: Path | None = None, given: Settings | None = None) -> str:
    configured = (given or settings()).secret_key
    if configured:
        return configured
    path = (folder or var_dir()) / "secret_key"
    if not path.exists():
        # O_EXCL: two workers starting at once agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def install(app: FastAPI, given: Settings | None = None) -> None:
    config = given or settings()
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(given=config),
        session_cookie="triage_session",
        max_age=IDLE_TIMEOUT_SECONDS,
        same_site="strict",
        https_only=config.https,  # set behind TLS
    )
