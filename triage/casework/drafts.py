"""Questionnaire drafts kept on the server, found only by a random resume code.

A draft holds answer codes and nothing else (no names, no contact details
beyond the safe-contact *method* code). The resume code is shown to the link
worker and kept in their server-side session; the store keeps each draft sealed
with a key made from the code and the service secret, under an HMAC of the code
(:class:`~triage.casework.sealing.Sealer`), so the table reveals neither codes nor
answers. Drafts live in the store (SQLite or PostgreSQL), so they follow the link
worker across workers and hosts. A draft not saved for the session's idle timeout
(:data:`~triage.casework.web_sessions.IDLE_TIMEOUT`) is never returned, and is deleted
when a draft is made or expired drafts are purged.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, delete

from triage.casework.sealing import Sealer
from triage.casework.web_sessions import IDLE_TIMEOUT
from triage.store.db import Database
from triage.store.models import QuestionnaireDraft
from triage.store.types import utcnow

DRAFT_MAX_AGE = IDLE_TIMEOUT
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
    """Drafts in the case store's ``questionnaire_drafts`` table, sealed under ``secret``."""

    def __init__(self, db: Database, secret: str, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._db = db
        self._sealer = Sealer(secret, "draft")
        self._clock = clock

    def _key(self, code: str) -> str:
        return self._sealer.row_id(code)

    def _cutoff(self) -> dt.datetime:
        return self._clock() - DRAFT_MAX_AGE

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
            answers = self._sealer.open(code, row.sealed)
            if answers is None:
                return None
            return Draft(code, answers, row.lang, row.created_at.timestamp())

    def save(self, draft: Draft) -> None:
        now = self._clock()
        sealed = self._sealer.seal(draft.code, dict(draft.answers))
        with self._db.transaction() as s:
            row = s.get(QuestionnaireDraft, self._key(draft.code))
            if row is None:
                s.add(QuestionnaireDraft(code_hash=self._key(draft.code), sealed=sealed,
                                         lang=draft.lang, created_at=now, updated_at=now))  # fmt: skip
            else:
                row.sealed, row.lang, row.updated_at = sealed, draft.lang, now

    def delete(self, code: str) -> None:
        with self._db.transaction() as s:
            s.execute(delete(QuestionnaireDraft).where(col(QuestionnaireDraft.code_hash) == self._key(code)))

    def purge(self) -> int:
        """Delete expired drafts; returns how many."""
        with self._db.transaction() as s:
            result = s.execute(delete(QuestionnaireDraft).where(col(QuestionnaireDraft.updated_at) < self._cutoff()))
            return int(getattr(result, "rowcount", 0) or 0)
