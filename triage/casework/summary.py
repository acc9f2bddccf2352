"""What to do first, by when: one line per need of an assessment, for the result and case pages.

Most urgent first, then the soonest open date; each line names the first thing to act on
(the earliest open or late-route deadline) or, with none, the help to arrange.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from triage.engine.assessment import Assessment, Deadline, Need
from triage.rulesets.model import URGENCY_ORDER


class FirstAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    need: Need
    deadline: Deadline | None

    @property
    def by(self) -> dt.date | None:
        return self.deadline.date if self.deadline else None


def first_actions(assessment: Assessment) -> list[FirstAction]:
    rows = []
    for n in assessment.needs:
        live = sorted((d for d in n.deadlines if d.status in ("open", "late_route")), key=lambda d: d.date)
        rows.append(FirstAction(need=n, deadline=live[0] if live else None))
    return sorted(rows, key=lambda r: (-URGENCY_ORDER[r.need.urgency], r.by or dt.date.max))
