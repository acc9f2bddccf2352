"""Word (.docx) output, built with python-docx from the letter's blocks.

Every piece of text is written as a plain text run (``w:t``). Nothing is
ever inserted as a field, so ``{ DDE ... }`` or ``{ INCLUDETEXT ... }`` in a
person's words stays text that Word shows and never runs. docxtpl is
deliberately not used: it renders Jinja inside the document, where a
person's literal ``{{`` or ``{%`` would be read as template code.
"""

from __future__ import annotations

import io

from docx import Document as new_document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from triage.letters.blocks import Block, Document, Run, Table

_LINK_BLUE = RGBColor(0x00, 0x5E, 0xB8)


def _add_text(paragraph: Paragraph, text: str, run: Run) -> None:
    # One Word run per line, with explicit breaks, so no newline reaches w:t.
    for i, line in enumerate(text.split("\n")):
        if i:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        if line:
            r = paragraph.add_run(line)
            r.bold = run.bold or None
            r.italic = run.italic or None


def _add_link(paragraph: Paragraph, run: Run, href: str) -> None:
    rel_id = paragraph.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    r = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(_LINK_BLUE))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    props.append(colour)
    props.append(underline)
    if run.bold:
        props.append(OxmlElement("w:b"))
    r.append(props)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = run.text
    r.append(t)
    link.append(r)
    paragraph._p.append(link)


def _fill(paragraph: Paragraph, block: Block) -> None:
    for run in block.runs:
        if run.href and run.href.startswith(("https://", "mailto:")) and "\n" not in run.text:
            _add_link(paragraph, run, run.href)
        else:
            _add_text(paragraph, run.text, run)


def _shade(cell: _Cell, fill: str) -> None:
    props = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


def to_docx(doc: Document) -> bytes:
    """The letter as a .docx file's bytes."""
    word = new_document()
    normal = word.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    word.core_properties.title = doc.title
    word.core_properties.author = "Health justice triage"
    for item in doc.content:
        if isinstance(item, Table):
            width = max((len(r) for r in item.rows), default=0)
            if not width:
                continue
            table = word.add_table(rows=0, cols=width)
            table.style = "Table Grid"
            for row in item.rows:
                cells = table.add_row().cells
                for cell, block in zip(cells, row, strict=False):
                    paragraph = cell.paragraphs[0]
                    _fill(paragraph, block)
                    if block.header:
                        _shade(cell, "E8EDEE")
                    if "deadline" in block.classes:
                        for r in paragraph.runs:
                            r.bold = True
            word.add_paragraph()
            continue
        if item.kind == "heading":
            paragraph = word.add_heading(level=item.level)
        elif item.kind == "item":
            paragraph = word.add_paragraph(style="List Number" if item.ordered else "List Bullet")
        else:
            paragraph = word.add_paragraph()
        _fill(paragraph, item)
        if "callout" in item.classes or "deadline" in item.classes:
            for r in paragraph.runs:
                r.bold = True
        if "small" in item.classes:
            for r in paragraph.runs:
                r.font.size = Pt(9)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
