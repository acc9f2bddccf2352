from __future__ import annotations

from datetime import date, timedelta

import pytest

from triage.engine.calendar import (
    add_months,
    add_working_days,
    clear_days_after,
    is_bank_holiday,
    is_working_day,
)
from triage.engine.deadlines import acas_extended, apply_period, compute
from triage.rulesets.model import DeadlineDef, Period


@pytest.mark.parametrize(
    ("start", "months", "want"),
    [
        (date(2026, 11, 3), 1, date(2026, 12, 3)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 11, 3), 13, date(2027, 12, 3)),
    ],
)
def test_calendar_months(start: date, months: int, want: date) -> None:
    assert add_months(start, months) == want


def test_three_months_less_one_day() -> None:
    assert apply_period(Period(months=3, less_days=1), date(2026, 9, 10)) == date(2026, 12, 9)
    assert apply_period(Period(months=3, less_days=1), date(2026, 11, 30)) == date(2027, 2, 27)


@pytest.mark.parametrize(
    ("start", "months", "want"),
    [
        # Dodds v Walker: the day before the corresponding date.
        (date(2026, 5, 21), 3, date(2026, 8, 20)),
        (date(2026, 9, 10), 3, date(2026, 12, 9)),
        (date(2027, 3, 1), 3, date(2027, 5, 31)),  # corresponding 1 June; not 28 May
        # No corresponding date: the last day of that month (Pruden v Cunard Ellerman).
        (date(2027, 1, 31), 3, date(2027, 4, 30)),  # not 29 April
        (date(2026, 11, 30), 3, date(2027, 2, 28)),  # not 27 February
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # no 30 February: the last day, 29 Feb in a leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # EqA s.118: six months starting with 31 Aug
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_months_beginning_with_their_first_day(start: date, months: int, want: date) -> None:
    """ERA 1996 s.111(2)(a) "three months beginning with" and EqA 2010 ss.118, 123 "starting with"."""
    assert apply_period(Period(months=months, beginning_with_start=True), start) == want


@pytest.mark.parametrize(
    ("start", "want"),
    [
        (date(2027, 3, 15), date(2027, 4, 14)),
        (date(2027, 1, 28), date(2027, 2, 27)),
        # UC Regulations 2013 reg 21(2)(b): from the 29th or 30th, February's begins on the 27th (28th in a leap year).
        (date(2027, 1, 30), date(2027, 2, 26)),
        (date(2027, 1, 29), date(2027, 2, 26)),
        (date(2028, 1, 30), date(2028, 2, 27)),
        (date(2027, 4, 30), date(2027, 5, 29)),
        # reg 21(2)(a): from the 31st, each begins on the last day of the month.
        (date(2027, 1, 31), date(2027, 2, 27)),
        (date(2028, 1, 31), date(2028, 2, 28)),
        (date(2027, 3, 31), date(2027, 4, 29)),
        (date(2026, 12, 31), date(2027, 1, 30)),
    ],
)
def test_a_universal_credit_assessment_period(start: date, want: date) -> None:
    assert apply_period(Period(uc_assessment_periods=1), start) == want


def test_assessment_periods_count_on_from_the_first() -> None:
    # From 30 Jan 2027 periods begin 30 Jan, 27 Feb, 30 Mar: the second ends on 29 March.
    assert apply_period(Period(uc_assessment_periods=2), date(2027, 1, 30)) == date(2027, 3, 29)
    with pytest.raises(ValueError, match="uc_assessment_periods"):
        Period(uc_assessment_periods=1, beginning_with_start=True)


def test_bank_holidays_england_and_wales() -> None:
    assert is_bank_holiday(date(2026, 12, 25))
    assert is_bank_holiday(date(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)
    assert is_bank_holiday(date(2026, 8, 31))  # summer bank holiday (not Scotland's)
    assert not is_bank_holiday(date(2026, 8, 3))
    assert not is_working_day(date(2026, 11, 28))  # Saturday


def test_a_weekend_holiday_is_not_a_bank_holiday_its_substitute_is() -> None:
    # GOV.UK: 2026 Boxing Day is the substitute Monday 28 December; the Saturday
    # itself is an ordinary Saturday (Banking and Financial Dealings Act 1971 s.1).
    assert not is_bank_holiday(date(2026, 12, 26))
    # 2027: Christmas Day (Sat) and Boxing Day (Sun) move to Mon 27 and Tue 28.
    assert not is_bank_holiday(date(2027, 12, 25))
    assert is_bank_holiday(date(2027, 12, 27)) and is_bank_holiday(date(2027, 12, 28))
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert is_bank_holiday(date(2027, 3, 26)) and is_bank_holiday(date(2027, 3, 29))


def test_bank_holidays_are_the_days_govuk_lists() -> None:
    """Every year GOV.UK's list (shipped offline by govuk-bank-holidays) covers, day for day."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    listed = {
        h["date"]
        for h in BankHolidays(use_cached_holidays=True).get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    }
    years = range(min(d.year for d in listed), max(d.year for d in listed) + 1)
    assert len(years) >= 10
    ours = set()
    day = date(years.start, 1, 1)
    while day.year < years.stop:
        if is_bank_holiday(day):
            ours.add(day)
        day += timedelta(days=1)
    assert sorted(ours - listed) == [] and sorted(listed - ours) == []


def test_goods_clear_days_across_christmas() -> None:
    # Taking Control of Goods Regulations 2013 reg 6: notice Mon 21 Dec 2026. Not counted:
    # Fri 25 (Christmas Day), Sun 27, Mon 28 (bank holiday). Counted: Tue 22, Wed 23,
    # Thu 24, Sat 26, Tue 29, Wed 30, Thu 31: seven clear days, so from Fri 1 Jan 2027.
    assert clear_days_after(date(2026, 12, 21), 7, True) == date(2027, 1, 1)
    # 2027: Christmas Day falls on a Saturday and is still not counted (named in reg 6);
    # Sun 26, Mon 27 and Tue 28 (bank holidays) neither. Counted: 21, 22, 23, 24, 29, 30,
    # 31 December: seven clear days, so from Sat 1 January 2028.
    assert clear_days_after(date(2027, 12, 20), 7, True) == date(2028, 1, 1)


def test_working_days_skip_weekends_and_christmas() -> None:
    assert add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)
    assert add_working_days(date(2026, 11, 23), 10) == date(2026, 12, 7)


def test_clear_days_skip_sundays_and_bank_holidays() -> None:
    # Notice on Monday 23 Nov: 7 clear days (no Sundays) end Tue 1 Dec; act from Wed 2 Dec.
    assert clear_days_after(date(2026, 11, 23), 7, True) == date(2026, 12, 2)
    assert clear_days_after(date(2026, 11, 23), 7, False) == date(2026, 12, 1)


def test_56_days_before() -> None:
    assert apply_period(Period(days=56, before=True), date(2027, 1, 18)) == date(2026, 11, 23)


def test_acas_clock_stop() -> None:
    limit = date(2026, 12, 9)
    # Conciliation 1-15 Dec: 14 days added -> 23 Dec, inside "one month after Day B" -> 15 Jan.
    assert acas_extended(limit, date(2026, 12, 1), date(2026, 12, 15)) == date(2027, 1, 15)
    # Early conciliation early on: plain extension lands after the month-after window.
    assert acas_extended(limit, date(2026, 9, 20), date(2026, 10, 1)) == date(2026, 12, 20)
    # Started after the limit: no extension.
    assert acas_extended(limit, date(2026, 12, 10), date(2026, 12, 20)) == limit
    assert acas_extended(limit, None, None) == limit


def _definition(**kw: object) -> DeadlineDef:
    base = {
        "id": "mr", "label": "Ask for a reconsideration", "period": {"months": 1},
        "lead_time": {"days": 7, "reason": "A written request takes days to prepare."},
        "source": {"title": "Test source", "url": "https://example.org/x", "kind": "regulation"},
        "effective_from": date(2013, 4, 8),
    }  # fmt: skip
    return DeadlineDef.model_validate({**base, **kw})


def test_passed_deadline_becomes_late_route_then_expired() -> None:
    late = {
        "label": "Late request", "period": {"months": 13},
        "source": {"title": "Test late", "url": "https://example.org/y", "kind": "regulation"},
    }  # fmt: skip
    d = _definition(late=late)
    start = date(2026, 1, 10)
    assert compute(d, start, date(2026, 2, 10)).status == "open"
    got = compute(d, start, date(2026, 2, 11))
    assert got.status == "late_route" and got.operative == date(2027, 2, 10)
    assert compute(d, start, date(2027, 2, 11)).status == "expired"
    assert compute(_definition(), start, date(2026, 3, 1)).status == "expired"


def test_passed_event_is_passed_not_late() -> None:
    d = _definition(kind="event", period={"days": 0})
    assert compute(d, date(2026, 11, 1), date(2026, 11, 23)).status == "passed"


def test_a_period_beginning_with_its_start_counts_that_day_as_day_one() -> None:
    # Housing Act 1996 s.202(3): notified Tue 8 Dec 2026; 8 Dec is day 1, day 21 is
    # Mon 28 Dec 2026 (a bank holiday, which s.202 does not skip).
    assert apply_period(Period(days=21, beginning_with_start=True), date(2026, 12, 8)) == date(2026, 12, 28)
    assert apply_period(Period(days=21), date(2026, 12, 8)) == date(2026, 12, 29)
    # Across February in a leap year: 21 days beginning with 15 Feb 2028 end on 6 Mar 2028 (29 Feb counted).
    assert apply_period(Period(days=21, beginning_with_start=True), date(2028, 2, 15)) == date(2028, 3, 6)
    with pytest.raises(ValueError, match="beginning_with_start"):
        Period(clear_days=7, beginning_with_start=True)


def test_a_deadline_is_never_dated_before_its_not_before_day() -> None:
    # Prevention duty 56 days before a notice expiring Mon 30 Nov 2026 would be 5 Oct;
    # the notice was given on 2 Nov, so the duty is dated 2 Nov (HA 1996 s.175(4)).
    d = _definition(kind="event", period={"days": 56, "before": True})
    got = compute(d, date(2026, 11, 30), date(2026, 11, 23), not_before=date(2026, 11, 2))
    assert got.due == date(2026, 11, 2) and got.status == "passed"
    # A floor earlier than the counted day changes nothing.
    assert compute(d, date(2027, 2, 11), date(2026, 11, 23), not_before=date(2026, 10, 12)).due == date(2026, 12, 17)
    # A floor after as_of keeps the deadline open.
    assert compute(d, date(2026, 12, 1), date(2026, 11, 23), not_before=date(2026, 11, 25)).status == "open"


def test_then_counts_a_second_period_from_deemed_service() -> None:
    # CPR 6.14 and 10.3: claim form posted Fri 13 Nov 2026; business days after: Mon 16 (1),
    # Tue 17 (2) = deemed service; 14 days after service: Tue 1 Dec 2026.
    cpr = Period(working_days=2, then=Period(days=14))
    assert apply_period(cpr, date(2026, 11, 13)) == date(2026, 12, 1)
    # Posted Wed 23 Dec 2026: Thu 24 (1); Fri 25 (Christmas), Sat 26, Sun 27 and Mon 28
    # (Boxing Day substitute) are not business days; Tue 29 (2); + 14 days = Tue 12 Jan 2027.
    assert apply_period(cpr, date(2026, 12, 23)) == date(2027, 1, 12)
    # Posted on a Saturday: Mon (1), Tue (2), so Sat 14 Nov 2026 is deemed served Tue 17 Nov too.
    assert apply_period(cpr, date(2026, 11, 14)) == date(2026, 12, 1)
    # UC migration: the earliest deadline day (notice + 3 months), then the month beginning
    # with it: notice 30 Nov 2026 -> 28 Feb 2027 (no 30 Feb) -> 28 Feb + 1 month - 1 day = 27 Mar 2027.
    final = Period(months=3, then=Period(months=1, beginning_with_start=True))
    assert apply_period(final, date(2026, 11, 30)) == date(2027, 3, 27)
    with pytest.raises(ValueError, match="then counts forward only"):
        Period(days=56, before=True, then=Period(days=1))
    with pytest.raises(ValueError, match="then counts forward only"):
        Period(days=1, then=Period(days=2, before=True))


def test_a_late_route_with_no_outer_limit_stays_open() -> None:
    late = {
        "label": "Late appeal (the tribunal may extend time)", "urgency": "emergency",
        "reason": "The tribunal can extend time on reasons; every day of delay counts.",
        "source": {"title": "Test late", "url": "https://example.org/y", "kind": "regulation"},
    }  # fmt: skip
    d = _definition(period={"days": 3}, late=late)
    start = date(2026, 11, 19)
    assert compute(d, start, date(2026, 11, 22)).status == "open"
    got = compute(d, start, date(2026, 11, 23))
    assert got.status == "late_route" and got.late_limit is None and got.operative == date(2026, 11, 22)
    assert compute(d, start, date(2030, 1, 1)).status == "late_route"
    with pytest.raises(ValueError, match="an urgency needs a reason"):
        _definition(late={**late, "reason": None})
