"""The structured content of a rendered letter: headings, paragraphs, lists, tables.

A letter is rendered once, from its template, to HTML. That HTML is parsed
here into blocks, and the Word writer builds its document from those blocks,
so the words are the same in HTML, PDF (drawn from the same HTML) and Word.

The letters' HTML uses a small, known set of tags; anything else is a
template bug and raises :class:`UnsupportedMarkup`, so a tag can never be
silently dropped from the Word version. Text comes out with entities decoded
(``&lt;script&gt;`` is the literal text ``<script>``) and whitespace collapsed
as a browser would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

BLOCK_TAGS = frozenset({"h1", "h2", "h3", "p", "li", "td", "th"})
CONTAINER_TAGS = frozenset({"html", "body", "header", "main", "footer", "section", "div",
                            "ul", "ol", "table", "thead", "tbody", "tr", "address"})  # fmt: skip
INLINE_TAGS = frozenset({"strong", "b", "em", "i", "a", "span", "br"})
SKIPPED_TAGS = frozenset({"head", "style", "title", "meta"})
VOID_TAGS = frozenset({"br", "meta"})
_SPACE = re.compile(r"\s+")


class UnsupportedMarkup(ValueError):
    """The letter HTML used a tag the Word writer cannot represent."""


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass
class Block:
    """One paragraph-like unit. ``kind`` decides its Word style."""

    kind: Literal["heading", "para", "item", "cell"]
    runs: list[Run] = field(default_factory=list)
    level: int = 0
    ordered: bool = False
    classes: frozenset[str] = frozenset()
    header: bool = False

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    rows: list[list[Block]] = field(default_factory=list)
    classes: frozenset[str] = frozenset()


Content = list[Block | Table]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.content: Content = []
        self.block: Block | None = None
        self.inline: list[tuple[str, str | None]] = []  # (tag, href)
        self.lists: list[bool] = []  # ordered?
        self.tables: list[Table] = []
        self.classes: list[frozenset[str]] = []  # classes of open containers
        self.skip = 0
        self.title = ""
        self._in_title = False

    # -- helpers
    def _class_set(self, attrs: list[tuple[str, str | None]]) -> frozenset[str]:
        value = dict(attrs).get("class") or ""
        return frozenset(value.split())

    def _inherited(self) -> frozenset[str]:
        return frozenset().union(*self.classes) if self.classes else frozenset()

    def _close_block(self) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        # Collapse whitespace across runs as a browser does, then trim the ends.
        out: list[Run] = []
        prev_space = True
        for run in block.runs:
            text = run.text
            if text != "\n":
                text = _SPACE.sub(" ", text)
                if prev_space:
                    text = text.lstrip(" ")
            if not text:
                continue
            prev_space = text.endswith((" ", "\n"))
            out.append(Run(text, run.bold, run.italic, run.href))
        while out and out[-1].text.endswith(" "):
            out[-1].text = out[-1].text.rstrip(" ")
            if not out[-1].text:
                out.pop()
        block.runs = out
        if block.kind == "cell":
            self.tables[-1].rows[-1].append(block)
        elif out:
            self.content.append(block)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            if tag == "title":
                self._in_title = True
            if tag not in VOID_TAGS:
                self.skip += 1
            return
        if self.skip:
            return
        classes = self._class_set(attrs)
        if tag in BLOCK_TAGS:
            self._close_block()
            inherited = self._inherited() | classes
            if tag in ("h1", "h2", "h3"):
                self.block = Block("heading", level=int(tag[1]), classes=inherited)
            elif tag == "li":
                if not self.lists:
                    raise UnsupportedMarkup("<li> outside a list")
                self.block = Block("item", ordered=self.lists[-1], classes=inherited)
            elif tag in ("td", "th"):
                if not self.tables or not self.tables[-1].rows:
                    raise UnsupportedMarkup(f"<{tag}> outside a table row")
                self.block = Block("cell", header=tag == "th", classes=inherited)
            else:
                self.block = Block("para", classes=inherited)
        elif tag in CONTAINER_TAGS:
            self._close_block()
            self.classes.append(classes)
            if tag in ("ul", "ol"):
                self.lists.append(tag == "ol")
            elif tag == "table":
                self.tables.append(Table(classes=self._inherited()))
            elif tag == "tr":
                if not self.tables:
                    raise UnsupportedMarkup("<tr> outside a table")
                self.tables[-1].rows.append([])
        elif tag in INLINE_TAGS:
            if self.block is None:
                raise UnsupportedMarkup(f"<{tag}> outside a paragraph, heading, list item or cell")
            if tag == "br":
                self.block.runs.append(Run("\n"))
            else:
                self.inline.append((tag, dict(attrs).get("href") if tag == "a" else None))
        else:
            raise UnsupportedMarkup(f"<{tag}> is not supported in letter templates")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            if tag == "title":
                self._in_title = False
            if tag not in VOID_TAGS:
                self.skip -= 1
            return
        if self.skip:
            return
        if tag in BLOCK_TAGS:
            self._close_block()
        elif tag in CONTAINER_TAGS:
            self._close_block()
            self.classes.pop()
            if tag in ("ul", "ol"):
                self.lists.pop()
            elif tag == "table":
                table = self.tables.pop()
                self.content.append(table)
        elif tag in INLINE_TAGS and tag != "br":
            for i in range(len(self.inline) - 1, -1, -1):
                if self.inline[i][0] == tag:
                    del self.inline[i]
                    break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.block is None:
            if data.strip():
                raise UnsupportedMarkup(f"text outside a paragraph: {data.strip()[:40]!r}")
            return
        tags = {t for t, _ in self.inline}
        href = next((h for t, h in reversed(self.inline) if t == "a"), None)
        self.block.runs.append(Run(data, bold=bool(tags & {"strong", "b"}) or self.block.kind == "heading",
                                   italic=bool(tags & {"em", "i"}), href=href))  # fmt: skip


@dataclass
class Document:
    title: str
    content: Content


def parse_html(html: str) -> Document:
    """Blocks of a rendered letter, in reading order."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    parser._close_block()
    return Document(title=_SPACE.sub(" ", parser.title).strip(), content=parser.content)


def plain_text(doc: Document) -> str:
    """The letter's words, one block a line (tables: cells joined by tabs)."""
    lines: list[str] = []
    for item in doc.content:
        if isinstance(item, Table):
            lines.extend("\t".join(c.text for c in row) for row in item.rows)
        else:
            lines.append(item.text)
    return "\n".join(lines)
