"""Questionnaire drafts kept on the server, found only by a random resume code.

A draft holds answer codes and nothing else (no names, no contact details
beyond the safe-contact *method* code). The resume code is shown to the link
worker and kept in their session; the store keeps drafts by a hash of the code,
so the table does not reveal codes. Drafts live in the store (SQLite or
PostgreSQL), so they follow the link worker across workers and hosts. Drafts
not saved for :data:`DRAFT_MAX_AGE_DAYS` are deleted when a draft is made, and
never returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, delete

from triage.store.db import Database
from triage.store.models import QuestionnaireDraft
from triage.store.types import utcnow

DRAFT_MAX_AGE_DAYS = 7
# No 0/O, 1/I/L: codes are read aloud and copied by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP_LEN = 3, 4  # about 59 bits


@dataclass
class Draft:
    code: str
    answers: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    created: float = field(default_factory=time.time)


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LEN))
    return "-".join(chars[i : i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


def normalise_code(raw: str) -> str | None:
    """A typed code in canonical form (case, spaces and dashes forgiven), or None if malformed."""
    chars = "".join(c for c in raw.upper() if c.isalnum())
    if len(chars) != CODE_GROUPS * GROUP_LEN or any(c not in ALPHABET for c in chars):
        return None
    return "-".join(chars[i : i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


class DraftStore:
    """Drafts in the case store's ``questionnaire_drafts`` table."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    @staticmethod
    def _key(code: str) -> str:
        return hashlib.sha256(code.encode()).hexdigest()

    def _cutoff(self) -> dt.datetime:
        return self._clock() - dt.timedelta(days=DRAFT_MAX_AGE_DAYS)

    def create(self, lang: str = "en") -> Draft:
        self.purge()
        draft = Draft(new_code(), lang=lang)
        self.save(draft)
        return draft

    def load(self, code: str) -> Draft | None:
        with self._db.transaction() as s:
            row = s.get(QuestionnaireDraft, self._key(code))
            if row is None or row.updated_at < self._cutoff():
                return None
            return Draft(code, dict(row.answers), row.lang, row.created_at.timestamp())

    def save(self, draft: Draft) -> None:
        now = self._clock()
        with self._db.transaction() as s:
            row = s.get(QuestionnaireDraft, self._key(draft.code))
            if row is None:
                s.add(QuestionnaireDraft(code_hash=self._key(draft.code), answers=dict(draft.answers),
                                         lang=draft.lang, created_at=now, updated_at=now))  # fmt: skip
            else:
                row.answers, row.lang, row.updated_at = dict(draft.answers), draft.lang, now

    def delete(self, code: str) -> None:
        with self._db.transaction() as s:
            s.execute(delete(QuestionnaireDraft).where(col(QuestionnaireDraft.code_hash) == self._key(code)))

    def purge(self) -> int:
        """Delete expired drafts; returns how many."""
        with self._db.transaction() as s:
            result = s.execute(delete(QuestionnaireDraft).where(col(QuestionnaireDraft.updated_at) < self._cutoff()))
            return int(getattr(result, "rowcount", 0) or 0)
