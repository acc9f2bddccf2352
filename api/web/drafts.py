"""Questionnaire drafts kept on the server, found only by a random resume code.

A draft holds answer codes and nothing else (no names, no contact details
beyond the safe-contact *method* code). The resume code is shown to the link
worker and kept in their session; files are named by a hash of the code, so a
directory listing does not reveal codes. Drafts older than
:data:`DRAFT_MAX_AGE_DAYS` are deleted when any draft is read or written.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.paths import var_dir

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
    """Drafts as JSON files in a folder (default ``$TRIAGE_HOME/questionnaire-drafts``)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        path = self._folder or (var_dir() / "questionnaire-drafts")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def _path(self, code: str) -> Path:
        return self.folder / (hashlib.sha256(code.encode()).hexdigest() + ".json")

    def create(self, lang: str = "en") -> Draft:
        self.purge()
        draft = Draft(new_code(), lang=lang)
        self.save(draft)
        return draft

    def load(self, code: str) -> Draft | None:
        path = self._path(code)
        try:
            if time.time() - path.stat().st_mtime > DRAFT_MAX_AGE_DAYS * 86400:
                path.unlink(missing_ok=True)
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Draft(code, dict(data.get("answers", {})), str(data.get("lang", "en")),
                     float(data.get("created", 0)))  # fmt: skip

    def save(self, draft: Draft) -> None:
        body = {"answers": draft.answers, "lang": draft.lang, "created": draft.created}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".draft-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh)
        os.replace(tmp, self._path(draft.code))

    def delete(self, code: str) -> None:
        self._path(code).unlink(missing_ok=True)

    def purge(self) -> int:
        """Delete expired drafts; returns how many."""
        cutoff = time.time() - DRAFT_MAX_AGE_DAYS * 86400
        gone = 0
        for path in self.folder.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
            except OSError:
                continue
        return gone
