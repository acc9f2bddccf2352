"""How a person may be contacted: the one rule every packet, letter, page and API answer uses.

For a person at risk of abuse a phone number in the wrong letter can be the harm
itself, so this is decided here once, from the methods the person said are safe:

* consent to share contact details refused: no direct details at all;
* no method recorded: no direct details (unknown is never "any way is fine");
* ``via_referrer`` listed: no direct details, even if other methods are listed too.
  The question asks "only via the referrer?", so that answer is the person's
  limit and it wins over any looser one recorded beside it;
* otherwise every listed method, and only those: ``phone`` or ``text`` gives the
  phone number (text alone says "do not call"), ``email`` the email address,
  ``post`` the postal address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

ContactMethod = Literal["phone", "text", "email", "post", "via_referrer"]
CONTACT_METHODS: tuple[str, ...] = get_args(ContactMethod)

WITHHELD_VIA_REFERRER = "they may only be contacted through the referrer"
WITHHELD_UNKNOWN = "no safe way to contact them has been recorded"
WITHHELD_NO_CONSENT = "they have not agreed to share their contact details"

_WORDS = {"phone": "phone calls", "text": "text messages", "email": "email", "post": "letters by post"}


class ContactRule(BaseModel):
    """The contact details that may be used, and why any were withheld."""

    model_config = ConfigDict(frozen=True)

    methods: tuple[ContactMethod, ...]
    phone: str | None = None
    email: str | None = None
    address: tuple[str, ...] = ()
    withheld: str | None = None

    @property
    def direct(self) -> bool:
        """May anyone contact the person directly (rather than through the referrer)?"""
        return self.withheld is None

    @property
    def usable(self) -> tuple[ContactMethod, ...]:
        """The methods that may be used: none when contact must go through the referrer."""
        return self.methods if self.direct else ()

    @property
    def words(self) -> str:
        """The rule in plain words, for pages, cards and letters."""
        if not self.direct:
            return f"Contact only through the referrer: {self.withheld}."
        said = [_WORDS[m] for m in self.methods if m in _WORDS]
        text = "Safe to contact by " + (", ".join(said[:-1]) + " or " + said[-1] if len(said) > 1 else said[0])
        if "text" in self.methods and "phone" not in self.methods:
            text += " (texts only: do not call)"
        return text + "."


def normalise_methods(methods: Iterable[str] | None, field: str = "safe_contact") -> tuple[ContactMethod, ...]:
    """Methods in a fixed order without repeats; an unknown one is a ``ValueError`` naming ``field``."""
    given = list(methods or ())
    for m in given:
        if m not in CONTACT_METHODS:
            raise ValueError(f"{field}: expected one of {', '.join(CONTACT_METHODS)}, got {m!r}")
    return tuple(m for m in CONTACT_METHODS if m in given)  # type: ignore[misc]


def contact_rule(
    methods: Iterable[str] | None,
    phone: str | None = None,
    email: str | None = None,
    address: Sequence[str] = (),
    share_consent: bool | None = None,
) -> ContactRule:
    """The contact details that may be used for a person who said ``methods`` are safe.

    ``share_consent`` is the consent to share contact details with the recipient of
    a letter: ``False`` withholds everything, ``None`` (not asked) leaves the methods to decide."""
    listed = normalise_methods(methods)
    if share_consent is False:
        return ContactRule(methods=listed, withheld=WITHHELD_NO_CONSENT)
    if not listed:
        return ContactRule(methods=listed, withheld=WITHHELD_UNKNOWN)
    if "via_referrer" in listed:
        return ContactRule(methods=listed, withheld=WITHHELD_VIA_REFERRER)
    return ContactRule(
        methods=listed,
        phone=phone if {"phone", "text"} & set(listed) else None,
        email=email if "email" in listed else None,
        address=tuple(address) if "post" in listed else (),
    )
