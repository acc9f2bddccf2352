"""Place data and routing (pure functions over the demo directory)."""

from __future__ import annotations

import pytest

from tests.store.helpers import AS_OF, example_facts
from triage.engine.engine import Engine
from triage.facts import parse_facts
from triage.facts.person import LONDON_BOROUGHS
from triage.routing.directory import AgencyEntry, load_demo
from triage.routing.matching import route
from triage.routing.place import resolve


def test_crossing_districts_are_ambiguous_never_guessed() -> None:
    e1 = resolve(None, "E1")
    assert e1.status == "ambiguous" and e1.borough is None
    assert {"tower_hamlets", "city_of_london"} <= set(e1.candidates)
    assert "crosses authority lines" in e1.reason and "Tower Hamlets" in e1.reason
    assert resolve(None, "E13").borough == "newham"
    assert resolve(None, "ZZ9").status == "unknown"
    assert resolve(None, None).status == "unknown"
    stated = resolve("hackney", "E1")
    assert stated.status == "known" and stated.borough == "hackney" and stated.authority == "Hackney"
    assert resolve("outside_london", None).status == "outside_london"


@pytest.fixture(scope="module")
def demo() -> list[AgencyEntry]:
    return load_demo()


@pytest.mark.parametrize("borough", LONDON_BOROUGHS)
def test_demo_case_in_every_borough_gets_an_agency_or_a_reasoned_unmet_need(
    borough: str, engine: Engine, demo: list[AgencyEntry]
) -> None:
    for example in ("pip-refused", "three-problems", "eviction-interpreter"):
        facts = example_facts(example)
        facts["person"] = {**facts.get("person", {}), "borough": borough}
        parsed = parse_facts(facts)
        result = route(engine.assess(parsed, AS_OF), parsed.person, demo)
        assert result.place.borough == borough
        assert result.needs
        for need in result.needs:
            if need.matches:
                assert need.unmet_reason is None
                best = demo[[a.id for a in demo].index(need.matches[0].agency_id)]
                assert best.handles(need.issue) and best.covers(borough)
                assert max(best.tiers) >= need.tier
                assert need.matches[0].reasons
            else:
                assert need.unmet_reason is not None and need.unmet_detail
    # The generalist PIP need always has a local or London-wide agency in the demo directory.
    facts = example_facts("pip-refused")
    facts["person"] = {**facts["person"], "borough": borough}
    parsed = parse_facts(facts)
    assert route(engine.assess(parsed, AS_OF), parsed.person, demo).needs[0].matches


def test_ranking_prefers_local_exact_tier_and_language(engine: Engine, demo: list[AgencyEntry]) -> None:
    parsed = parse_facts(example_facts("pip-refused"))
    need = route(engine.assess(parsed, AS_OF), parsed.person, demo).needs[0]
    assert need.matches[0].agency_id == "demo-hackney-advice"
    assert "covers Hackney" in need.matches[0].reasons
    assert [m.rank for m in need.matches] == list(range(1, len(need.matches) + 1))


def test_unmet_reasons(engine: Engine, demo: list[AgencyEntry]) -> None:
    facts = example_facts("pip-refused")
    facts["person"] = {"postcode_district": "E20"}  # crosses four boroughs
    parsed = parse_facts(facts)
    r = route(engine.assess(parsed, AS_OF), parsed.person, demo)
    assert r.place.status == "ambiguous"
    only_local = [a for a in demo if not (a.pan_london or a.national or a.remote)]
    r2 = route(engine.assess(parsed, AS_OF), parsed.person, only_local)
    # One East London law centre covers all four boroughs E20 touches: no guess needed.
    assert [m.agency_id for m in r2.needs[0].matches] == ["demo-east-law-centre"]
    assert "covers every borough E20 could be in" in r2.needs[0].matches[0].reasons
    se19 = parse_facts({**facts, "person": {"postcode_district": "SE19"}})  # Croydon, Bromley, Lambeth, Southwark
    r2 = route(engine.assess(se19, AS_OF), se19.person, only_local)
    assert r2.needs[0].unmet_reason == "place_ambiguous" and "SE19" in (r2.needs[0].unmet_detail or "")
    parsed_unknown = parse_facts({**facts, "person": {}})
    r3 = route(engine.assess(parsed_unknown, AS_OF), parsed_unknown.person, only_local)
    assert r3.needs[0].unmet_reason == "place_unknown"
    full = {a.id: a.capacity for a in demo}
    hackney = parse_facts(example_facts("pip-refused"))
    r4 = route(engine.assess(hackney, AS_OF), hackney.person, demo, open_referrals=full)
    assert r4.needs[0].unmet_reason == "all_full"
    # Somali speaker who needs an interpreter: agencies with neither are left out.
    speaker = parse_facts({**facts, "person": {"borough": "hackney", "language": "so", "interpreter_needed": True}})
    no_interp = [a.model_copy(update={"interpreters": False}) for a in demo]
    r5 = route(engine.assess(speaker, AS_OF), speaker.person, no_interp)
    assert r5.needs[0].unmet_reason == "no_language"


def test_tier_three_need_is_never_sent_to_tier_one_two_agency(engine: Engine, demo: list[AgencyEntry]) -> None:
    parsed = parse_facts(example_facts("eviction-interpreter"))
    need = route(engine.assess(parsed, AS_OF), parsed.person, demo).needs[0]
    assert need.tier == 3
    ids = {m.agency_id for m in need.matches}
    assert "demo-tower-hamlets-advice" not in ids and "demo-east-law-centre" in ids
