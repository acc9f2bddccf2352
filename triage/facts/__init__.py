"""The case facts model: everything the rules may ask about one person.

Sections mirror the areas of law in ``rules/taxonomy.yaml``. Every leaf fact
is optional and ``None`` means *unknown*. Validation refuses unknown fields,
wrong types and impossible values, naming the field's path.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.facts.benefits import Benefits
from triage.facts.community_care import CommunityCare
from triage.facts.debt import Debt
from triage.facts.discrimination import Discrimination
from triage.facts.education import Education
from triage.facts.employment import Employment
from triage.facts.family import Family
from triage.facts.health import Health
from triage.facts.housing import Housing
from triage.facts.immigration import Immigration
from triage.facts.person import Person
from triage.facts.redress import Redress

__all__ = ["SECTIONS", "CaseFacts", "FactsError", "parse_facts"]


class CaseFacts(BaseModel):
    """One person's situation, as far as it is known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_ref: Annotated[str | None, Field(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")] = Field(
        default=None, description="A reference for the case; never a name or NHS number."
    )
    # Sections are frozen, so one shared empty default per section is safe.
    person: Person = Field(default=Person())
    health: Health = Field(default=Health())
    housing: Housing = Field(default=Housing())
    benefits: Benefits = Field(default=Benefits())
    debt: Debt = Field(default=Debt())
    employment: Employment = Field(default=Employment())
    immigration: Immigration = Field(default=Immigration())
    family: Family = Field(default=Family())
    education: Education = Field(default=Education())
    community_care: CommunityCare = Field(default=CommunityCare())
    discrimination: Discrimination = Field(default=Discrimination())
    redress: Redress = Field(default=Redress())


SECTIONS: dict[str, type[BaseModel]] = {
    name: info.annotation  # type: ignore[misc]
    for name, info in CaseFacts.model_fields.items()
    if name != "case_ref"
}


class FactsError(ValueError):
    """Case facts that failed validation; ``problems`` lists (path, reason)."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "case facts") -> None:
        self.problems = problems
        self.source = source
        detail = "; ".join(f"{path}: {reason}" for path, reason in problems)
        super().__init__(f"{source}: {detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its parts, not its message, so a batch worker can hand it back.
        return (type(self), (self.problems, self.source), self.__dict__)


def error_path(loc: tuple[int | str, ...]) -> str:
    """Dotted path for a pydantic error location, e.g. ``housing.hearing_date``."""
    return ".".join(str(part) for part in loc) or "(top level)"


def parse_facts(data: Any, source: str = "case facts") -> CaseFacts:
    """Validate raw data (a mapping from YAML or JSON) into :class:`CaseFacts`.

    Raises :class:`FactsError` naming each bad field's path and the reason.
    """
    if not isinstance(data, dict):
        raise FactsError([("(top level)", f"expected a mapping, got {type(data).__name__}")], source)
    try:
        return CaseFacts.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            reason = err["msg"]
            if err["type"] == "extra_forbidden":
                reason = "unknown field"
            problems.append((error_path(err["loc"]), reason))
        raise FactsError(problems, source) from None
