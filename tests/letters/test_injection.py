"""A person's words are data in every format: never evaluated, never markup, never a Word field."""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from tests.letters.util import ALL_LETTERS, context, flat, text_of
from triage.letters import PURPOSES, render_letter
from triage.letters.context import LetterContext

HOSTILE = (
    "{{ 7*7 }}",
    "<script>alert('x')</script>",
    '{ DDE "c:\\\\windows\\\\system32\\\\cmd.exe" "/c calc" }',
    '{ INCLUDETEXT "file:///etc/passwd" }',
    "{%p if True %}",
    "{% raw %}",
    "{{r evil }}",
    "{#",
    "&amp; &lt;b&gt;",
)
WORDS = "My landlord said: " + " and ".join(HOSTILE)
NAME = "Eve {{ 7*7 }} <b>Bold</b>"


def _hostile(kind: str, purpose: str | None = None) -> LetterContext:
    # Each letter from an example case that calls for it, "three-problems" where it does.
    cases = [c for c, k, p in ALL_LETTERS if (k, p) == (kind, purpose)]
    base = context("three-problems" if "three-problems" in cases else cases[0], kind, purpose)
    person = base.person.model_copy(update={"name": NAME})
    # The action plan prints neither person_words nor health_context: next_contact carries the words there.
    words = {"next_contact": WORDS} if kind == "action_plan" else {"person_words": WORDS, "health_context": HOSTILE[2]}
    return base.model_copy(update={"person": person, **words})


CASES = [
    ("referral", None),
    ("action_plan", None),
    ("duty_to_refer", None),
    *(("medical_evidence", p) for p in PURPOSES),
]


@cache
def _render(kind: str, purpose: str | None, fmt: str) -> bytes:
    return render_letter(kind, _hostile(kind, purpose), fmt)


@pytest.mark.parametrize(("kind", "purpose"), CASES)
@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_hostile_text_appears_literally(kind: str, purpose: str | None, fmt: str) -> None:
    text = flat(text_of(fmt, _render(kind, purpose, fmt)))
    # PDF lines may wrap inside a long token, so compare without whitespace there.
    squash = (lambda s: "".join(s.split())) if fmt == "pdf" else flat
    assert squash(WORDS) in squash(text)
    assert squash(NAME) in squash(text)
    assert "said: 49" not in text and "Eve 49" not in text  # {{ 7*7 }} was never evaluated


@pytest.mark.parametrize(("kind", "purpose"), CASES)
def test_html_escapes_markup(kind: str, purpose: str | None) -> None:
    html = _render(kind, purpose, "html").decode()
    assert "<script>" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&amp;amp; &amp;lt;b&amp;gt;" in html  # entities in the input stay text too


@pytest.mark.parametrize(("kind", "purpose"), CASES)
def test_docx_has_no_fields_and_keeps_braces(kind: str, purpose: str | None) -> None:
    with zipfile.ZipFile(io.BytesIO(_render(kind, purpose, "docx"))) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    for element in ("<w:fldSimple", "<w:fldChar", "<w:instrText", "<w:fldData"):
        assert element not in xml
    assert "{ DDE" in xml and "{ INCLUDETEXT" in xml and "{{ 7*7 }}" in xml and "{%p if True %}" in xml


def test_control_characters_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="control characters"):
        LetterContext.model_validate({"as_of": "2026-11-23", "person_words": "bell\x07"})


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    """A template (data a partnership may edit) cannot reach Python internals."""
    import shutil

    from triage.paths import letters_dir

    shutil.copytree(letters_dir(), tmp_path / "letters")
    (tmp_path / "letters" / "action_plan.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        render_letter("action_plan", context("three-problems", "action_plan"), "html", tmp_path / "letters")
