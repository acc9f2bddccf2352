"""``GET /v1/questionnaire``: the questionnaire as JSON, worded in one language.

For other front ends (and translators): every question with its id, answer
type, option codes and labels, ``show_if`` and the case facts it sets, in
asking order. Logic is identical in every language; only the text changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query

from api.deps import AppQuestionnaire
from triage.questionnaire.model import UNKNOWN_ANSWERS

router = APIRouter(tags=["questionnaire"])


@router.get("/v1/questionnaire")
def get_questionnaire(
    qn: AppQuestionnaire,
    lang: str = Query(default="en", pattern=r"^[a-z]{2,3}$", description="Language of the text."),
) -> dict[str, Any]:
    """The questionnaire: sections, pages and questions with their wording in ``lang``."""
    try:
        words = qn.wording(lang)
    except KeyError:
        raise HTTPException(404, f"lang: no wording for {lang!r} (have: {', '.join(qn.languages)})") from None
    sections = []
    for s in qn.sections:
        title = words.section(s.id)
        pages = []
        for p in s.pages:
            ptitle = words.page(p.id)
            questions = []
            for q in p.questions:
                codes = ("yes", "no") if q.type == "yes_no" else q.options
                questions.append({
                    "id": q.id, "type": q.type, "text": words.question(q.id), "hint": words.hint(q.id),
                    "options": [{"code": c, "label": words.option(q.id, c)} for c in codes],
                    "unknown_answers": [{"code": c, "label": words.answer(c)} for c in UNKNOWN_ANSWERS],
                    "show_if": q.show_if, "sets": q.sets, "flags": q.flags or None,
                    "min": q.min, "max": q.max, "integer": q.integer or None,
                })  # fmt: skip
            pages.append({"id": p.id, "title": ptitle.title if ptitle else None, "show_if": p.show_if,
                          "questions": questions})  # fmt: skip
        sections.append({"id": s.id, "title": title.title if title else s.id, "safety": s.safety,
                         "show_if": s.show_if, "pages": pages})  # fmt: skip
    return {"name": qn.manifest.name, "version": qn.manifest.version, "hash": qn.hash, "lang": words.lang,
            "languages": list(qn.languages), "sections": sections}  # fmt: skip
