"""Routing: for each need in an assessment, the agencies that could take it, ranked with reasons.

A pure function over the directory. Candidates are narrowed step by step
(issue, place, tier, language, availability); when a step leaves none, the
need is **unmet** and the step names why, for gap analysis. A person confirms
every referral: routing only recommends.

Ranking, best first: covers the person's own borough before pan-London before
national/remote; offers the need's exact tier before a higher one (safety
first: never a lower tier); speaks the person's language before using
interpreters; more free capacity; then name, so ties are stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from triage.engine.assessment import Assessment, Need
from triage.facts.person import Person
from triage.routing.directory import AgencyEntry
from triage.routing.place import OUTSIDE, Place, borough_label, place_of

UnmetReason = Literal["no_agency", "no_language", "all_full", "place_unknown", "place_ambiguous", "outside_london"]


class AgencyMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str
    name: str
    rank: int
    reasons: list[str]
    free_places: int


class NeedRoute(BaseModel):
    """Where one need could go; ``matches`` empty means unmet, with ``unmet_reason`` and detail."""

    model_config = ConfigDict(frozen=True)

    issue: str
    area: str
    tier: int
    urgency: str
    matches: list[AgencyMatch]
    unmet_reason: UnmetReason | None = None
    unmet_detail: str | None = None


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True)

    place: Place
    needs: list[NeedRoute]


def _coverage(agency: AgencyEntry, place: Place) -> tuple[int, str] | None:
    """(rank key, reason) if the agency serves where the person lives; None if not."""
    if place.status == "known" and place.borough in agency.boroughs:
        return 0, f"covers {borough_label(place.borough)}"
    ambiguous = place.status == "ambiguous" and OUTSIDE not in place.candidates
    if ambiguous and agency.boroughs and all(b in agency.boroughs for b in place.candidates):
        return 0, f"covers every borough {place.postcode_district} could be in"
    if agency.pan_london and place.status != "outside_london":
        return 1, "covers all of London"
    if agency.national:
        return 2, "covers all of England (national service)"
    if agency.remote:
        return 2, "works remotely (phone or video)"
    return None


def _language(agency: AgencyEntry, person: Person) -> tuple[int, str] | None:
    lang = person.language
    if lang is None or lang == "en":
        if person.interpreter_needed is True:
            if agency.interpreters:
                return 1, "uses interpreters"
            return None
        return 0, ""
    if lang in agency.languages:
        return 0, f"advisers speak {lang}"
    if agency.interpreters:
        return 1, f"uses interpreters for {lang}"
    if person.interpreter_needed is True:
        return None
    return 2, f"no {lang} speakers or interpreters (interpreter need unknown)"


def route_need(
    need: Need,
    person: Person,
    place: Place,
    agencies: Sequence[AgencyEntry],
    open_referrals: Mapping[str, int],
    exclude: frozenset[str] = frozenset(),
) -> NeedRoute:
    """Rank the agencies that could take ``need``; or say why none can."""
    base = {"issue": need.issue, "area": need.area, "tier": need.tier, "urgency": need.urgency}
    issue_label, where = need.issue_label, (borough_label(place.borough) if place.borough else "this place")
    pool = [a for a in agencies if a.id not in exclude and a.handles(need.issue)]
    if not pool:
        return NeedRoute(
            **base,
            matches=[],
            unmet_reason="no_agency",
            unmet_detail=f"no agency in the directory handles {issue_label} ({need.issue})",
        )
    covered = [(a, c) for a in pool if (c := _coverage(a, place)) is not None]
    if not covered:
        if place.status == "unknown":
            reason: UnmetReason = "place_unknown"
            detail = f"borough unknown ({place.reason}) and no London-wide or national agency handles {need.issue}"
        elif place.status == "ambiguous":
            reason = "place_ambiguous"
            detail = f"borough ambiguous ({place.reason}) and no agency covers every candidate for {need.issue}"
        elif place.status == "outside_london":
            reason = "outside_london"
            detail = f"lives outside London and no national or remote agency handles {need.issue}"
        else:
            reason = "no_agency"
            detail = f"no agency for {need.issue} in {where}"
        return NeedRoute(**base, matches=[], unmet_reason=reason, unmet_detail=detail)
    tiered = [(a, c) for a, c in covered if any(t >= need.tier for t in a.tiers)]
    if not tiered:
        return NeedRoute(
            **base,
            matches=[],
            unmet_reason="no_agency",
            unmet_detail=f"no agency for {need.issue} in {where} at tier {need.tier}",
        )
    spoken = [(a, c, lang) for a, c in tiered if (lang := _language(a, person)) is not None]
    if not spoken:
        return NeedRoute(
            **base,
            matches=[],
            unmet_reason="no_language",
            unmet_detail=f"no agency for {need.issue} in {where} at tier {need.tier} speaks "
            f"{person.language or 'the language needed'} or uses interpreters",
        )
    open_ = [
        (a, c, lang, a.capacity - open_referrals.get(a.id, 0))
        for a, c, lang in spoken
        if a.taking_referrals and a.capacity - open_referrals.get(a.id, 0) > 0
    ]
    if not open_:
        names = ", ".join(a.name for a, _, _ in spoken)
        return NeedRoute(
            **base,
            matches=[],
            unmet_reason="all_full",
            unmet_detail=f"every agency for {need.issue} in {where} at tier {need.tier} is full "
            f"or not taking referrals ({names})",
        )

    def key(item: tuple[AgencyEntry, tuple[int, str], tuple[int, str], int]) -> tuple[int, int, int, int, str]:
        a, cov, lang, free = item
        exact = 0 if need.tier in a.tiers else 1
        return cov[0], exact, lang[0], -free, a.name

    matches: list[AgencyMatch] = []
    for rank, (a, cov, lang, free) in enumerate(sorted(open_, key=key), start=1):
        reasons = [f"handles {issue_label}", cov[1]]
        reasons.append(
            f"offers tier {need.tier}"
            if need.tier in a.tiers
            else f"offers tier {min(t for t in a.tiers if t > need.tier)} (higher than the tier {need.tier} needed)"
        )
        if lang[1]:
            reasons.append(lang[1])
        reasons.append(f"{free} of {a.capacity} places free")
        matches.append(AgencyMatch(agency_id=a.id, name=a.name, rank=rank, reasons=reasons, free_places=free))
    return NeedRoute(**base, matches=matches)


def route(
    assessment: Assessment,
    person: Person,
    agencies: Sequence[AgencyEntry],
    open_referrals: Mapping[str, int] | None = None,
    exclude: Mapping[str, frozenset[str]] | None = None,
) -> Routing:
    """Route every need in ``assessment`` for ``person`` over the directory ``agencies``.

    ``open_referrals`` counts each agency's referrals in flight (sent, accepted,
    in progress) against its capacity; ``exclude`` maps an issue code to agencies
    not to offer again (those that declined it).
    """
    place = place_of(person)
    loads = open_referrals or {}
    skip = exclude or {}
    return Routing(
        place=place,
        needs=[route_need(n, person, place, agencies, loads, skip.get(n.issue, frozenset())) for n in assessment.needs],
    )
