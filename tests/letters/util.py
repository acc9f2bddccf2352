"""Shared helpers for the letters tests: example cases, rendering memo, text extraction.

Rendering is memoised per process (PDFs cost ~0.2 s each), so every test
module in a pytest-xdist worker reuses the same bytes.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from functools import cache
from typing import Any

import docx
import yaml
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from triage.engine.assessment import Assessment
from triage.engine.engine import Engine
from triage.facts import CaseFacts, parse_facts
from triage.letters import LetterContext, LetterDetails, build_context, parse_details, render_letter
from triage.letters.blocks import parse_html, plain_text
from triage.paths import rules_dir

EXAMPLES = rules_dir() / "examples" / "letters"
CASES = ("discharge-homeless", "three-problems", "work-and-debt", "gp-homeless", "mental-health-ward")


@cache
def engine() -> Engine:
    return Engine.default()


@cache
def raw_case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


@cache
def load_case(name: str) -> tuple[CaseFacts, Assessment, LetterDetails]:
    data = raw_case(name)
    facts = parse_facts(data["facts"])
    return facts, engine().assess(facts, data["as_of"]), parse_details(data["letter"])


def letters_needed(name: str) -> list[tuple[str, str | None]]:
    """(kind, purpose) for every letter the case's assessment lists, plus the action plan."""
    _, assessment, _ = load_case(name)
    out: list[tuple[str, str | None]] = []
    for x in assessment.letters:
        if (x.kind, x.purpose) not in out:
            out.append((x.kind, x.purpose))
    return [*out, ("action_plan", None)]


ALL_LETTERS = [(case, kind, purpose) for case in CASES for kind, purpose in letters_needed(case)]


def context(name: str, kind: str, purpose: str | None = None) -> LetterContext:
    facts, assessment, details = load_case(name)
    return build_context(kind, facts, assessment, details, purpose)


@cache
def rendered(name: str, kind: str, purpose: str | None, fmt: str) -> bytes:
    return render_letter(kind, context(name, kind, purpose), fmt)


def html_text(data: bytes) -> str:
    return plain_text(parse_html(data.decode("utf-8")))


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # A hyphenated name may wrap after its hyphen: rejoin it.
    return re.sub(r"-\n", "-", text)


def docx_text(data: bytes) -> str:
    """Body paragraphs and table rows in document order (cells joined by tabs)."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            text = Paragraph(child, document).text
            if text:
                lines.append(text)
        elif child.tag.endswith("}tbl"):
            for row in DocxTable(child, document).rows:
                lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def text_of(fmt: str, data: bytes) -> str:
    return {"html": html_text, "pdf": pdf_text, "docx": docx_text}[fmt](data)


def flat(text: str) -> str:
    """Whitespace collapsed, so a phrase can be found across PDF line breaks."""
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> Counter[str]:
    return Counter(text.split())
