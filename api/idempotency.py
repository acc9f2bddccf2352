"""``Idempotency-Key`` on POSTs: a replay returns the first response and creates nothing new.

:func:`run` executes a creating action inside ONE store transaction and, when
the caller sent an ``Idempotency-Key``, stores the response in
``idempotency_records`` in that same transaction; so either the creation and
its record are both committed or neither is. The store's service functions
each open ``db.transaction()``; they are handed a :class:`JoinedDatabase`
whose ``transaction()`` is the one already open, so several service calls
(record consent, draft, send) commit together too.

* same key, same method and path, same body: the stored response, with
  ``Idempotency-Replayed: true``; nothing runs again;
* same key, different body or path: 422 problem naming ``Idempotency-Key``;
* keys are per organisation: two organisations may use the same key.

A failed request stores nothing, so it can be retried with the same key.
Stored responses are kept for :data:`RETENTION` (a key is free again after
it), and erasing a case turns its stored responses into a 410 problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from api.problems import ProblemError
from triage.casework.apikeys import Principal
from triage.store.db import Database
from triage.store.models import IdempotencyRecord
from triage.store.types import utcnow

MAX_KEY_LENGTH = 200
# How long a replay is answered from the stored response (clients retry within minutes).
RETENTION = dt.timedelta(hours=24)
Action = Callable[[Database], tuple[int, Any]]


class JoinedDatabase(Database):
    """A :class:`Database` whose transactions are all one already-open session."""

    def __init__(self, session: Session) -> None:
        super().__init__(session.get_bind().engine)
        self._session = session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        yield self._session


def fingerprint(body: Any) -> str:
    """A hash of the request body as JSON with sorted keys (so whitespace and key order do not matter)."""
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json(status: int, content: bytes, replayed: bool = False) -> Response:
    headers = {"Idempotency-Replayed": "true"} if replayed else {}
    media = "application/problem+json" if status >= 400 else "application/json"
    return Response(content, status_code=status, media_type=media, headers=headers)


def _find(s: Session, who: Principal, key: str) -> IdempotencyRecord | None:
    return s.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.key == key, IdempotencyRecord.organisation_id == who.organisation_id
        )
    ).first()


def _replay(record: IdempotencyRecord, method_path: str, digest: str) -> Response:
    if record.method_path != method_path or record.request_hash != digest:
        raise ProblemError(
            422,
            "Idempotency-Key: already used for a different request; use a new key for a new request",
            errors=[{"field": "header.Idempotency-Key", "problem": "already used with a different body or path"}],
        )
    return _json(record.response_status, record.response_body.encode(), replayed=True)


def run(
    db: Database,
    who: Principal,
    key: str | None,
    method_path: str,
    body: Any,
    action: Action,
    location: Callable[[dict[str, Any]], str] | None = None,
) -> Response:
    """Run ``action`` (which returns status and a JSON-able result) once per idempotency key.

    ``location`` names the created resource's path from the answer, sent as ``Location``
    with every 201, a replayed one too (RFC 9110 s.10.2.2)."""
    response = _run(db, who, key, method_path, body, action)
    if location is not None and response.status_code == 201:
        response.headers["Location"] = location(json.loads(bytes(response.body)))
    return response


def _run(db: Database, who: Principal, key: str | None, method_path: str, body: Any, action: Action) -> Response:
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH and key.isprintable()):
        raise ProblemError(
            422,
            f"Idempotency-Key: give 1 to {MAX_KEY_LENGTH} printable characters",
            errors=[{"field": "header.Idempotency-Key", "problem": "invalid"}],
        )
    if key is None:
        with db.transaction() as s:
            status, result = action(JoinedDatabase(s))
        return _json(status, _encode(result))
    digest = fingerprint(body)
    try:
        with db.transaction() as s:
            # Stored responses can hold personal data: keep them no longer than a
            # client could reasonably retry.
            s.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - RETENTION))
            record = _find(s, who, key)
            if record is not None:
                return _replay(record, method_path, digest)
            status, result = action(JoinedDatabase(s))
            content = _encode(result)
            s.add(
                IdempotencyRecord(
                    key=key,
                    organisation_id=who.organisation_id,
                    method_path=method_path,
                    request_hash=digest,
                    response_status=status,
                    response_body=content.decode(),
                    created_at=utcnow(),
                )
            )
            s.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first; ours was rolled back whole.
        with db.transaction() as s:
            record = _find(s, who, key)
        if record is None:
            raise
        return _replay(record, method_path, digest)
    return _json(status, content)


def _encode(result: Any) -> bytes:
    return json.dumps(jsonable_encoder(result), separators=(",", ":"), ensure_ascii=False).encode()
