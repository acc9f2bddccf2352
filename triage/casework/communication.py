"""A person's communication needs: what they need to take part, sent with every referral and letter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.facts.languages import language_codes, language_label


class CommunicationNeeds(BaseModel):
    """What the person needs to take part; sent with every referral and letter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str | None = Field(default=None, description="ISO 639-1 code from triage.facts.languages.")
    interpreter: bool = False
    bsl: bool = Field(default=False, description="A British Sign Language interpreter.")
    easy_read: bool = False
    large_print: bool = False

    @field_validator("language")
    @classmethod
    def _listed(cls, v: str | None) -> str | None:
        if v is not None and v not in language_codes():
            raise ValueError(f"not a language on the list (ISO 639-1 code): {v!r}")
        return v

    def words(self) -> list[str]:
        """Each need as a short phrase, for pages, packets and letters."""
        out = []
        if self.language and self.language != "en":
            out.append(f"main language {language_label(self.language)}")
        if self.interpreter:
            out.append("needs an interpreter")
        if self.bsl:
            out.append("needs a British Sign Language interpreter")
        if self.easy_read:
            out.append("easy read documents")
        if self.large_print:
            out.append("large print")
        return out

    def access_words(self) -> list[str]:
        """What a letter's access section has no row of its own for (language and interpreter do)."""
        return [w for w, on in (("a British Sign Language interpreter", self.bsl), ("easy read documents",
                self.easy_read), ("large print", self.large_print)) if on]  # fmt: skip
