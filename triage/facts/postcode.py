"""The shape of a UK postcode: the one place that normalises and checks it.

Whether a well-formed postcode exists, and where it is, is the ONS postcode
directory's to say (``triage/routing/postcodes.py``); this module only turns
``" lu1 1aa"`` or ``"LU11AA"`` into ``"LU1 1AA"`` and refuses what no postcode
can look like. The patterns are the Royal Mail formats (outward code: area
letters, district digits and an optional letter; inward code: a digit and two
letters that are never C, I, K, M, O or V).
"""

from __future__ import annotations

import re

_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
POSTCODE_PATTERN = rf"^{_OUTWARD} {_INWARD}$"
DISTRICT_PATTERN = rf"^{_OUTWARD}$"
_FULL = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_DISTRICT = re.compile(DISTRICT_PATTERN)


def normalise_postcode(raw: str) -> str:
    """``raw`` as ``OUTWARD INWARD`` in capitals; ValueError saying why when it cannot be a postcode."""
    compact = re.sub(r"\s+", "", raw).upper()
    match = _FULL.match(compact)
    if match is None:
        raise ValueError(f"{raw.strip()!r} is not a UK postcode (like LU1 1AA or E15 4HT)")
    return f"{match.group(1)} {match.group(2)}"


def normalise_district(raw: str) -> str:
    """A postcode district (the outward code, like E15 or SW1A) in capitals; ValueError if it is not one."""
    compact = re.sub(r"\s+", "", raw).upper()
    if not _DISTRICT.match(compact):
        raise ValueError(f"{raw.strip()!r} is not a postcode district (like E15 or SW1A)")
    return compact


def district_of(postcode: str) -> str:
    """The district (outward code) of a normalised postcode."""
    return postcode.split(" ", 1)[0]
