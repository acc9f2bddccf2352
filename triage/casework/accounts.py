"""User accounts: the first administrator of a real deployment, users added later, and who may sign in.

Organisations and users are created here, never seeded outside demo mode."""

from __future__ import annotations

import re
import secrets
from functools import cache

from sqlmodel import func, select

from triage.casework.passwords import hash_password, verify_password
from triage.store import audit
from triage.store.db import Database
from triage.store.errors import InvalidInput
from triage.store.models import Organisation, User

ROLES = ("admin", "referrer", "adviser", "auditor")
ORGANISATION_KINDS = (
    "gp_practice", "hospital", "link_worker_service", "advice_agency", "law_centre", "partnership",
)  # fmt: skip
MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


def user_count(db: Database) -> int:
    with db.transaction() as s:
        return int(s.exec(select(func.count()).select_from(User)).one())


def create_user(
    db: Database,
    email: str,
    display_name: str,
    role: str,
    password: str,
    organisation: str,
    organisation_kind: str = "partnership",
) -> User:
    """A new user in the organisation named ``organisation`` (made with ``organisation_kind`` if new).

    Every problem is an :class:`InvalidInput` naming the field."""
    email = email.strip()
    if not _EMAIL.match(email):
        raise InvalidInput(f"email: expected an email address, got {email!r}", field="email")
    if not display_name.strip():
        raise InvalidInput("name: must not be empty", field="name")
    if role not in ROLES:
        raise InvalidInput(f"role: expected one of {', '.join(ROLES)}, got {role!r}", field="role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: must be at least {MIN_PASSWORD} characters", field="password")
    if organisation_kind not in ORGANISATION_KINDS:
        raise InvalidInput(
            f"organisation kind: expected one of {', '.join(ORGANISATION_KINDS)}, got {organisation_kind!r}",
            field="organisation_kind",
        )
    if not organisation.strip():
        raise InvalidInput("organisation: must not be empty", field="organisation")
    with db.transaction() as s:
        if s.exec(select(User.id).where(func.lower(User.email) == email.lower())).first() is not None:
            raise InvalidInput(f"email: a user with {email} already exists", field="email")
        org = s.exec(select(Organisation).where(Organisation.name == organisation.strip())).first()
        if org is None:
            org = Organisation(name=organisation.strip(), kind=organisation_kind)
            s.add(org)
            s.flush()
        user = User(
            organisation_id=org.id, email=email, display_name=display_name.strip(), role=role,
            password_hash=hash_password(password),
        )  # fmt: skip
        s.add(user)
        s.flush()
        audit.record(s, None, "user.create", detail={"user_id": user.id, "role": role})
        return user


@cache
def _stand_in_hash() -> str:
    # Checked against when there is no such user, so an unknown email address takes as long
    # as a known one (one scrypt either way) and timing does not say which accounts exist.
    return hash_password(secrets.token_urlsafe(16))


def check_password(db: Database, email: str, password: str) -> tuple[User, Organisation] | None:
    """The active user with this email address and password, and their organisation; else None.

    Every call costs one password hash, whether the account exists, is inactive or not."""
    with db.transaction() as s:
        user = s.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()
        right = verify_password(password, user.password_hash if user is not None else _stand_in_hash())
        if user is None or not user.active or not right:
            return None
        org = s.get(Organisation, user.organisation_id)
        assert org is not None
        return user, org


def active_user(db: Database, user_id: str) -> tuple[User, Organisation] | None:
    """The user with this id and their organisation, while the user is active; else None."""
    with db.transaction() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            return None
        org = s.get(Organisation, user.organisation_id)
        return (user, org) if org else None
