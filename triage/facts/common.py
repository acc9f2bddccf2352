"""Building blocks shared by every section of the case facts.

A fact that is ``None`` is *unknown*: the question was not asked, or the
person said "don't know" or "prefer not to say". Unknown is never read as
"no"; the engine treats it with three-valued logic.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

UNKNOWN_WORDS = frozenset({"unknown", "dont_know", "don't know", "prefer_not_to_say"})


def _unknown_to_none(value: Any) -> Any:
    """Accept the explicit answer codes for unknown as well as null."""
    if isinstance(value, str) and value.strip().lower() in UNKNOWN_WORDS:
        return None
    return value


Tri = Annotated[StrictBool | None, BeforeValidator(_unknown_to_none)]
"""Yes, no or unknown."""

# The bounds sit on the number itself, not the union: on the union pydantic
# applies them to None as well, and `None >= 0` is a TypeError (a 500 in the API).
Count = Annotated[Annotated[StrictInt, Field(ge=0, le=10_000)] | None, BeforeValidator(_unknown_to_none)]
"""A non-negative whole number, or unknown."""


def zero_or_a_hundredth(value: float) -> float:
    """Refuse amounts between 0 and 0.01: less than a penny (or a hundredth of a month) means nothing.

    Python writes such numbers in JSON as ``1e-05``, which durable-rules
    cannot parse, so they would fail in the rules engine instead of here.
    """
    if 0 < value < 0.01:
        raise ValueError("must be 0 or at least 0.01")
    return value


Pounds = Annotated[
    Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False), AfterValidator(zero_or_a_hundredth)] | None,
    BeforeValidator(_unknown_to_none),
]
"""An amount of money in pounds, or unknown."""


# Control characters (NUL and the like) cannot be carried by a PDF, a Word file or most
# databases' text, and never belong in a name or a note; tab and line breaks may.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def plain_text(value: str | None) -> str | None:
    """``value`` if it holds no control characters, else a ValueError saying so (None: not given)."""
    if value is not None and _CONTROL.search(value):
        raise ValueError("contains control characters; use plain text")
    return value


def fact(question: str, *, may_not_know: bool = False, **kwargs: Any) -> Any:
    """A case fact field: unknown by default, with the plain question that settles it.

    ``may_not_know`` marks a detail a person often cannot tell a link worker
    (their tenancy type, the kind of notice, whether a reconsideration was
    already asked for). Rules treat such a fact, while unknown, as possibly
    whatever would raise a need, and mark the need "to confirm": a missing
    answer never hides a need or its deadline.
    """
    if may_not_know:
        kwargs["json_schema_extra"] = {**kwargs.get("json_schema_extra", {}), "may_not_know": True}
    return Field(default=None, description=question, **kwargs)


class Section(BaseModel):
    """A group of facts. ``concern`` is the screening answer for the section.

    When ``concern`` is explicitly False the section's other facts were not
    asked, so they are not offered as questions still worth asking.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)

    concern: Tri = fact("Is this area of life causing the person a problem?")


# The days a legal date may fall on: the span whose bank holidays are known
# (``triage.engine.calendar`` counts working and clear days over it). A date
# outside it is a typing slip (year 1, 2206), never a live deadline, and is
# refused here rather than failing in the calendar.
FIRST_DAY, LAST_DAY = date(1995, 1, 1), date(2060, 12, 31)


def supported_day(value: date) -> date:
    """``value`` if it lies in the supported span, else a ValueError saying the span."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(
            f"expected a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}, got {value.isoformat()}"
        )
    return value


def _iso_day(value: Any) -> Any:
    """Dates arrive as date objects (YAML) or ISO ``YYYY-MM-DD`` strings (JSON).

    Numbers and date-times are refused: a timestamp silently read as a day
    would move a legal deadline.
    """
    value = _unknown_to_none(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return supported_day(value)
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
        return supported_day(day)
    raise ValueError(f"expected a date as YYYY-MM-DD, got {type(value).__name__}")


Day = Annotated[date | None, BeforeValidator(_iso_day)]
"""A calendar day, or unknown."""


def not_before(field: str, earlier: str) -> classmethod:  # type: ignore[type-arg]
    """A validator refusing ``field`` dated before ``earlier`` (both optional)."""

    def check(cls: type, value: date | None, info: ValidationInfo) -> date | None:
        other = info.data.get(earlier)
        if value is not None and other is not None and value < other:
            raise ValueError(f"is before {earlier} ({other.isoformat()})")
        return value

    return field_validator(field)(classmethod(check))
