"""PDF output: the letter's own HTML drawn by WeasyPrint.

The HTML is self-contained (inline CSS, system fonts). WeasyPrint is given a
URL fetcher that refuses every request, so rendering never touches the
network, whatever a template or a value contains.
"""

from __future__ import annotations

from typing import Any, NoReturn


class FetchRefused(ValueError):
    pass


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise FetchRefused(f"letters never load outside resources (refused {url[:80]!r})")


def to_pdf(html: str) -> bytes:
    """The letter as PDF bytes (A4, page size and margins from the layout's CSS)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # heavy: imported only for PDFs

    pdf: bytes = HTML(string=html, url_fetcher=_refuse).write_pdf()
    return pdf
