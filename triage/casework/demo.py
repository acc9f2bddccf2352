"""Demo data for a first run: the fictional directory, demo organisations and users.

Demo passwords are never in the repository: they come from
``TRIAGE_DEMO_PASSWORD``, else one random password is made and written to
``var_dir()/demo-users.txt`` (mode 600) for the person running the demo.
"""

from __future__ import annotations

import os
import secrets

from sqlmodel import Session, select

from triage.casework.passwords import hash_password
from triage.routing import directory
from triage.settings import settings
from triage.store import agencies
from triage.store.db import Database
from triage.store.models import Agency, Organisation, User

# (email, display name, role, organisation key); an organisation key starting
# with "agency:" is a directory agency id.
DEMO_ORGS: dict[str, tuple[str, str, str | None]] = {
    "gp": ("Riverside Fictional GP Practice (demo)", "gp_practice", "hackney"),
    "hospital": ("St Imaginary's Hospital Discharge Team (demo)", "hospital", "lambeth"),
    "linkworkers": ("Pretend Social Prescribing Link Workers (demo)", "link_worker_service", "newham"),
    "partnership": ("Make-Believe Health Justice Partnership (demo)", "partnership", None),
}
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("linkworker@demo.example", "Alex Example (link worker, demo)", "referrer", "gp"),
    ("nurse@demo.example", "Sam Sample (discharge nurse, demo)", "referrer", "hospital"),
    ("socialprescriber@demo.example", "Jo Placeholder (link worker, demo)", "referrer", "linkworkers"),
    ("adviser.hackney@demo.example", "Chris Fictional (adviser, demo)", "adviser", "agency:demo-hackney-advice"),
    ("adviser.eastlaw@demo.example", "Pat Invented (solicitor, demo)", "adviser", "agency:demo-east-law-centre"),
    ("adviser.lambeth@demo.example", "Robin Madeup (adviser, demo)", "adviser", "agency:demo-lambeth-advice"),
    ("auditor@demo.example", "Morgan Notreal (evaluator, demo)", "auditor", "partnership"),
)


def demo_password() -> str:
    configured = settings().demo_password
    if configured:
        return configured
    from triage.paths import var_dir

    path = var_dir() / "demo-users.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("password: "):
                return line.removeprefix("password: ").strip()
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("Demo users (fictional) for the casework pages. Every user has this password.\n")
        fh.write(f"password: {password}\n")
        for email, name, role, _ in DEMO_USERS:
            fh.write(f"{email}\t{role}\t{name}\n")
    return password


def seed_directory(session: Session) -> int:
    if not agencies.is_empty(session):
        return 0
    added, _ = agencies.save(session, directory.load_demo())
    return added


def seed_users(session: Session, password: str) -> int:
    if session.exec(select(User.id).limit(1)).first() is not None:
        return 0
    orgs: dict[str, str] = {}
    for key, (name, kind, borough) in DEMO_ORGS.items():
        org = Organisation(name=name, kind=kind, borough=borough)
        session.add(org)
        session.flush()
        orgs[key] = org.id
    hashed = hash_password(password)  # one scrypt per seed run, shared by the demo users
    n = 0
    for email, name, role, where in DEMO_USERS:
        if where.startswith("agency:"):
            agency = session.get(Agency, where.removeprefix("agency:"))
            if agency is None:
                continue
            org_id = agency.organisation_id
        else:
            org_id = orgs[where]
        session.add(User(organisation_id=org_id, email=email, display_name=name, role=role, password_hash=hashed))
        n += 1
    session.flush()
    return n


def seed_demo(db: Database, password: str | None = None) -> tuple[int, int]:
    """Seed the demo directory if it is empty and demo users if there are none; (agencies, users) added."""
    with db.transaction() as s:
        agencies = seed_directory(s)
        users = 0
        if s.exec(select(User.id).limit(1)).first() is None:
            users = seed_users(s, password or demo_password())
        return agencies, users
