"""Identifiers a person may give: the NHS number, checked one way for every form and file.

The check is the NHS's own (ten digits, modulus 11 check digit), done by the
maintained ``nhs-number`` package; spaces and hyphens as people write them
(``943 476 5919``, ``943-476-5919``) are allowed and dropped.
"""

from __future__ import annotations

import re

from nhs_number import validate as _nhs_validate

_SEPARATORS = re.compile(r"[\s-]+")


class NhsNumberError(ValueError):
    """Not a valid NHS number; the message is plain English for the person typing it."""


def normalise_nhs_number(raw: str) -> str:
    """The NHS number in ``raw`` as ten digits; :class:`NhsNumberError` saying what is wrong otherwise."""
    digits = _SEPARATORS.sub("", raw.strip())
    if not digits.isdigit():
        raise NhsNumberError("An NHS number must only include numbers (spaces are fine)")
    if len(digits) != 10:
        raise NhsNumberError(f"An NHS number is 10 numbers long; this one has {len(digits)}")
    if not _nhs_validate.is_valid(digits):
        raise NhsNumberError("This is not a valid NHS number: check each number against the NHS card or letter")
    return digits


def format_nhs_number(digits: str) -> str:
    """``9434765919`` as the NHS writes it: ``943 476 5919``."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
