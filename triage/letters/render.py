"""Render a letter: check the context, fill the template, write HTML, PDF or Word.

This is the function the API, the CLI and the store call. One call:

    render_letter("referral", context, "pdf") -> bytes

1. The manifest entry for ``kind`` (and ``context.purpose`` for medical
   evidence) lists the fields the letter requires; every missing or refused
   field is collected and raised together as :class:`LetterDataError`.
2. The template is rendered once, to HTML, in the sandboxed environment.
3. PDF is drawn from that HTML; Word is built from the same HTML's blocks;
   so the words are the same in every format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from triage.letters.blocks import parse_html
from triage.letters.context import LetterContext
from triage.letters.docx_writer import to_docx
from triage.letters.environment import environment
from triage.letters.inputs import input_path
from triage.letters.manifest import TemplateSpec, check, load_manifest
from triage.letters.pdf_writer import to_pdf
from triage.paths import letters_dir

Format = Literal["html", "pdf", "docx"]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# What a missing computed field usually means, so the message says what to do.
_HINTS = {
    "focus": "the assessment finds no need this letter is about",
    "needs": "the assessment finds no need for this letter",
    "reply_by": "no open deadline for the need; give letter.medical.<purpose>.reply_by",
    "hospital.service": "give letter.hospital.service or the facts' health.setting",
}


class LetterDataError(ValueError):
    """The context lacks what this letter needs. ``problems`` lists (field, problem), all of them."""

    def __init__(self, letter: str, problems: list[tuple[str, str]]) -> None:
        self.letter = letter
        self.kind, _, self.purpose = letter.partition("/")
        self.problems = problems
        missing = [f + (f" ({_HINTS[f]})" if f in _HINTS else "") for f, p in problems if p == "missing"]
        other = [f"{f}: {p}" for f, p in problems if p != "missing"]
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + other
        super().__init__(f"{letter} letter cannot be rendered: {'; '.join(parts)}")

    @property
    def fields(self) -> list[str]:
        return [f for f, _ in self.problems]

    def input_problems(self) -> list[tuple[str, str]]:
        """The problems naming the inputs that fill each field (``triage.letters.inputs``)."""
        return [(input_path(self.kind, f, self.purpose or None), p) for f, p in self.problems]


def template_spec(kind: str, purpose: str | None = None, folder: Path | None = None) -> TemplateSpec:
    """The manifest entry for a letter; ``LookupError`` for an unknown kind or purpose."""
    return load_manifest(folder or letters_dir()).spec(kind, purpose)


def render_html(kind: str, context: LetterContext, folder: Path | None = None) -> str:
    """Check ``context`` against the letter's manifest entry, then render the template to HTML."""
    folder = folder or letters_dir()
    if kind == "medical_evidence" and context.purpose is None:
        raise LetterDataError("medical_evidence", [("purpose", "missing")])
    spec = load_manifest(folder).spec(kind, context.purpose)
    problems = check(spec, context)
    if problems:
        raise LetterDataError(spec.name, problems)
    template = environment(folder).get_template(spec.file)
    values = {name: getattr(context, name) for name in LetterContext.model_fields}
    return template.render(
        values, ctx=context, spec=spec, live_deadlines=context.live_deadlines, resources=context.resources
    )


def render_letter(kind: str, context: LetterContext, fmt: str, folder: Path | None = None) -> bytes:
    """The letter as bytes in ``fmt`` (html, pdf or docx). Raises :class:`LetterDataError`
    listing every missing field, ``LookupError`` for an unknown kind or purpose, and
    ``ValueError`` for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    html = render_html(kind, context, folder)
    if fmt == "html":
        return html.encode("utf-8")
    if fmt == "pdf":
        return to_pdf(html)
    return to_docx(parse_html(html))
