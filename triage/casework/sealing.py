"""The service secret, and sealing small records with keys made from it and a bearer's token.

A sealed record (a questionnaire draft, a browser session) is Fernet (AES-128-CBC with
HMAC-SHA256) under a key made from the service secret *and* the token its bearer holds (a
resume code, a session cookie); its row is found by another HMAC of the token. So the store
alone reveals nothing, and not even the secret with the store opens a record without its
token: answers about domestic abuse are readable only by whoever holds the code or the cookie.

The secret is ``TRIAGE_SECRET_KEY``; failing that, one is made once and kept (mode 600) in
the state folder, which every worker on one host shares. Several hosts must set the variable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from triage.settings import Settings, settings


def service_secret(given: Settings | None = None, folder: Path | None = None) -> str:
    """``TRIAGE_SECRET_KEY``, else the state folder's own secret (made now if it has none)."""
    configured = (given or settings()).secret_key
    if configured:
        return configured
    from triage.paths import var_dir

    path = (folder or var_dir()) / "secret_key"
    if not path.exists():
        # O_EXCL: two workers starting at once agree on one secret.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Sealer:
    """Seal and open JSON records for one purpose (``"draft"``, ``"session"``) under one secret."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._secret = secret.encode()
        self._purpose = purpose.encode()

    def _mac(self, label: bytes, token: str) -> bytes:
        return hmac.new(self._secret, self._purpose + b":" + label + b":" + token.encode(), hashlib.sha256).digest()

    def row_id(self, token: str) -> str:
        """Where the record of ``token`` is kept: an HMAC, so the table does not reveal tokens."""
        return self._mac(b"id", token).hex()

    def seal(self, token: str, data: dict[str, Any]) -> str:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        return self._fernet(token).encrypt(body).decode()

    def open(self, token: str, sealed: str) -> dict[str, Any] | None:
        """The record, or None if it was not sealed for this token (or was tampered with)."""
        try:
            data = json.loads(self._fernet(token).decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _fernet(self, token: str) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(self._mac(b"key", token)))
