"""Errors the store's services raise. Each names the field or record and the problem,
so the CLI can print one line and the API can map it to an RFC 9457 problem."""

from __future__ import annotations


class StoreError(Exception):
    """Base class. ``field`` names the input at fault, when there is one."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class NotFound(StoreError):
    """No such record, or none this organisation may see (the two are not told apart)."""

    status = 404


class AccessDenied(StoreError):
    """The user's role may not do this."""

    status = 403


class InvalidTransition(StoreError):
    """A referral cannot move from its current status to the one asked for."""

    status = 409


class ConsentRequired(StoreError):
    """Nothing is shared without recorded, unwithdrawn consent for this purpose and recipient."""

    status = 409


class InvalidInput(StoreError):
    """A value that fails validation (the message names the field)."""

    status = 422


class PreconditionFailed(StoreError):
    """The record changed since the version the caller names (If-Match): fetch it again."""

    status = 412
