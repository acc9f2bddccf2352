"""Driving the questionnaire pages like a link worker: fill the page, continue, check accessibility."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from axe_playwright_python.sync_playwright import Axe

from triage.questionnaire import Questionnaire, load_questionnaire

_axe = Axe()


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page (every rule it runs by default, WCAG 2.2 AA included)."""
    results = _axe.run(page)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]  # fmt: skip


_FIELD_PART = re.compile(r"-(?:day|month|year|unknown)$")


def page_id(page: Any, qn: Questionnaire | None = None) -> str:
    """The questionnaire page on screen, told by its form's fields (question ids).

    Never read from the address: that is an opaque per-session token.
    """
    path = urlparse(page.url).path
    assert re.fullmatch(r"/questionnaire/page/[0-9a-f]{12}", path), path
    qn = qn or _questionnaire()
    page.wait_for_load_state("domcontentloaded")  # a click returns once the new page is committed
    names = page.eval_on_selector_all("form input[name], form select[name], form textarea[name]",
                                      "els => els.map(e => e.name)")  # fmt: skip
    pages = {qn.page_of[n].id for n in (_FIELD_PART.sub("", n) for n in names) if n in qn.page_of}
    assert len(pages) == 1, (path, pages)
    return pages.pop()


@lru_cache(maxsize=1)
def _questionnaire() -> Questionnaire:
    return load_questionnaire()


def fill(page: Any, qn: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """Answer the questions on the current page from ``answers``; returns their ids."""
    filled = []
    for q in qn.page_by_id[page_id(page, qn)].questions:
        if q.id not in answers or page.locator(f'[name="{q.id}"], [name="{q.id}-day"]').count() == 0:
            continue
        value = answers[q.id]
        unknown = value in ("dont_know", "prefer_not_to_say")
        if q.type in ("yes_no", "single"):
            page.locator(f'input[name="{q.id}"][value="{value}"]').check()
        elif q.type == "multiple":
            for code in value:
                page.locator(f'input[name="{q.id}"][value="{code}"]').check()
        elif unknown:
            page.locator(f'input[name="{q.id}-unknown"][value="{value}"]').check()
        elif q.type == "date":
            year, month, day = str(value).split("-")
            page.fill(f"#{q.id}-day", str(int(day)))
            page.fill(f"#{q.id}-month", str(int(month)))
            page.fill(f"#{q.id}-year", year)
        else:
            page.fill(f"#{q.id}", str(value))
        filled.append(q.id)
    return filled


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def result_needs(page: Any) -> dict[str, tuple[int, str, str]]:
    """issue -> (tier, urgency, next deadline) as shown on the result page."""
    out = {}
    for card in page.locator("[data-need]").all():
        deadline = card.locator("[data-deadline]").get_attribute("data-deadline") or ""
        out[card.get_attribute("data-need")] = (int(card.get_attribute("data-tier")),
                                                card.get_attribute("data-urgency"), deadline)  # fmt: skip
    return out
