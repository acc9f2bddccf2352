from __future__ import annotations

from datetime import date

import pytest

from triage.facts import CaseFacts, FactsError, parse_facts
from triage.facts.catalog import FACTS


def problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(FactsError) as exc:
        parse_facts(data)
    return exc.value.problems


def test_unknown_field_is_named() -> None:
    assert problems({"housing": {"hearing_dat": "2026-12-01"}}) == [
        ("housing.hearing_dat", "unknown field")
    ]


def test_wrong_type_is_named() -> None:
    [(path, reason)] = problems({"person": {"interpreter_needed": "yes"}})
    assert path == "person.interpreter_needed" and "boolean" in reason


def test_negative_age_rejected() -> None:
    [(path, reason)] = problems({"person": {"age": -1}})
    assert path == "person.age" and "greater than or equal to 0" in reason


def test_discharge_before_admission_rejected() -> None:
    [(path, reason)] = problems(
        {"health": {"admission_date": "2026-11-10", "discharge_date": "2026-11-01"}}
    )
    assert path == "health.discharge_date" and "before admission_date" in reason


def test_timestamp_is_not_a_date() -> None:
    [(path, reason)] = problems({"housing": {"hearing_date": 1764720000}})
    assert path == "housing.hearing_date" and "YYYY-MM-DD" in reason


def test_datetime_string_is_not_a_date() -> None:
    [(path, _)] = problems({"benefits": {"pip_decision_date": "2026-11-03T10:00"}})
    assert path == "benefits.pip_decision_date"


def test_hearing_before_claim_issued_rejected() -> None:
    [(path, _)] = problems(
        {"housing": {"claim_issue_date": "2026-11-10", "hearing_date": "2026-11-01"}}
    )
    assert path == "housing.hearing_date"


def test_unknown_choice_value_rejected() -> None:
    [(path, _)] = problems({"housing": {"tenure": "castle"}})
    assert path == "housing.tenure"


def test_top_level_must_be_mapping() -> None:
    with pytest.raises(FactsError):
        parse_facts(["not", "a", "mapping"])  # type: ignore[arg-type]


@pytest.mark.parametrize("word", ["unknown", "dont_know", "prefer_not_to_say", None])
def test_unknown_answers_become_unknown_not_no(word: str | None) -> None:
    facts = parse_facts({"person": {"interpreter_needed": word}, "housing": {"hearing_date": word}})
    assert facts.person.interpreter_needed is None
    assert facts.housing.hearing_date is None


def test_everything_defaults_to_unknown() -> None:
    facts = CaseFacts()
    for spec in FACTS.values():
        assert getattr(getattr(facts, spec.section), spec.name) is None, spec.path


def test_dates_parse_as_dates() -> None:
    facts = parse_facts({"housing": {"hearing_date": "2026-12-03"}})
    assert facts.housing.hearing_date == date(2026, 12, 3)


def test_catalog_covers_the_person_and_health_context() -> None:
    for path in [
        "person.age", "person.borough", "person.postcode_district", "person.language",
        "person.interpreter_needed", "person.digital_access", "person.disability",
        "person.mental_capacity_concern", "health.setting", "health.conditions",
        "health.discharge_date",
    ]:  # fmt: skip
        assert path in FACTS
