"""Where a person lives, as a London borough, from what they said or their postcode district.

A stated borough wins. Otherwise the postcode district is looked up in
``rules/place/london_postcode_districts.yaml``; a district that crosses borough
lines is reported as *ambiguous* with every candidate, never guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from triage.facts.person import LONDON_BOROUGHS
from triage.paths import rules_dir
from triage.rulesets.taxonomy import DataFileError
from triage.rulesets.yaml_lines import LineDict, load_yaml

PlaceStatus = Literal["known", "ambiguous", "unknown", "outside_london"]
OUTSIDE = "outside_london"
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


class Place(BaseModel):
    """The borough routing may use, or why there is none."""

    model_config = ConfigDict(frozen=True)

    status: PlaceStatus
    borough: str | None = None
    candidates: list[str] = []
    postcode_district: str | None = None
    reason: str


def borough_label(code: str) -> str:
    """``kingston_upon_thames`` -> ``Kingston upon Thames``."""
    small = {"and", "upon", "of"}
    return " ".join(w if w in small else w.capitalize() for w in code.split("_"))


def districts_file() -> Path:
    return rules_dir() / "place" / "london_postcode_districts.yaml"


@lru_cache(maxsize=4)
def load_districts(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """District -> boroughs (and ``outside_london``), validated; errors name file and line."""
    path = path or districts_file()
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("districts"), dict):
        raise DataFileError(f"{path}:1: districts: expected a mapping of district -> boroughs")
    table: dict[str, tuple[str, ...]] = {}
    allowed = {*LONDON_BOROUGHS, OUTSIDE}
    line = data["districts"].line if isinstance(data["districts"], LineDict) else 0
    for district, boroughs in data["districts"].items():
        where = f"{path}:{line}: districts.{district}"
        if not isinstance(district, str) or not _DISTRICT.match(district):
            raise DataFileError(f"{where}: not a postcode district (like E1 or SW1A)")
        if not isinstance(boroughs, list) or not boroughs:
            raise DataFileError(f"{where}: expected a non-empty list of boroughs")
        for b in boroughs:
            if b not in allowed:
                raise DataFileError(f"{where}: unknown borough {b!r}")
        if len(set(boroughs)) != len(boroughs):
            raise DataFileError(f"{where}: a borough is listed twice")
        table[district] = tuple(boroughs)
    return table


def resolve(borough: str | None, postcode_district: str | None) -> Place:
    """The person's borough from a stated borough, else their postcode district."""
    district = postcode_district.strip().upper() if postcode_district else None
    if borough == OUTSIDE:
        return Place(status="outside_london", postcode_district=district, reason="lives outside London")
    if borough is not None:
        if borough not in LONDON_BOROUGHS:
            return Place(status="unknown", postcode_district=district, reason=f"unknown borough {borough!r}")
        return Place(
            status="known",
            borough=borough,
            candidates=[borough],
            postcode_district=district,
            reason=f"lives in {borough_label(borough)} (stated)",
        )
    if district is None:
        return Place(status="unknown", reason="borough and postcode district both unknown")
    boroughs = load_districts().get(district)
    if boroughs is None:
        return Place(
            status="unknown",
            postcode_district=district,
            reason=f"postcode district {district} is not in the London district table",
        )
    if len(boroughs) == 1:
        only = boroughs[0]
        if only == OUTSIDE:
            return Place(status="outside_london", postcode_district=district, reason=f"{district} is outside London")
        return Place(
            status="known",
            borough=only,
            candidates=[only],
            postcode_district=district,
            reason=f"{district} lies wholly in {borough_label(only)}",
        )
    names = ", ".join(borough_label(b) if b != OUTSIDE else "outside London" for b in boroughs)
    return Place(
        status="ambiguous",
        candidates=list(boroughs),
        postcode_district=district,
        reason=f"{district} crosses borough lines ({names}); ask which borough",
    )
