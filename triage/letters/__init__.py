"""Letters: referral, medical evidence requests, duty-to-refer notice and client action plan.

Templates are data in ``letters/`` (see ``letters/manifest.yaml``); this package
checks a :class:`LetterContext` against what each letter requires and renders
it to HTML, PDF or Word with the same words in each::

    from triage.letters import build_context, render_letter
    ctx = build_context("referral", facts, assessment, details)
    pdf = render_letter("referral", ctx, "pdf")
"""

from triage.letters.case_file import LetterDetails, LetterDetailsError, build_context, parse_details
from triage.letters.context import KINDS, PURPOSES, LetterContext, LetterKind
from triage.letters.render import FORMATS, MEDIA_TYPES, LetterDataError, render_html, render_letter, template_spec

__all__ = [
    "FORMATS", "KINDS", "MEDIA_TYPES", "PURPOSES", "LetterContext", "LetterDataError", "LetterDetails",
    "LetterDetailsError", "LetterKind", "build_context", "parse_details", "render_html", "render_letter",
    "template_spec",
]  # fmt: skip
