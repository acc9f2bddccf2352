"""Who the person is and what they need to take part in advice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from triage.facts.common import Count, Pounds, Tri, fact
from triage.facts.contact import ContactMethod
from triage.facts.postcode import (
    DISTRICT_PATTERN,
    POSTCODE_PATTERN,
    district_of,
    normalise_district,
    normalise_postcode,
)

LONDON_BOROUGHS: tuple[str, ...] = (
    "barking_and_dagenham", "barnet", "bexley", "brent", "bromley", "camden",
    "city_of_london", "croydon", "ealing", "enfield", "greenwich", "hackney",
    "hammersmith_and_fulham", "haringey", "harrow", "havering", "hillingdon",
    "hounslow", "islington", "kensington_and_chelsea", "kingston_upon_thames",
    "lambeth", "lewisham", "merton", "newham", "redbridge", "richmond_upon_thames",
    "southwark", "sutton", "tower_hamlets", "waltham_forest", "wandsworth",
    "westminster",
)  # fmt: skip

Borough = Literal[
    "barking_and_dagenham", "barnet", "bexley", "brent", "bromley", "camden",
    "city_of_london", "croydon", "ealing", "enfield", "greenwich", "hackney",
    "hammersmith_and_fulham", "haringey", "harrow", "havering", "hillingdon",
    "hounslow", "islington", "kensington_and_chelsea", "kingston_upon_thames",
    "lambeth", "lewisham", "merton", "newham", "redbridge", "richmond_upon_thames",
    "southwark", "sutton", "tower_hamlets", "waltham_forest", "wandsworth",
    "westminster", "outside_london",
]  # fmt: skip

DigitalAccess = Literal["full", "limited", "none"]
ActingFor = Literal["none", "lpa_attorney", "deputy", "appointee", "best_interests_decision_maker"]
"""Who makes this decision for a person who cannot: nobody; an attorney under a lasting power of
attorney (Mental Capacity Act 2005 s.9); a deputy appointed by the Court of Protection (s.16); a
DWP appointee (benefits only: Social Security (Claims and Payments) Regulations 1987 reg 33); or
whoever decides in the person's best interests when nobody holds authority (ss.4-5)."""


def _normalised(normalise: Callable[[str], str]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        return normalise(value) if isinstance(value, str) else value

    return check


class Person(BaseModel):
    """The person seeking help. Only what advice needs; never a name here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: Annotated[StrictInt | None, Field(ge=0, le=120)] = fact("How old is the person?")
    borough: Borough | None = fact("Which London borough does the person live in?")
    # The full postcode names the local authority (triage/routing/place.py); the
    # district alone may not. Erased with the rest of the facts.
    postcode: Annotated[
        Annotated[str, Field(pattern=POSTCODE_PATTERN, max_length=8)] | None,
        BeforeValidator(_normalised(normalise_postcode)),
    ] = fact("What is the person's postcode (for example LU1 1AA)?")
    postcode_district: Annotated[
        Annotated[str, Field(pattern=DISTRICT_PATTERN, max_length=4)] | None,
        BeforeValidator(_normalised(normalise_district)),
    ] = fact("What is the first half of the person's postcode (for example E1 or SW9)?")
    language: Annotated[str | None, Field(pattern=r"^[a-z]{2,3}$")] = fact(
        "What is the person's main language (ISO 639 code, for example en, bn, so)?"
    )
    interpreter_needed: Tri = fact("Does the person need an interpreter?")
    digital_access: DigitalAccess | None = fact(
        "Can the person use the internet and email on their own (full, limited, none)?"
    )
    literacy_difficulty: Tri = fact("Does the person find reading letters and forms hard?")
    disability: Tri = fact("Does the person have a disability or long-term health condition?")
    mental_capacity_concern: Tri = fact(
        "Is there any concern about the person's capacity to make decisions about this problem?"
    )
    serious_mental_illness: Tri = fact("Does the person have a serious mental illness?")
    learning_disability: Tri = fact("Does the person have a learning disability or cognitive impairment?")
    terminal_illness: Tri = fact("Is the person terminally ill?")
    pregnant: Tri = fact("Is the person pregnant?")
    dependent_children: Count = fact("How many dependent children live with the person?")
    is_carer: Tri = fact("Does the person look after someone who is ill or disabled?")
    passported_benefit: Tri = fact(
        "Does the person get Universal Credit, income-based JSA, income-related ESA, "
        "Income Support or Pension Credit guarantee credit?"
    )
    gross_monthly_income: Pounds = fact("What is the household's gross income each month?")
    capital: Pounds = fact("How much does the person have in savings and capital?")
    self_help_tried: Tri = fact("Has the person already tried to sort this out themselves?")
    safe_contact: ContactMethod | None = fact(
        "How can the person be contacted safely (phone, text, email, post, only via the referrer)?"
    )
    # Capacity and consent: what the engine reasons on. What was actually recorded
    # (who agreed, when, to which recipient) lives in the casework store's consents
    # (triage/casework/consent.py) and in a letter's consent section; a letter needs both.
    lacks_capacity_for_decision: Tri = fact(
        "Has it been found that the person lacks capacity to make this decision themselves "
        "(Mental Capacity Act 2005 ss.2-3)?"
    )  # unknown: capacity is presumed (s.1(2)); yes means assessed as lacking it for this decision
    acting_for_person: ActingFor | None = fact(
        "Who makes decisions for the person if they cannot (nobody, an attorney under a lasting power of "
        "attorney, a Court of Protection deputy, a DWP appointee, a best-interests decision-maker)?"
    )
    acting_within_authority: Tri = fact(
        "Does the attorney's power or the deputy's court order cover this decision (housing and sharing "
        "information about the person)?"
    )
    consent_to_refer: Tri = fact("Has the person agreed to be referred to an advice agency for help?")
    consent_to_share_health: Tri = fact(
        "Has the person agreed that health information about them may be shared with the agencies they are referred to?"
    )
    consent_to_notify_housing: Tri = fact(
        "Has the person agreed to the council's housing team being told that they may be homeless, and how "
        "to contact them (Housing Act 1996 s.213B)?"
    )
    housing_authority_chosen: Tri = fact(
        "Has the person said which council's housing team they want to be referred to?"
    )

    @model_validator(mode="before")
    @classmethod
    def _district_from_postcode(cls, data: Any) -> Any:
        # A full postcode gives its district, so rules and routing that know only
        # districts still see it; a district given as well must agree (checked below).
        if isinstance(data, dict) and isinstance(data.get("postcode"), str) and data.get("postcode_district") is None:
            try:
                district = district_of(normalise_postcode(data["postcode"]))
            except ValueError:
                return data  # the postcode field itself reports the problem
            return {**data, "postcode_district": district}
        return data

    @field_validator("postcode_district")
    @classmethod
    def _district_agrees(cls, value: str | None, info: ValidationInfo) -> str | None:
        postcode = info.data.get("postcode")
        if value is not None and postcode is not None and district_of(postcode) != value:
            raise ValueError(f"{value} is not the district of postcode {postcode}")
        return value
