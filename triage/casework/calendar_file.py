"""A case's dates as a calendar file (.ics, RFC 5545) for the link worker's diary.

Every open deadline of every need, and every medical evidence request still
awaited (its reply-by date and its next chase date), as all-day events. The file
goes to the link worker's own diary, so it says as little as it can: no name,
no health details, only the case's short reference and what to do by when.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from triage.casework.cases import get_case
from triage.engine.assessment import Assessment
from triage.store.audit import Actor
from triage.store.db import Database

PRODID = "-//Health justice triage//case dates//EN"


def _event(uid: str, day: dt.date, summary: str, description: str, stamp: dt.datetime) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("dtstart", day)
    ev.add("dtend", day + dt.timedelta(days=1))
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("transp", "TRANSPARENT")
    return ev


def case_calendar(db: Database, actor: Actor, case_id: str, today: dt.date, stamp: dt.datetime) -> bytes:
    """The case's open deadlines and awaited evidence dates as an iCalendar file (audited as a read)."""
    case = get_case(db, actor, case_id, today)
    ref = case.case_ref or f"case {case.id[:8]}"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Deadlines: {ref}")
    for need in Assessment.model_validate(case.assessment).needs:
        for d in need.deadlines:
            if d.status not in ("open", "late_route"):
                continue
            cal.add_component(
                _event(
                    f"{case.id}-{need.issue}-{d.deadline_id}-{d.date.isoformat()}@triage",
                    d.date,
                    f"{ref}: {d.label}",
                    f"{need.issue_label} ({need.urgency}). {d.label}. Open the case to see the reasons.",
                    stamp,
                )
            )
    for e in case.evidence:
        if e.received_on is not None:
            continue
        who = e.clinician or "the clinician"
        cal.add_component(
            _event(
                f"{e.id}-reply-by@triage",
                e.needed_by,
                f"{ref}: medical evidence due from {who}",
                f"Reply-by date of the {e.purpose.replace('_', ' ')} evidence request sent on {e.sent_on}.",
                stamp,
            )
        )
        if e.next_chase_on is not None:
            cal.add_component(
                _event(
                    f"{e.id}-chase@triage",
                    e.next_chase_on,
                    f"{ref}: chase medical evidence from {who}",
                    f"Proposed chase of the request sent on {e.sent_on} (reply by {e.needed_by}).",
                    stamp,
                )
            )
    return bytes(cal.to_ical())
