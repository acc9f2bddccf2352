"""Calendar arithmetic for legal time limits in England and Wales.

This is the one place that knows what "one month", "three months less one
day", "working days" and "clear days" mean. Bank holidays come from the
maintained ``holidays`` package (offline data), England subdivision, which
England and Wales share, as GOV.UK lists them (https://www.gov.uk/bank-holidays).
The package also lists a holiday's own day when it falls on a weekend
(Saturday 26 December 2026 beside the substitute Monday 28th); GOV.UK lists
only the weekday, so weekend days are left out, and a test checks the result
against GOV.UK's list (the ``govuk-bank-holidays`` package) for every year
both cover. The Banking and Financial Dealings Act 1971 Sch 1 names
"26th December, if it be not a Sunday", so a Saturday Boxing Day is arguably
a bank holiday too; the only count it changes is the Taking Control of Goods
clear days, where counting it gives the earlier (safer) date for the person.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from functools import lru_cache

import holidays

from triage.facts.common import FIRST_DAY, LAST_DAY

# Case facts and as_of days are refused outside FIRST_DAY..LAST_DAY at the edge
# (``triage.facts.common.supported_day``); the calendar knows five years more on
# each side, so a period counted from any accepted day (13 months at most, clear
# days past a year end) stays inside it. Outside it the calendar still refuses.
_FIRST_YEAR, _LAST_YEAR = FIRST_DAY.year - 5, LAST_DAY.year + 5


@lru_cache(maxsize=1)
def _bank_holidays() -> frozenset[date]:
    # Built once for a fixed span so lookups never mutate shared state
    # (the package expands lazily otherwise, which is not thread-safe).
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(_FIRST_YEAR, _LAST_YEAR + 1), expand=False)
    return frozenset(day for day in days if day.weekday() < 5)


def is_bank_holiday(day: date) -> bool:
    """True on an England and Wales bank holiday (1990-2065)."""
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise ValueError(f"bank holidays are only known for {_FIRST_YEAR}-{_LAST_YEAR}: {day}")
    return day in _bank_holidays()


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` calendar months later (or earlier, if negative).

    When the later month is shorter, the period ends on its last day
    (31 January + 1 month = 28 or 29 February), the corresponding-date rule
    the courts apply to calendar months (Dodds v Walker [1981] 1 WLR 1027).
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def months_beginning_with(start: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months beginning with ``start`` (day one).

    It ends the day before the corresponding date (three months beginning with
    21 May end on 20 August; Dodds v Walker [1981] 1 WLR 1027). Where the
    later month has no corresponding date, it ends on that month's last day:
    three months beginning with 31 January end on 30 April, and with 30
    November on 28 February (Pruden v Cunard Ellerman Ltd [1993] IRLR 317, EAT).
    Taking a day off the capped date instead would end these a day early.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    if start.day > last:
        return date(year, month + 1, last)
    return date(year, month + 1, start.day) - timedelta(days=1)


def uc_assessment_period_end(start: date, periods: int = 1) -> date:
    """The last day of the ``periods``-th Universal Credit assessment period beginning with ``start``.

    Universal Credit Regulations 2013 reg 21(2): assessment periods begin on
    the same day of each month as the first, except that from the 31st each
    begins on the last day of the month, and from the 29th or 30th each begins
    on that day except in February, when it begins on the 27th (the 28th in a
    leap year). So the period beginning with 30 January ends on 26 February,
    earlier than a calendar month beginning with it would.
    """
    index = start.year * 12 + (start.month - 1) + periods
    year, month = divmod(index, 12)
    month += 1
    last = _cal.monthrange(year, month)[1]
    if start.day == 31:
        following = date(year, month, last)
    elif start.day in (29, 30) and month == 2:
        following = date(year, 2, 28 if _cal.isleap(year) else 27)
    else:
        following = date(year, month, start.day)
    return following - timedelta(days=1)


def add_working_days(start: date, n: int) -> date:
    """The day ``n`` working days after ``start`` (``start`` itself not counted)."""
    step = 1 if n >= 0 else -1
    day, left = start, abs(n)
    while left:
        day += timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def _not_counted_for_goods(day: date) -> bool:
    """Taking Control of Goods Regulations 2013 reg 6(3): no account is taken of a Sunday,
    a bank holiday, Good Friday or Christmas Day. Christmas Day is named in its own
    right, so it is left out even on a Saturday (2027), when it is no bank holiday."""
    return day.weekday() == 6 or is_bank_holiday(day) or (day.month, day.day) == (12, 25)


def clear_days_after(start: date, n: int, skip_sundays_and_bank_holidays: bool = False) -> date:
    """The first day on which ``n`` clear days have passed since ``start``.

    Clear days leave out the day of the event and the day of the act, so with
    7 clear days after a Monday notice the act may happen on the Wednesday of
    the next week. Under the Taking Control of Goods Regulations 2013 reg 6(3),
    Sundays, bank holidays, Good Friday and Christmas Day are not counted either.
    """
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if skip_sundays_and_bank_holidays and _not_counted_for_goods(day):
            continue
        counted += 1
    return day + timedelta(days=1)


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days
