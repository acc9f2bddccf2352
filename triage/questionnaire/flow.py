"""The questionnaire flow: what to ask next, answers to case facts, a provisional assessment.

All functions take the answers so far (question id -> stored answer code, see
``answers``) and never keep state, so the terminal, the web pages and tests
share them. A question is shown when its section's, page's and own
``show_if`` all hold on the answers to questions shown before it; an answer to
a question that is no longer shown is dropped (:func:`prune`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from triage.engine.assessment import Assessment
from triage.engine.engine import Engine
from triage.facts import CaseFacts, FactsError, parse_facts
from triage.facts.catalog import FACTS
from triage.questionnaire import conditions
from triage.questionnaire.answers import Answer, AnswerError, check
from triage.questionnaire.loader import Questionnaire
from triage.questionnaire.model import NO, UNKNOWN_ANSWERS, YES, Page, Question


@dataclass(frozen=True)
class PageView:
    """A page as it stands: the questions on it that are shown."""

    page: Page
    section_id: str
    questions: tuple[Question, ...]
    safety: bool


def _shown(qn: Questionnaire, q: Question, kept: Mapping[str, Any]) -> bool:
    page = qn.page_of[q.id]
    section = qn.section_of[q.id]
    nodes = ("s:" + section.id, "p:" + page.id, "q:" + q.id)
    return all(conditions.evaluate(qn.conds.get(node), kept) for node in nodes)


def prune(qn: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Answer]:
    """Only the answers to questions that are shown, in asking order; unknown ids dropped."""
    kept: dict[str, Answer] = {}
    for q in qn.questions:
        if q.id in answers and _shown(qn, q, kept):
            kept[q.id] = answers[q.id]
    return kept


def shown_questions(qn: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """Every question shown for these answers, in order (answered or not)."""
    kept: dict[str, Answer] = {}
    out = []
    for q in qn.questions:
        if _shown(qn, q, kept):
            out.append(q)
            if q.id in answers:
                kept[q.id] = answers[q.id]
    return out


def pages(qn: Questionnaire, answers: Mapping[str, Any]) -> list[PageView]:
    """The pages shown for these answers, each with its shown questions."""
    shown = {q.id for q in shown_questions(qn, answers)}
    out = []
    for section in qn.sections:
        for page in section.pages:
            qs = tuple(q for q in page.questions if q.id in shown)
            if qs:
                out.append(PageView(page, section.id, qs, section.safety))
    return out


def next_page(qn: Questionnaire, answers: Mapping[str, Any]) -> PageView | None:
    """The first shown page with a question not yet answered; None when all are answered."""
    for view in pages(qn, answers):
        if any(q.id not in answers for q in view.questions):
            return view
    return None


def page_view(qn: Questionnaire, page_id: str, answers: Mapping[str, Any]) -> PageView | None:
    """The page ``page_id`` if it is shown for these answers."""
    for view in pages(qn, answers):
        if view.page.id == page_id:
            return view
    return None


def previous_page(qn: Questionnaire, page_id: str, answers: Mapping[str, Any]) -> PageView | None:
    """The shown page before ``page_id`` (for back links), or None on the first page."""
    prev = None
    for view in pages(qn, answers):
        if view.page.id == page_id:
            return prev
        prev = view
    return prev


def is_complete(qn: Questionnaire, answers: Mapping[str, Any]) -> bool:
    return next_page(qn, answers) is None


def _fact_value(q: Question, answer: Answer) -> dict[str, Any]:
    """The facts one known answer sets (fact path -> value)."""
    out: dict[str, Any] = {}
    spec = FACTS[q.sets] if q.sets else None
    if q.type in ("yes_no", "single"):
        assert isinstance(answer, str) and spec is not None
        if answer in q.values:
            value: Any = q.values[answer]
        elif q.type == "yes_no" and spec.kind == "bool":
            value = answer == YES
        else:
            value = answer
        out[spec.path] = value
    elif q.type == "multiple":
        assert isinstance(answer, list)
        if spec is not None:
            members = [q.values.get(c, c) for c in answer]
            out[spec.path] = frozenset(m for m in members if m is not None)
        for code, path in q.flags.items():
            out[path] = code in answer
    elif q.type == "date":
        assert isinstance(answer, str) and spec is not None
        out[spec.path] = date.fromisoformat(answer)
    else:
        assert spec is not None
        out[spec.path] = answer
    return out


def _is_unknown(answer: Answer) -> bool:
    return (isinstance(answer, str) and answer in UNKNOWN_ANSWERS) or (
        isinstance(answer, list) and bool(answer) and set(answer) <= set(UNKNOWN_ANSWERS)
    )


def fact_values(qn: Questionnaire, answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Fact path -> value for every known answer shown, and fact path -> question id that set it.

    Don't know and prefer not to say set nothing: the fact stays unknown.
    A later question setting the same fact wins.
    """
    values: dict[str, Any] = {}
    setter: dict[str, str] = {}
    for qid, answer in prune(qn, answers).items():
        q = qn.by_id[qid]
        answer = check(q, answer)
        if _is_unknown(answer):
            continue
        for path, value in _fact_value(q, answer).items():
            if value is None:
                continue
            values[path] = value
            setter[path] = qid
    return values, setter


def to_facts(qn: Questionnaire, answers: Mapping[str, Any], case_ref: str | None = None) -> CaseFacts:
    """The case facts these answers give. A fact the model refuses (for example a
    notice that ends before it was given) raises :class:`AnswerError` for the
    question that set it, with key ``fact_conflict``."""
    values, setter = fact_values(qn, answers)
    data: dict[str, Any] = {"case_ref": case_ref} if case_ref else {}
    for path, value in values.items():
        section, name = path.split(".")
        data.setdefault(section, {})[name] = sorted(value) if isinstance(value, frozenset) else value
    try:
        return parse_facts(data, "answers")
    except FactsError as exc:
        path, reason = exc.problems[0]
        qid = setter.get(path) or next(iter(setter.values()), "")
        raise AnswerError(qid, "fact_conflict", detail=_plain(reason, qn, setter)) from None


def _plain(reason: str, qn: Questionnaire, setter: Mapping[str, str]) -> str:
    # "is before housing.notice_date (2026-11-01)" reads better naming the question.
    for path, qid in setter.items():
        name = path.split(".")[1]
        if name in reason:
            reason = reason.replace(name, f"the answer to '{qid}'")
    return reason


@dataclass(frozen=True)
class WorthAsking:
    """A question still worth asking, from the assessment, tied to a questionnaire question."""

    fact: str
    question_id: str | None
    text: str
    could_change: tuple[str, ...]


@dataclass(frozen=True)
class Provisional:
    """The assessment for the answers so far, and what is still worth asking."""

    facts: CaseFacts
    assessment: Assessment
    worth_asking: tuple[WorthAsking, ...]


def provisional(
    qn: Questionnaire, answers: Mapping[str, Any], engine: Engine, as_of: date, case_ref: str | None = None
) -> Provisional:
    """Assess the answers so far for the day ``as_of`` (at any point in the questionnaire)."""
    facts = to_facts(qn, answers, case_ref)
    assessment = engine.assess(facts, as_of)
    return Provisional(facts, assessment, worth_asking(qn, assessment))


def worth_asking(qn: Questionnaire, assessment: Assessment) -> tuple[WorthAsking, ...]:
    """Map the assessment's questions (fact paths) back to questionnaire question ids."""
    out = []
    for item in assessment.questions:
        ids = qn.questions_for_fact.get(item.fact, ())
        out.append(WorthAsking(item.fact, ids[0] if ids else None, item.question, tuple(item.could_change)))
    return tuple(out)


def answered_summary(
    qn: Questionnaire, answers: Mapping[str, Any]
) -> list[tuple[PageView, list[tuple[Question, Answer]]]]:
    """For the check-your-answers page: each shown page with its answered questions."""
    kept = prune(qn, answers)
    out = []
    for view in pages(qn, kept):
        rows = [(q, kept[q.id]) for q in view.questions if q.id in kept]
        if rows:
            out.append((view, rows))
    return out


__all__ = [
    "NO",
    "YES",
    "PageView",
    "Provisional",
    "WorthAsking",
    "answered_summary",
    "fact_values",
    "is_complete",
    "next_page",
    "page_view",
    "pages",
    "previous_page",
    "provisional",
    "prune",
    "shown_questions",
    "to_facts",
    "worth_asking",
]
