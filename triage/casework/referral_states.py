"""The referral state machine: one table of moves, each made by a conditional UPDATE.

Two people acting at once on one referral cannot both win: the UPDATE only
matches while the referral is still in the status the move starts from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select, update

from triage.store import audit
from triage.store.access import AGENCY_ROLES, REFERRER_ROLES, require_role, visible_referral
from triage.store.audit import Actor
from triage.store.errors import AccessDenied, InvalidTransition
from triage.store.models import Referral, ReferralEvent

# action -> (statuses it may start from, status it leads to, which side may do it)
ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "send": (frozenset({"draft"}), "sent", "referrer"),
    "cancel": (frozenset({"draft", "sent"}), "cancelled", "referrer"),
    "accept": (frozenset({"sent"}), "accepted", "agency"),
    "decline": (frozenset({"sent"}), "declined", "agency"),
    "start": (frozenset({"accepted"}), "in_progress", "agency"),
    "close": (frozenset({"accepted", "in_progress"}), "closed", "agency"),
}


def record_change(
    s: Session,
    actor: Actor,
    ref: Referral,
    before: str | None,
    to: str,
    at: dt.datetime,
    detail: dict[str, Any],
    case_id: str | None = None,
) -> None:
    """Write a referral's status change to its history and the audit log, in the caller's transaction."""
    s.add(
        ReferralEvent(
            referral_id=ref.id,
            from_status=before,
            to_status=to,
            actor_user_id=actor.user_id,
            actor_org_id=actor.organisation_id,
            at=at,
        )
    )
    audit.record(s, actor, f"referral.{to}", case_id=case_id or ref.case_id, referral_id=ref.id,
                 detail=detail, at=at)  # fmt: skip


def transition(
    s: Session, actor: Actor, referral_id: str, action: str, at: dt.datetime, **values: Any
) -> tuple[Referral, str]:
    """Move a referral by ``action`` with a conditional UPDATE; returns (referral, previous status)."""
    starts, to, side = ACTIONS[action]
    ref, my_side = visible_referral(s, actor, referral_id)
    if my_side != side:
        who = "the receiving agency" if side == "agency" else "the referring organisation"
        raise AccessDenied(f"referral {referral_id}: only {who} may {action} it", field="referral_id")
    require_role(actor, AGENCY_ROLES if side == "agency" else REFERRER_ROLES, f"{action} referrals")
    before = ref.status
    if before not in starts:
        raise InvalidTransition(
            f"referral {referral_id}: cannot {action} a referral that is {before} "
            f"(only from {' or '.join(sorted(starts))})",
            field="status",
        )
    result = s.execute(
        update(Referral)
        .where(col(Referral.id) == referral_id, col(Referral.status) == before)
        .values(status=to, updated_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        now = s.exec(select(Referral.status).where(Referral.id == referral_id)).one()
        raise InvalidTransition(
            f"referral {referral_id}: cannot {action}: someone else has just made it {now}", field="status"
        )
    s.expire(ref)
    record_change(s, actor, ref, before, to, at, {"from": before, "to": to})
    return ref, before
