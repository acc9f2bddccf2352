"""Wording, apart from logic: ``rules/questionnaire/text/<lang>.yaml``, keyed by id.

A translation is one more text file; it never touches the questionnaire's
logic or the stored answers (which are codes). The default language must word
everything; another language may leave gaps, which fall back to the default
language and are listed by :meth:`Wording.missing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionText(_Strict):
    text: str | None = None
    hint: str | None = None
    options: dict[str, str] = Field(default_factory=dict)
    option_hints: dict[str, str] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict, description="overrides of the common errors")
    short: str | None = Field(default=None, description="label on the check-your-answers page")


class Titled(_Strict):
    title: str
    intro: str | None = None


class TextFile(_Strict):
    """One language's wording."""

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str = Field(description="the language's own name, e.g. Cymraeg")
    answers: dict[str, str] = Field(default_factory=dict, description="yes, no, dont_know, prefer_not_to_say")
    errors: dict[str, str] = Field(default_factory=dict)
    ui: dict[str, str] = Field(default_factory=dict)
    sections: dict[str, Titled] = Field(default_factory=dict)
    pages: dict[str, Titled] = Field(default_factory=dict)
    questions: dict[str, QuestionText] = Field(default_factory=dict)


# Error keys every default-language file must word; {placeholders} are filled in.
ERROR_KEYS = (
    "required", "choose_one", "date_invalid", "date_impossible", "number_invalid",
    "number_whole", "number_min", "number_max", "text_too_long", "text_pattern",
    "answer_and_unknown", "exclusive", "fact_conflict",
)  # fmt: skip


@dataclass(frozen=True)
class Wording:
    """The text for one language, falling back to the default language's text."""

    lang: str
    primary: TextFile
    fallback: TextFile | None = None
    missing_keys: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.primary.name

    def _q(self, qid: str) -> tuple[QuestionText | None, QuestionText | None]:
        fb = self.fallback.questions.get(qid) if self.fallback else None
        return self.primary.questions.get(qid), fb

    def question(self, qid: str) -> str:
        own, fb = self._q(qid)
        return (own and own.text) or (fb and fb.text) or qid

    def hint(self, qid: str) -> str | None:
        own, fb = self._q(qid)
        return (own and own.hint) or (fb and fb.hint) or None

    def short(self, qid: str) -> str:
        own, fb = self._q(qid)
        return (own and own.short) or (fb and fb.short) or self.question(qid)

    def option(self, qid: str, code: str) -> str:
        own, fb = self._q(qid)
        label = (own and own.options.get(code)) or (fb and fb.options.get(code))
        return label or self.answer(code)

    def option_hint(self, qid: str, code: str) -> str | None:
        own, fb = self._q(qid)
        return (own and own.option_hints.get(code)) or (fb and fb.option_hints.get(code)) or None

    def answer(self, code: str) -> str:
        """A common answer: yes, no, don't know, prefer not to say."""
        return self.primary.answers.get(code) or (self.fallback and self.fallback.answers.get(code)) or code

    def error(self, qid: str | None, key: str, **values: object) -> str:
        own, fb = self._q(qid) if qid else (None, None)
        template = (
            (own and own.errors.get(key))
            or (fb and fb.errors.get(key))
            or self.primary.errors.get(key)
            or (self.fallback and self.fallback.errors.get(key))
            or key
        )
        short = self.short(qid) if qid else ""
        # "Answer the question: kind of home" - but keep "PIP form sent", "Home Office refusal".
        if short[1:2].islower():
            short = short[:1].lower() + short[1:]
        return template.format(question=short, **values)

    def ui(self, key: str, **values: object) -> str:
        template = self.primary.ui.get(key) or (self.fallback and self.fallback.ui.get(key)) or key
        return template.format(**values) if values else template

    def section(self, sid: str) -> Titled | None:
        return self.primary.sections.get(sid) or (self.fallback.sections.get(sid) if self.fallback else None)

    def page(self, pid: str) -> Titled | None:
        return self.primary.pages.get(pid) or (self.fallback.pages.get(pid) if self.fallback else None)

    def missing(self) -> tuple[str, ...]:
        """Keys this language leaves to the default language."""
        return self.missing_keys
