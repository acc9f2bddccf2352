"""Dates that point the wrong way get a clear message (issue 18): a decision or notice dated in the
future, or a hearing or due date long past, is refused on its page rather than silently accepted."""

from __future__ import annotations

from datetime import date

import pytest

from triage.questionnaire import Questionnaire, load_questionnaire
from triage.questionnaire.answers import AnswerError, from_form

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def qn() -> Questionnaire:
    return load_questionnaire()


def _form(qid: str, d: date) -> dict[str, str]:
    return {f"{qid}-day": str(d.day), f"{qid}-month": str(d.month), f"{qid}-year": str(d.year)}


def _message(qn: Questionnaire, qid: str, d: date) -> str | None:
    try:
        from_form(qn.by_id[qid], _form(qid, d), today=TODAY)
    except AnswerError as exc:
        assert exc.field == f"{qid}-day"
        return qn.wording().error(qid, exc.key, **exc.values)
    return None


def test_every_date_question_says_which_way_it_points(qn: Questionnaire) -> None:
    dates = [q for q in qn.by_id.values() if q.type == "date"]
    assert dates and [q.id for q in dates if q.when is None] == []


def test_a_decision_in_the_future_is_refused_plainly(qn: Questionnaire) -> None:
    message = _message(qn, "benefits_pip_decision_date", date(2026, 12, 3))
    assert message == ("Check this date (PIP decision date): it cannot be in the future. "
                       "Enter the day it happened, or choose don't know")  # fmt: skip
    assert _message(qn, "benefits_pip_decision_date", TODAY) is None  # today is fine
    assert _message(qn, "housing_notice_date", date(2027, 1, 1)) is not None


def test_a_hearing_long_past_is_refused_but_a_recent_one_is_kept(qn: Questionnaire) -> None:
    message = _message(qn, "housing_hearing_date", date(2025, 11, 22))
    assert message is not None and "more than a year ago" in message and "Value error" not in message
    # A hearing missed last week is a fact to act on (a set-aside application), not a typing slip.
    assert _message(qn, "housing_hearing_date", date(2026, 11, 16)) is None
    assert _message(qn, "housing_hearing_date", date(2025, 11, 23)) is None  # exactly a year: kept
    assert _message(qn, "housing_hearing_date", date(2027, 6, 1)) is None


def test_without_a_day_to_compare_only_the_date_itself_is_checked(qn: Questionnaire) -> None:
    q = qn.by_id["benefits_pip_decision_date"]
    assert from_form(q, _form(q.id, date(2030, 1, 1))) == "2030-01-01"
