"""The questionnaire's data model: sections, pages and questions, as in ``rules/questionnaire/``.

A question has a stable ``id``, an answer ``type`` and says which case fact its
answer sets. Answers are stored as codes (never translated words):

=========  ===============================  ====================================
type       stored answer                    sets
=========  ===============================  ====================================
yes_no     ``"yes"`` / ``"no"``             a yes/no fact (or ``values`` map)
single     one option code                  a choice fact (or ``values`` map)
multiple   a list of option codes           a set fact, or one yes/no fact per
                                            option (``flags``)
date       ``"YYYY-MM-DD"``                 a date fact
number     a number                         a whole-number or number fact
text       a short string                   a text fact
=========  ===============================  ====================================

Every question also accepts ``"dont_know"`` and ``"prefer_not_to_say"``: both
leave its facts *unknown*, never "no".
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DONT_KNOW = "dont_know"
PREFER_NOT = "prefer_not_to_say"
UNKNOWN_ANSWERS: tuple[str, str] = (DONT_KNOW, PREFER_NOT)
YES, NO = "yes", "no"

AnswerType = Literal["yes_no", "single", "multiple", "date", "number", "text"]
ID = r"^[a-z][a-z0-9_]*$"
_CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    """One question. ``show_if`` is a condition on earlier answers (see ``conditions``)."""

    id: str = Field(pattern=ID, max_length=60)
    type: AnswerType
    sets: str | None = Field(default=None, description="The case fact (section.name) the answer sets.")
    options: tuple[str, ...] = ()
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Option code -> fact value, where they differ (codes never change with wording).",
    )
    flags: dict[str, str] = Field(
        default_factory=dict,
        description="multiple only: option code -> yes/no fact set true when chosen, false when not.",
    )
    show_if: Any = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int = Field(default=100, ge=1, le=500)
    pattern: str | None = Field(default=None, description="text only: a regular expression the answer must match.")
    transform: Literal["lower", "upper"] | None = None
    when: Literal["past", "coming"] | None = Field(
        default=None,
        description="date only: 'past' for a day that has happened (a decision, a notice received): a future "
        "day is refused; 'coming' for an event ahead (a hearing, a due date): a day long past is refused.",
    )
    exclusive: tuple[str, ...] = Field(
        default=(), description="multiple only: options that cannot be chosen with any other (e.g. none)."
    )

    @field_validator("options")
    @classmethod
    def _codes(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        for code in options:
            if not _CODE.match(code):
                raise ValueError(f"option code {code!r} must be lower-case letters, digits and _")
            if code in UNKNOWN_ANSWERS:
                raise ValueError(f"option {code!r} is added to every question; do not list it")
        if len(set(options)) != len(options):
            raise ValueError("options repeat a code")
        return options

    @model_validator(mode="after")
    def _shape(self) -> Question:
        choice = self.type in ("single", "multiple")
        if choice and not self.options:
            raise ValueError(f"a {self.type} question needs options")
        if not choice and self.options:
            raise ValueError(f"a {self.type} question has no options")
        if self.flags and self.type != "multiple":
            raise ValueError("flags are for multiple-choice questions only")
        if self.sets is None and not self.flags:
            raise ValueError("a question must set a case fact (sets) or flags")
        for code in [*self.values, *self.flags, *self.exclusive]:
            allowed = self.options or ((YES, NO) if self.type == "yes_no" else ())
            if code not in allowed:
                raise ValueError(f"{code!r} is not one of this question's options")
        if (self.min is not None or self.max is not None or self.integer) and self.type != "number":
            raise ValueError("min, max and integer are for number questions only")
        if (self.pattern or self.transform) and self.type != "text":
            raise ValueError("pattern and transform are for text questions only")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self

    @property
    def answer_codes(self) -> tuple[str, ...]:
        """Every code a choice answer may hold, including the two unknown answers."""
        base = (YES, NO) if self.type == "yes_no" else self.options
        return (*base, *UNKNOWN_ANSWERS)

    @property
    def fact_paths(self) -> tuple[str, ...]:
        """Every case fact this question can set."""
        return ((self.sets,) if self.sets else ()) + tuple(self.flags.values())


class Page(_Strict):
    """Questions shown together on one page (one, or a small related group)."""

    id: str = Field(pattern=ID, max_length=60)
    show_if: Any = None
    questions: tuple[Question, ...] = Field(min_length=1, max_length=6)


class Section(_Strict):
    """A branch of the questionnaire, e.g. housing; ``show_if`` usually tests screening."""

    id: str = Field(pattern=ID, max_length=60)
    show_if: Any = None
    safety: bool = Field(default=False, description="Pages about domestic abuse: quick exit shown.")
    pages: tuple[Page, ...] = Field(min_length=1)


class Manifest(_Strict):
    """``questionnaire.yaml``: name, version and the section files in asking order."""

    name: str
    version: str
    default_language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    sections: tuple[str, ...] = Field(min_length=1, description="section files, in asking order")
