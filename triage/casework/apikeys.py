"""API keys: one organisation and one role each, stored only as a SHA-256 hash.

A key looks like ``tjk_<prefix>_<secret>``: the prefix (8 hex digits, unique)
finds the row, the secret (256 random bits) proves possession. Only
``sha256(key)`` is kept, so a stolen database gives no usable key; a hash of
a high-entropy random secret needs no slow KDF. The key is shown once, at
creation.

Each key acts through a *key user* (a ``users`` row with the key's id, no
password, inactive for sign-in), because the store records who did what by
user id (referrals, consents, outcomes). The key's name is that user's
display name.

API roles are ``referrer``, ``agency``, ``auditor`` and ``admin``; the store
calls the agency role ``adviser``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from triage.store import audit
from triage.store.audit import Actor
from triage.store.db import Database
from triage.store.errors import InvalidInput, NotFound
from triage.store.models import ApiKey, Organisation, User
from triage.store.types import utcnow

API_ROLES: tuple[str, ...] = ("referrer", "agency", "auditor", "admin")
STORE_ROLE = {"referrer": "referrer", "agency": "adviser", "auditor": "auditor", "admin": "admin"}
_KEY = re.compile(r"^tjk_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")
_NO_PASSWORD = "!api-key: no password sign-in"


class Principal(BaseModel):
    """Who is calling: the key, its organisation and its API role."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    organisation_id: str
    role: str

    @property
    def actor(self) -> Actor:
        """The same caller as the store sees it (the key user, the store's name for the role)."""
        return Actor(user_id=self.key_id, organisation_id=self.organisation_id, role=STORE_ROLE[self.role])


class KeyInfo(BaseModel):
    """A key as listed: never the secret or its hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    prefix: str
    name: str
    organisation_id: str
    organisation_name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def find_organisation(db: Database, ref: str) -> Organisation:
    """An organisation by id, or by name when exactly one matches it (case-insensitive)."""
    with db.transaction() as s:
        org = s.get(Organisation, ref)
        if org is not None:
            return org
        matches = [o for o in s.exec(select(Organisation)) if o.name.lower() == ref.lower()]
        if not matches:
            matches = [o for o in s.exec(select(Organisation)) if ref.lower() in o.name.lower()]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFound(f"org: no organisation with id or name {ref!r}", field="org")
        names = "; ".join(f"{o.id} ({o.name})" for o in matches[:5])
        raise InvalidInput(f"org: {ref!r} matches {len(matches)} organisations, give the id: {names}", field="org")


def create_key(
    db: Database, organisation_id: str, role: str, name: str | None = None, by: Actor | None = None
) -> tuple[KeyInfo, str]:
    """Make a key for ``organisation_id`` in ``role``; returns its details and the key itself
    (shown once: only its hash is kept)."""
    if role not in API_ROLES:
        raise InvalidInput(f"role: expected one of {', '.join(API_ROLES)}, got {role!r}", field="role")
    if name is not None and not (0 < len(name.strip()) <= 200):
        raise InvalidInput("name: give 1 to 200 characters", field="name")
    now = utcnow()
    with db.transaction() as s:
        org = s.get(Organisation, organisation_id)
        if org is None:
            raise NotFound(f"org: no organisation {organisation_id}", field="org")
        while True:
            prefix = secrets.token_hex(4)
            if s.exec(select(ApiKey.id).where(ApiKey.key_prefix == prefix)).first() is None:
                break
        key = f"tjk_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(organisation_id=org.id, role=role, key_prefix=prefix, key_hash=hash_key(key), created_at=now)
        s.add(row)
        s.flush()
        label = (name or f"API key {prefix}").strip()
        s.add(
            User(
                id=row.id,
                organisation_id=org.id,
                email=f"api-key-{row.id}@api-keys.invalid",
                display_name=label,
                role=STORE_ROLE[role],
                password_hash=_NO_PASSWORD,
                active=False,
                created_at=now,
            )
        )
        audit.record(s, by, "api_key.create", detail={"key_id": row.id, "organisation_id": org.id, "role": role})
        info = KeyInfo(
            id=row.id,
            prefix=prefix,
            name=label,
            organisation_id=org.id,
            organisation_name=org.name,
            role=role,
            created_at=now,
            revoked_at=None,
        )
    return info, key


def revoke_key(db: Database, key_id: str, by: Actor | None = None) -> KeyInfo:
    """Revoke a key (by id or prefix); it stops working at once. Revoking twice is harmless."""
    with db.transaction() as s:
        row = s.get(ApiKey, key_id) or s.exec(select(ApiKey).where(ApiKey.key_prefix == key_id)).first()
        if row is None:
            raise NotFound(f"key: no API key {key_id}", field="key")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(row)
            audit.record(s, by, "api_key.revoke", detail={"key_id": row.id, "organisation_id": row.organisation_id})
        s.flush()
        return _info(row, s.get(Organisation, row.organisation_id), s.get(User, row.id))


def list_keys(db: Database, organisation_id: str | None = None) -> list[KeyInfo]:
    """Every key (or one organisation's), oldest first; secrets are never stored, so never shown."""
    with db.transaction() as s:
        q = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))
        if organisation_id is not None:
            q = q.where(ApiKey.organisation_id == organisation_id)
        rows = list(s.exec(q))
        return [_info(r, s.get(Organisation, r.organisation_id), s.get(User, r.id)) for r in rows]


def _info(row: ApiKey, org: Organisation | None, user: User | None) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        prefix=row.key_prefix,
        name=user.display_name if user else f"API key {row.key_prefix}",
        organisation_id=row.organisation_id,
        organisation_name=org.name if org else row.organisation_id,
        role=row.role,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def authenticate(db: Database, key: str) -> Principal | None:
    """The principal for a presented key; None if it is malformed, unknown or revoked.

    The hash comparison is constant-time, so timing does not reveal how much of a key matched."""
    m = _KEY.match(key.strip())
    if m is None:
        return None
    with Session(db.engine) as s:
        row = s.exec(select(ApiKey).where(ApiKey.key_prefix == m.group(1))).first()
        found = None if row is None else (row.id, row.organisation_id, row.role, row.key_hash, row.revoked_at)
    if found is None:
        hmac.compare_digest(hash_key(key), hash_key(key))  # same work whether or not the prefix exists
        return None
    key_id, org_id, role, key_hash, revoked_at = found
    if not hmac.compare_digest(hash_key(key.strip()), key_hash) or revoked_at is not None or role not in API_ROLES:
        return None
    return Principal(key_id=key_id, organisation_id=org_id, role=role)
