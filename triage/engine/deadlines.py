"""Turn a dated, sourced deadline parameter into a dated deadline for one case.

A deadline that has already passed is not dropped: it becomes a *late route*
(the later absolute limit, for example 13 months for a late mandatory
reconsideration, or no fixed limit where a tribunal may extend time) or, past
that too, *expired*, which the routing policy escalates to specialist help.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from triage.engine.calendar import (
    add_months,
    add_working_days,
    clear_days_after,
    months_beginning_with,
    uc_assessment_period_end,
)
from triage.rulesets.model import DeadlineDef, Duration, Period

Status = Literal["open", "late_route", "expired", "passed"]


def apply_period(period: Period, start: date) -> date:
    """The day a period counted from ``start`` ends."""
    sign = -1 if period.before else 1
    counted_in = period.beginning_with_start  # the start day is day one: one day fewer
    if period.months is not None and period.beginning_with_start:
        end, counted_in = months_beginning_with(start, period.months), False
    elif period.months is not None:
        end = add_months(start, sign * period.months)
    elif period.uc_assessment_periods is not None:
        end = uc_assessment_period_end(start, period.uc_assessment_periods)
    elif period.weeks is not None:
        end = start + timedelta(weeks=sign * period.weeks)
    elif period.days is not None:
        end = start + timedelta(days=sign * period.days)
    elif period.working_days is not None:
        end = add_working_days(start, sign * period.working_days)
    else:
        assert period.clear_days is not None
        if period.before:
            raise ValueError("clear_days cannot be counted backwards")
        end = clear_days_after(start, period.clear_days, period.skip_sundays_and_bank_holidays)
    # A period "beginning with" its start counts the start as its first day.
    end -= timedelta(days=period.less_days + counted_in)
    # A second period counted on from the day the first ends (deemed service, then the time to respond).
    return apply_period(period.then, end) if period.then is not None else end


def after(period: Duration, start: date) -> date:
    """The day ``period`` ends, counted forward from ``start``."""
    if period.months is not None:
        return add_months(start, period.months)
    if period.weeks is not None:
        return start + timedelta(weeks=period.weeks)
    assert period.days is not None
    return start + timedelta(days=period.days)


# s.207B(4) as enacted. Only for direct callers of ``acas_extended`` (unit
# tests); the engine always passes the rule set's parameter
# ``employment.early_conciliation_time_after_certificate`` (see ``compute``).
_ENACTED_AFTER_CERTIFICATE = Duration(months=1)


def acas_extended(
    limit: date,
    ec_start: date | None,
    certificate: date | None,
    after_certificate: Duration = _ENACTED_AFTER_CERTIFICATE,
) -> date:
    """Employment Rights Act 1996 s.207B: the early conciliation clock stop.

    Days from the day after ``ec_start`` (Day A) up to ``certificate`` (Day B)
    are not counted (s.207B(3)); and a limit that would end between Day A and
    ``after_certificate`` (one month) after Day B ends then instead
    (s.207B(4)). Conciliation started after the limit had passed extends nothing.
    """
    if ec_start is None or certificate is None or ec_start > limit:
        return limit
    extended = limit + timedelta(days=(certificate - ec_start).days)
    end_of_window = after(after_certificate, certificate)
    if ec_start <= extended <= end_of_window:
        return end_of_window
    return extended


@dataclass(frozen=True, slots=True)
class Computed:
    """A deadline for one case: when it falls and where the case stands against it."""

    due: date
    status: Status
    late_limit: date | None

    @property
    def operative(self) -> date:
        """The date that matters now: the late limit once the normal one has passed."""
        if self.status == "late_route" and self.late_limit is not None:
            return self.late_limit
        return self.due


def compute(
    definition: DeadlineDef,
    start: date,
    as_of: date,
    acas: tuple[date | None, date | None] = (None, None),
    not_before: date | None = None,
) -> Computed:
    """Compute ``definition`` from ``start`` for the day ``as_of``, never dated before ``not_before``."""
    due = apply_period(definition.period, start)
    if definition.period.acas_extension:
        window = definition.acas_after_certificate
        if window is None:
            raise ValueError(
                f"deadline {definition.id} applies the ACAS extension but has no s.207B(4) period:"
                " load it through the rule set, which resolves it from its parameters"
            )
        due = acas_extended(due, *acas, after_certificate=window)
    if not_before is not None and due < not_before:
        due = not_before
    late = definition.late
    late_limit = apply_period(late.period, start) if late is not None and late.period is not None else None
    status: Status
    if due >= as_of:
        status = "open"
    elif definition.kind == "event":
        status = "passed"
    elif late is not None and (late_limit is None or late_limit >= as_of):
        # No outer limit: a late route stays open, the court or tribunal deciding on reasons.
        status = "late_route"
    else:
        status = "expired"
    return Computed(due=due, status=status, late_limit=late_limit)
