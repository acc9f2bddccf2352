"""Sign-in for the casework pages: scrypt-hashed passwords, the user id in the signed
session cookie, and a per-session CSRF token that every form posts back."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from sqlmodel import select

from triage.casework.passwords import verify_password
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.models import Organisation, User


class Viewer:
    """The signed-in user, their organisation and what they may do."""

    def __init__(self, user: User, org: Organisation) -> None:
        self.user, self.org = user, org
        self.actor = Actor(user_id=user.id, organisation_id=user.organisation_id, role=user.role)

    @property
    def is_referrer(self) -> bool:
        return self.user.role in ("referrer", "admin")

    @property
    def is_adviser(self) -> bool:
        return self.user.role in ("adviser", "admin")


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    want = request.session.get("csrf")
    return isinstance(want, str) and isinstance(sent, str) and hmac.compare_digest(want, sent)


def sign_in(db: Database, request: Request, email: str, password: str) -> Viewer | None:
    """Check the password; on success start a fresh session holding only the user id."""
    with db.transaction() as s:
        user = s.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or not user.active or not verify_password(password, user.password_hash):
            return None
        org = s.get(Organisation, user.organisation_id)
        assert org is not None
    request.session.clear()  # no session fixation: a new token after sign-in
    request.session["user_id"] = user.id
    csrf_token(request)
    return Viewer(user, org)


def viewer(db: Database, request: Request) -> Viewer | None:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, str):
        return None
    with db.transaction() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            return None
        org = s.get(Organisation, user.organisation_id)
        return Viewer(user, org) if org else None
