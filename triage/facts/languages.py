"""The languages a person may need advice in: a standard list, never a free-text box.

Every ISO 639-1 language (two-letter code, the codes the directory's
``languages`` and the facts' ``person.language`` use), named in English and in
the language itself from the CLDR data in the maintained ``langcodes``
package. British Sign Language is a communication need of its own (asked
beside the language), not a spoken language on this list.
"""

from __future__ import annotations

import itertools
import string
from functools import lru_cache

import langcodes
from pydantic import BaseModel, ConfigDict


class LanguageOption(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    english: str
    own: str

    @property
    def label(self) -> str:
        """``Somali (Soomaali)``; just ``English`` where both names are the same."""
        return self.english if self.own.casefold() == self.english.casefold() else f"{self.english} ({self.own})"


@lru_cache(maxsize=1)
def language_options() -> tuple[LanguageOption, ...]:
    """Every ISO 639-1 language langcodes can name, sorted by English name."""
    out = []
    for a, b in itertools.product(string.ascii_lowercase, repeat=2):
        code = a + b
        lang = langcodes.Language.get(code)
        # Skip codes that are only aliases of another (iw -> he) or that CLDR cannot name.
        if not lang.is_valid() or lang.language != code:
            continue
        english = lang.display_name("en")
        if english == code or english.startswith("Unknown"):
            continue
        own = lang.autonym()
        out.append(LanguageOption(code=code, english=english, own=own if own and own != code else english))
    return tuple(sorted(out, key=lambda o: o.english.casefold()))


def language_codes() -> frozenset[str]:
    return frozenset(o.code for o in language_options())


def language_label(code: str) -> str:
    """The label of a listed language code; the code itself if it is not listed."""
    return next((o.label for o in language_options() if o.code == code), code)
