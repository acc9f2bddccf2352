"""The one Jinja2 environment letters are rendered in: sandboxed, escaping, strict.

* ``ImmutableSandboxedEnvironment``: templates are data a partnership may
  edit, so they get no access to Python internals and cannot mutate values.
* Autoescaping: every value is HTML-escaped, so a person's ``<script>`` is text.
  Values are only ever *data*: Jinja never evaluates what a value contains,
  so ``{{ 7*7 }}`` typed by a person stays exactly that.
* ``StrictUndefined``: a misspelt name in a template is an error.
* ``finalize`` refuses ``None``: a template that prints an optional field
  without guarding it fails loudly instead of sending the word "None".
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from triage.letters.languages import language_name


class TemplateValueError(RuntimeError):
    """A template printed a value that is not there (a template bug, not bad input)."""


def _finalize(value: Any) -> Any:
    if value is None:
        raise TemplateValueError("a letter template printed an empty value; guard optional fields with {% if %}")
    return value


def day(value: dt.date) -> str:
    """``27 November 2026`` (GOV.UK style: no leading zero, no ordinal)."""
    return f"{value.day} {value:%B %Y}"


def weekday(value: dt.date) -> str:
    """``Friday 27 November 2026``."""
    return f"{value:%A} {day(value)}"


def days_phrase(days: int) -> str:
    """Plain words for a count of days from today."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def yes_no(value: bool | None) -> str:
    return "Not known" if value is None else "Yes" if value else "No"


_URGENCY = {"emergency": "Emergency", "urgent": "Urgent", "soon": "Soon", "routine": "Routine"}
_TIER = {1: "Tier 1 (information)", 2: "Tier 2 (advice)", 3: "Tier 3 (casework or specialist)"}
_CONTACT = {
    "phone": "Phone", "text": "Text message", "email": "Email", "post": "Letter by post",
    "via_referrer": "Only through the referrer",
}  # fmt: skip
_DIGITAL = {"full": "Uses the internet and email alone", "limited": "Limited: needs help online",
            "none": "None: no internet or email"}  # fmt: skip
_SERVICE = {"emergency_department": "Emergency department", "urgent_treatment_centre": "Urgent treatment centre",
            "inpatient": "Inpatient care"}  # fmt: skip
_REPRESENTATIVE = {"lpa_attorney": "attorney under a lasting power of attorney",
                   "deputy": "deputy appointed by the Court of Protection"}  # fmt: skip


@lru_cache(maxsize=4)
def environment(letters_dir: Path) -> ImmutableSandboxedEnvironment:
    """The shared environment for one letters folder (cached: templates compile once)."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(letters_dir)),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        day=day, weekday=weekday, days_phrase=days_phrase, yes_no=yes_no, language=language_name,
        urgency=_URGENCY.__getitem__, tier=_TIER.__getitem__, contact=_CONTACT.__getitem__,
        digital=_DIGITAL.__getitem__, service=_SERVICE.__getitem__, representative=_REPRESENTATIVE.__getitem__,
    )  # fmt: skip
    return env
