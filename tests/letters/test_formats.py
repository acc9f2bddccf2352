"""Every letter the example cases need renders in HTML, PDF and Word with the same words,
and each format carries the names, needs and deadlines."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.letters.util import ALL_LETTERS, CASES, context, flat, html_text, load_case, rendered, text_of, words
from triage.letters import PURPOSES
from triage.letters.environment import day, weekday
from triage.rulesets.loader import load_ruleset

FORMATS = ("html", "pdf", "docx")


def test_examples_cover_every_letter_kind_and_purpose() -> None:
    kinds = {k for _, k, _ in ALL_LETTERS}
    purposes = {p for _, _, p in ALL_LETTERS if p}
    assert kinds == {"referral", "medical_evidence", "duty_to_refer", "voluntary_referral", "action_plan"}
    assert purposes == set(PURPOSES)
    emitted = {r.then.letter.purpose for r in load_ruleset().rules if r.then.letter and r.then.letter.purpose}
    assert emitted <= purposes, f"rule set asks for medical evidence with no example: {emitted - purposes}"


@pytest.mark.parametrize(("case", "kind", "purpose"), ALL_LETTERS)
def test_same_words_in_every_format(case: str, kind: str, purpose: str | None) -> None:
    html = html_text(rendered(case, kind, purpose, "html"))
    assert text_of("docx", rendered(case, kind, purpose, "docx")) == html
    pdf = text_of("pdf", rendered(case, kind, purpose, "pdf"))
    # The PDF adds page numbers and may reflow, but loses no word.
    assert not words(html) - words(pdf)
    assert rendered(case, kind, purpose, "pdf").startswith(b"%PDF-")
    assert zipfile.is_zipfile(io.BytesIO(rendered(case, kind, purpose, "docx")))


@pytest.mark.parametrize(("case", "kind", "purpose"), ALL_LETTERS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_names_needs_and_deadlines_in_each_format(case: str, kind: str, purpose: str | None, fmt: str) -> None:
    ctx = context(case, kind, purpose)
    text = flat(text_of(fmt, rendered(case, kind, purpose, fmt)))
    assert ctx.person.name and ctx.person.name in text
    if kind != "action_plan":
        assert ctx.referrer.name and ctx.referrer.name in text
        assert ctx.recipient.organisation and ctx.recipient.organisation in text
    assert ctx.needs
    for need in ctx.needs:
        if kind in ("duty_to_refer", "voluntary_referral"):  # the need is stated as the agreed reason
            assert ctx.referral_reason and ctx.referral_reason in text
            if ctx.hospital.discharge_date:  # shown when known, never required
                assert weekday(ctx.hospital.discharge_date) in text
        else:
            assert need.issue_label in text
        for d in need.live_deadlines:
            assert weekday(d.date) in text or day(d.date) in text, d
            assert flat(d.label) in text
    if kind == "medical_evidence":
        assert ctx.reply_by and weekday(ctx.reply_by) in text


def test_referral_needs_are_the_ones_the_assessment_refers() -> None:
    _, assessment, _ = load_case("three-problems")
    referred = {x.issue for x in assessment.letters if x.kind == "referral"}
    assert {n.issue for n in context("three-problems", "referral").needs} == referred


def test_medical_evidence_shows_only_its_own_need() -> None:
    """Minimum necessary: the PIP request does not tell the GP about the eviction."""
    text = flat(html_text(rendered("three-problems", "medical_evidence", "pip", "html")))
    assert "Personal Independence Payment" in text
    assert "Possession hearing" not in text and "Eviction by a private landlord" not in text


def test_docx_links_are_real_hyperlinks() -> None:
    data = rendered("three-problems", "action_plan", None, "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
        body = z.read("word/document.xml").decode()
    ctx = context("three-problems", "action_plan")
    assert ctx.resources
    for r in ctx.resources:
        assert f'Target="{r.url.replace("&", "&amp;")}"' in rels
    assert body.count("<w:hyperlink") == sum(len(n.resources) for n in ctx.needs)


def test_html_is_self_contained() -> None:
    for case in CASES:
        html = rendered(case, "referral", None, "html").decode()
        assert "<link" not in html and "<script" not in html and "src=" not in html
