"""Where a person lives: the local authority from their postcode, and the London borough routing uses.

Everything comes from the ONS Postcode Directory (``triage/routing/postcodes.py``):

* a **full postcode** names one local authority district, which in England is
  the local housing authority a duty-to-refer notice goes to (Housing Act 1996
  ss.1, 213B); a London borough is also the borough the directory's agencies
  cover;
* a **stated borough** is taken as said, unless the postcode puts the person
  elsewhere: then the place is *ambiguous* between the two and someone asks;
* a **postcode district** alone is placed only when all its postcodes lie in
  one authority; one that crosses authority lines is *ambiguous* with every
  candidate, never guessed.

A postcode the directory does not hold, or holds with no grid reference (long
terminated, or non-geographic like a PO box), is said to be so, and the place
falls back to the stated borough or the district.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from triage.facts.person import LONDON_BOROUGHS, Person
from triage.facts.postcode import district_of
from triage.routing import postcodes
from triage.routing.postcodes import Authority

PlaceStatus = Literal["known", "ambiguous", "unknown", "outside_london"]
PostcodeStatus = Literal["found", "no_authority", "not_found"]
OUTSIDE = "outside_london"


class Place(BaseModel):
    """The borough routing may use and the local authority, or why there is none."""

    model_config = ConfigDict(frozen=True)

    status: PlaceStatus
    borough: str | None = None
    candidates: list[str] = []
    postcode_district: str | None = None
    postcode: str | None = None
    postcode_status: PostcodeStatus | None = None
    authority_code: str | None = None
    authority: str | None = None
    reason: str
    data_release: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def housing_authority(self) -> str | None:
        """The local housing authority (Housing Act 1996 s.1) where the person lives, when the place
        is one authority in England: where a duty-to-refer notice goes unless the person chooses another."""
        in_england = self.authority_code is not None and self.authority_code.startswith("E")
        return self.authority if in_england and self.status in ("known", "outside_london") else None


def borough_label(code: str) -> str:
    """``kingston_upon_thames`` -> ``Kingston upon Thames``."""
    small = {"and", "upon", "of"}
    return " ".join(w if w in small else w.capitalize() for w in code.split("_"))


def borough_code(authority: Authority) -> str | None:
    """The directory's code for a London borough (``Newham`` -> ``newham``); None outside London."""
    if not authority.in_london or authority.name is None:
        return None
    code = authority.name.lower().replace(" ", "_").replace("-", "_")
    return code if code in LONDON_BOROUGHS else None


def borough_authority(borough: str) -> Authority | None:
    """The ONS authority of a London borough code."""
    for code, name in postcodes.authority_names().items():
        a = Authority(code, name)
        if borough_code(a) == borough:
            return a
    return None


def _label(a: Authority) -> str:
    return a.name or f"authority {a.code} (no name in the data)"


def _place(a: Authority, how: str, **where: str | None) -> Place:
    borough = borough_code(a)
    base = {"authority_code": a.code, "authority": a.name, **where}
    if borough is not None:
        return Place(status="known", borough=borough, candidates=[borough], reason=f"{how} in {_label(a)}", **base)
    if a.in_england:
        return Place(status="outside_london", reason=f"{how} in {_label(a)}, outside London", **base)
    return Place(
        status="outside_london",
        reason=f"{how} in {_label(a)}, {a.country}: outside England, whose law and directory this service covers",
        **base,
    )


def _from_district(district: str, said: str, **where: str | None) -> Place:
    found = postcodes.district_authorities(district)
    if not found:
        reason = f"{said}postcode district {district} is not in the ONS postcode directory"
        return Place(status="unknown", reason=reason, **where)
    if len(found) == 1:
        return _place(found[0][0], f"{said}{district} lies wholly", **where)
    names = ", ".join(f"{_label(a)} ({n} postcodes)" for a, n in found)
    candidates = list(dict.fromkeys(borough_code(a) or OUTSIDE for a, _ in found))
    if candidates == [OUTSIDE]:
        return Place(status="outside_london", candidates=candidates,
                     reason=f"{said}{district} is outside London and crosses authority lines ({names}); "
                            "ask for the full postcode", **where)  # fmt: skip
    reason = f"{said}{district} crosses authority lines ({names}); ask for the full postcode"
    return Place(status="ambiguous", candidates=candidates, reason=reason, **where)


def _stated(borough: str, said: str, **where: str | None) -> Place:
    a = borough_authority(borough)
    return Place(status="known", borough=borough, candidates=[borough], authority_code=a.code if a else None,
                 authority=a.name if a else None, reason=f"{said}lives in {borough_label(borough)} (stated)",
                 **where)  # fmt: skip


def _disagree(borough: str, a: Authority, **where: str | None) -> Place:
    other = borough_code(a) or OUTSIDE
    said = "outside London" if borough == OUTSIDE else borough_label(borough)
    return Place(
        status="ambiguous",
        candidates=[borough, other],
        authority_code=a.code,
        authority=a.name,
        reason=f"said to live {'' if borough == OUTSIDE else 'in '}{said}, but postcode {where['postcode']} is in "
        f"{_label(a)}; ask which is right",
        **where,
    )


def resolve(borough: str | None, postcode_district: str | None, postcode: str | None = None) -> Place:
    """The person's place from their postcode, stated borough and postcode district (any may be unknown)."""
    district = postcode_district.strip().upper() if postcode_district else None
    if postcode is not None and district is None:
        district = district_of(postcode)
    place = _resolve(borough, district, postcode)
    return place.model_copy(update={"data_release": postcodes.release()})


def _resolve(borough: str | None, district: str | None, postcode: str | None) -> Place:
    where: dict[str, str | None] = {"postcode_district": district, "postcode": postcode}
    if borough is not None and borough != OUTSIDE and borough not in LONDON_BOROUGHS:
        return Place(status="unknown", reason=f"unknown borough {borough!r}", **where)
    said = ""
    if postcode is not None:
        found = postcodes.lookup(postcode)
        where["postcode_status"] = found.status
        if found.authority is not None:
            a = found.authority
            if borough is not None and borough != (borough_code(a) or OUTSIDE):
                return _disagree(borough, a, **where)
            return _place(a, f"postcode {postcode} is", **where)
        said = (
            f"postcode {postcode} is not in the ONS postcode directory (check it); "
            if found.status == "not_found"
            else f"postcode {postcode} has no place in the ONS postcode directory (terminated, or not a "
            "geographic postcode); "
        )
    if borough == OUTSIDE:
        if district is not None:
            found_d = _from_district(district, said, **where)
            if found_d.status == "outside_london":
                return found_d
        return Place(status="outside_london", reason=f"{said}lives outside London (stated)", **where)
    if borough is not None:
        return _stated(borough, said, **where)
    if district is None:
        return Place(status="unknown", reason="borough and postcode both unknown", **where)
    return _from_district(district, said, **where)


def place_of(person: Person) -> Place:
    """The place of the person in a case's facts."""
    return resolve(person.borough, person.postcode_district, person.postcode)
