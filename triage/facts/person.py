"""Who the person is and what they need to take part in advice."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from triage.facts.common import Count, Pounds, Tri, fact
from triage.facts.contact import ContactMethod

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


class Person(BaseModel):
    """The person seeking help. Only what advice needs; never a name here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    age: Annotated[StrictInt | None, Field(ge=0, le=120)] = fact("How old is the person?")
    borough: Borough | None = fact("Which London borough does the person live in?")
    postcode_district: Annotated[str | None, Field(pattern=r"^[A-Z]{1,2}[0-9][0-9A-Z]?$", max_length=4)] = fact(
        "What is the first half of the person's postcode (for example E1 or SW9)?"
    )
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
