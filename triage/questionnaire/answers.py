"""One answer: read from a web form or a terminal line, checked, and kept as a code.

Stored answer values (JSON-friendly): ``"yes"``/``"no"`` or an option code; a
list of codes for multiple choice; ``"YYYY-MM-DD"`` for dates; a number; a
string. ``"dont_know"`` and ``"prefer_not_to_say"`` are valid for every
question. Problems raise :class:`AnswerError` with an error key worded per
language in ``text/<lang>.yaml`` (``errors``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from triage.questionnaire.model import DONT_KNOW, PREFER_NOT, UNKNOWN_ANSWERS, Question

Answer = str | float | int | list[str]


class AnswerError(ValueError):
    """A bad answer to one question; ``key`` names the wording in ``errors``."""

    def __init__(self, question_id: str, key: str, field: str | None = None, **values: Any) -> None:
        self.question_id = question_id
        self.key = key
        self.field = field or question_id
        self.values = values
        super().__init__(f"{question_id}: {key} {values}" if values else f"{question_id}: {key}")


def check(q: Question, value: Any) -> Answer:
    """Validate a stored answer (e.g. from a resumed JSON file); returns it normalised."""
    if isinstance(value, str) and value in UNKNOWN_ANSWERS:
        return value
    if q.type in ("yes_no", "single"):
        if not isinstance(value, str) or value not in q.answer_codes:
            raise AnswerError(q.id, "choose_one")
        return value
    if q.type == "multiple":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise AnswerError(q.id, "required")
        return _multiple(q, value)
    if q.type == "date":
        if not isinstance(value, str):
            raise AnswerError(q.id, "date_invalid", field=f"{q.id}-day")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise AnswerError(q.id, "date_invalid", field=f"{q.id}-day") from None
    if q.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _number(q, str(value))
        return _number(q, repr(value))
    if not isinstance(value, str):
        raise AnswerError(q.id, "required")
    return _text(q, value)


def _multiple(q: Question, codes: Sequence[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    for c in codes:
        if c not in q.answer_codes:
            raise AnswerError(q.id, "choose_one")
    unknown = [c for c in codes if c in UNKNOWN_ANSWERS]
    if unknown and len(codes) > 1:
        raise AnswerError(q.id, "answer_and_unknown")
    for c in q.exclusive:
        if c in codes and len(codes) > 1:
            raise AnswerError(q.id, "exclusive", option=c)
    # Keep the question's own option order, so equal answers compare equal.
    return [c for c in q.answer_codes if c in codes]


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _number(q: Question, raw: str) -> int | float:
    text = raw.strip().replace(",", "").removeprefix("£")
    if not _NUMBER.match(text):
        raise AnswerError(q.id, "number_invalid")
    value = float(text)
    if q.integer and not value.is_integer():
        raise AnswerError(q.id, "number_whole")
    if q.min is not None and value < q.min:
        raise AnswerError(q.id, "number_min", min=_fmt(q.min))
    if q.max is not None and value > q.max:
        raise AnswerError(q.id, "number_max", max=_fmt(q.max))
    return int(value) if q.integer or value.is_integer() else value


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _text(q: Question, raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise AnswerError(q.id, "required")
    if len(text) > q.max_length:
        raise AnswerError(q.id, "text_too_long", max=q.max_length)
    if q.transform == "lower":
        text = text.lower()
    elif q.transform == "upper":
        text = text.upper()
    if q.pattern and not re.fullmatch(q.pattern, text):
        raise AnswerError(q.id, "text_pattern")
    return text


LONG_PAST_DAYS = 365
"""An event ahead (a hearing, a due date) given as more than this many days ago is a typing slip
more often than a fact: the person is asked to check it (a recent missed hearing still goes through)."""


def check_when(q: Question, answer: Answer, today: date | None) -> Answer:
    """A date answer checked against ``today`` for the direction the question expects (``when``)."""
    if today is None or q.type != "date" or q.when is None or not isinstance(answer, str):
        return answer
    if answer in UNKNOWN_ANSWERS:
        return answer
    day = date.fromisoformat(answer)
    if q.when == "past" and day > today:
        raise AnswerError(q.id, "date_future", field=f"{q.id}-day")
    if q.when == "coming" and (today - day).days > LONG_PAST_DAYS:
        raise AnswerError(q.id, "date_long_past", field=f"{q.id}-day")
    return answer


def from_form(q: Question, form: Mapping[str, Any], today: date | None = None) -> Answer:
    """Read one question's answer from submitted form fields; with ``today``, a date is also
    checked for the direction the question expects (:func:`check_when`).

    Field names: the question id (radios, checkboxes, a single input); for a
    date ``<id>-day``, ``<id>-month``, ``<id>-year``; for inputs, the unknown
    answers come as ``<id>-unknown``.
    """

    def values(name: str) -> list[str]:
        raw = form.get(name)
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        return [str(v) for v in items if str(v).strip() != ""]

    if q.type in ("yes_no", "single"):
        got = values(q.id)
        if not got:
            raise AnswerError(q.id, "required")
        return check(q, got[0])
    if q.type == "multiple":
        got = values(q.id)
        if not got:
            raise AnswerError(q.id, "required")
        return _multiple(q, got)
    unknown = values(f"{q.id}-unknown")
    if q.type == "date":
        parts = [" ".join(values(f"{q.id}-{p}")) for p in ("day", "month", "year")]
        typed = any(parts)
    else:
        typed = bool(values(q.id))
    if unknown:
        if typed or len(unknown) > 1:
            raise AnswerError(q.id, "answer_and_unknown")
        return check(q, unknown[0])
    if not typed:
        raise AnswerError(q.id, "required", field=f"{q.id}-day" if q.type == "date" else None)
    if q.type == "date":
        return check_when(q, _date_parts(q, *parts), today)
    if q.type == "number":
        return _number(q, values(q.id)[0])
    return _text(q, values(q.id)[0])


def _date_parts(q: Question, day: str, month: str, year: str) -> str:
    for name, part in (("day", day), ("month", month), ("year", year)):
        if not part.strip().isdigit():
            raise AnswerError(q.id, "date_invalid", field=f"{q.id}-{name}")
    if len(year.strip()) != 4:
        raise AnswerError(q.id, "date_invalid", field=f"{q.id}-year")
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise AnswerError(q.id, "date_impossible", field=f"{q.id}-day") from None


def from_line(q: Question, line: str) -> Answer:
    """Read one answer typed at a terminal prompt.

    ``?`` means don't know and ``-`` prefer not to say. Choices are given by
    number or code (several separated by commas for multiple choice); yes/no
    also takes y/n; dates are YYYY-MM-DD.
    """
    text = line.strip()
    if text in ("?", DONT_KNOW):
        return DONT_KNOW
    if text in ("-", PREFER_NOT):
        return PREFER_NOT
    if not text:
        raise AnswerError(q.id, "required")
    if q.type == "yes_no":
        word = text.lower()
        if word in ("y", "yes", "1"):
            return "yes"
        if word in ("n", "no", "2"):
            return "no"
        raise AnswerError(q.id, "choose_one")
    if q.type in ("single", "multiple"):
        picked = []
        for token in [t.strip() for t in text.split(",") if t.strip()]:
            if token.isdigit() and 1 <= int(token) <= len(q.options):
                picked.append(q.options[int(token) - 1])
            elif token in q.answer_codes:
                picked.append(token)
            else:
                raise AnswerError(q.id, "choose_one")
        if q.type == "single":
            if len(picked) != 1:
                raise AnswerError(q.id, "choose_one")
            return picked[0]
        return _multiple(q, picked)
    return check(q, text)
