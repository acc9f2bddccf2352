"""Flow logic: branching, answers to facts (unknown is never no), pruning, provisional assessment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.questionnaire.personas import AS_OF, EVICTION_INTERPRETER, MOULD_CHILD_ASTHMA, PERSONAS, PIP_WITH_DEBT
from triage.engine.engine import Engine
from triage.questionnaire import flow, load_questionnaire
from triage.questionnaire.answers import AnswerError, check, from_form, from_line

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def qn():  # type: ignore[no-untyped-def]
    return load_questionnaire()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def test_screening_comes_first_and_opens_only_the_ticked_branches(qn) -> None:  # type: ignore[no-untyped-def]
    assert flow.next_page(qn, {}).page.id == "screen_setting"  # type: ignore[union-attr]
    answers = {"setting": "gp_practice", "screen_areas": ["debt"]}
    sections = {v.section_id for v in flow.pages(qn, answers)}
    assert sections == {"screening", "debt", "person", "consent"}
    facts = flow.to_facts(qn, answers)
    assert facts.debt.concern is True
    assert facts.housing.concern is False and facts.family.concern is False


def test_dont_know_and_prefer_not_to_say_leave_facts_unknown_never_no(qn) -> None:  # type: ignore[no-untyped-def]
    answers = {"setting": "gp_practice", "screen_areas": ["housing"], "housing_tenure": "dont_know",
               "housing_problems": ["repairs"], "housing_damp_mould": "prefer_not_to_say",
               "housing_no_heating": "dont_know", "housing_emergency_hazard": "no", "housing_serious_risk": "yes"}  # fmt: skip  # noqa: E501
    facts = flow.to_facts(qn, answers)
    assert facts.housing.tenure is None
    assert facts.housing.damp_mould is None
    assert facts.housing.no_heating_or_hot_water is None
    assert facts.housing.emergency_hazard is False
    assert facts.housing.serious_risk_to_health is True
    # A checklist answered "don't know" leaves every fact it could set unknown.
    facts = flow.to_facts(qn, {"setting": "gp_practice", "screen_areas": ["dont_know"]})
    assert facts.housing.concern is None and facts.debt.concern is None


def test_checklist_sets_unticked_flags_to_no(qn) -> None:  # type: ignore[no-untyped-def]
    facts = flow.to_facts(qn, {"screen_areas": ["housing"], "housing_problems": ["notice"]})
    assert facts.housing.notice_received is True
    assert facts.housing.possession_claim_issued is False


def test_changing_an_earlier_answer_drops_answers_no_longer_shown(qn) -> None:  # type: ignore[no-untyped-def]
    answers = dict(EVICTION_INTERPRETER)
    assert flow.to_facts(qn, answers).housing.hearing_date is not None
    answers["housing_problems"] = ["repairs"]
    kept = flow.prune(qn, answers)
    assert "housing_hearing_date" not in kept and "housing_claim_issue_date" not in kept
    assert flow.to_facts(qn, answers).housing.hearing_date is None
    # ... and the repairs branch is now asked.
    assert flow.next_page(qn, kept).page.id == "housing_repairs"  # type: ignore[union-attr]
    # Unticking housing at screening drops the whole section.
    answers["screen_areas"] = ["debt"]
    assert not [k for k in flow.prune(qn, answers) if k.startswith("housing_")]


def test_show_if_on_numbers(qn) -> None:  # type: ignore[no-untyped-def]
    base = {"setting": "gp_practice", "screen_areas": ["none"]}
    ids = [q.id for q in flow.shown_questions(qn, {**base, "person_children": 0})]
    assert "person_child_conditions" not in ids
    ids = [q.id for q in flow.shown_questions(qn, {**base, "person_children": 2})]
    assert "person_child_conditions" in ids


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_personas_complete_the_questionnaire(qn, name: str) -> None:  # type: ignore[no-untyped-def]
    answers = PERSONAS[name]
    assert flow.is_complete(qn, answers)
    assert flow.prune(qn, answers) == answers  # every answer is to a question that is shown
    for qid, value in answers.items():
        assert check(qn.by_id[qid], value) == value


def _summary(assessment):  # type: ignore[no-untyped-def]
    return {n.issue: (n.tier, n.urgency, [d.date.isoformat() for d in n.deadlines]) for n in assessment.needs}


def test_persona_assessments(qn, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    pip = _summary(flow.provisional(qn, PIP_WITH_DEBT, engine, AS_OF).assessment)
    assert pip["benefits.pip"] == (3, "urgent", ["2026-12-03"])
    assert {"debt.energy", "debt.council_tax"} <= set(pip)
    mould = _summary(flow.provisional(qn, MOULD_CHILD_ASTHMA, engine, AS_OF).assessment)
    assert mould["housing.disrepair"][:2] == (3, "urgent")
    eviction = _summary(flow.provisional(qn, EVICTION_INTERPRETER, engine, AS_OF).assessment)
    # A bailiffs' date is always an emergency (rules/england/deadlines/housing.yaml lead_time).
    assert eviction["housing.possession_social"] == (3, "emergency", ["2026-11-30"])


def test_provisional_assessment_at_any_point_maps_questions_to_ids(qn, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    answers = {"setting": "gp_practice", "screen_areas": ["benefits"], "benefits_uc_claimant": "no",
               "benefits_problems": ["pip"], "benefits_pip_stage": "refused",
               "benefits_pip_decision_date": "2026-11-03"}  # fmt: skip
    assert not flow.is_complete(qn, answers)
    prov = flow.provisional(qn, answers, engine, AS_OF)
    # Whether a reconsideration was asked for decides the PIP need: still worth asking.
    ids = [w.question_id for w in prov.worth_asking]
    assert "benefits_mr_requested" in ids
    answers["benefits_mr_requested"] = "no"
    pip = [n for n in flow.provisional(qn, answers, engine, AS_OF).assessment.needs if n.issue == "benefits.pip"]
    assert [d.date.isoformat() for d in pip[0].deadlines] == ["2026-12-03"]
    for w in prov.worth_asking:
        if w.question_id:
            assert w.fact in qn.by_id[w.question_id].fact_paths


def test_answers_the_case_model_refuses_point_at_the_question(qn) -> None:  # type: ignore[no-untyped-def]
    answers = {"screen_areas": ["housing"], "housing_problems": ["notice"], "housing_notice_date": "2026-11-01",
               "housing_notice_expiry_date": "2026-10-01"}  # fmt: skip
    with pytest.raises(AnswerError) as info:
        flow.to_facts(qn, answers)
    assert info.value.question_id == "housing_notice_expiry_date"
    assert info.value.key == "fact_conflict"
    assert "housing_notice_date" in info.value.values["detail"]


def test_form_answers(qn) -> None:  # type: ignore[no-untyped-def]
    date_q = qn.by_id["housing_hearing_date"]
    assert from_form(date_q, {"housing_hearing_date-day": "3", "housing_hearing_date-month": "12",
                              "housing_hearing_date-year": "2026"}) == "2026-12-03"  # fmt: skip
    assert from_form(date_q, {"housing_hearing_date-unknown": "dont_know"}) == "dont_know"
    for form, key, field in [
        ({}, "required", "housing_hearing_date-day"),
        ({"housing_hearing_date-day": "31", "housing_hearing_date-month": "2", "housing_hearing_date-year": "2026"},
         "date_impossible", "housing_hearing_date-day"),
        ({"housing_hearing_date-day": "1", "housing_hearing_date-month": "x", "housing_hearing_date-year": "2026"},
         "date_invalid", "housing_hearing_date-month"),
        ({"housing_hearing_date-day": "1", "housing_hearing_date-month": "2", "housing_hearing_date-year": "2026",
          "housing_hearing_date-unknown": "dont_know"}, "answer_and_unknown", "housing_hearing_date"),
    ]:  # fmt: skip
        with pytest.raises(AnswerError) as info:
            from_form(date_q, form)
        assert (info.value.key, info.value.field) == (key, field)
    kids = qn.by_id["person_children"]
    assert from_form(kids, {"person_children": "2"}) == 2
    for raw, key in [("2.5", "number_whole"), ("-1", "number_min"), ("21", "number_max"), ("lots", "number_invalid")]:
        with pytest.raises(AnswerError) as info:
            from_form(kids, {"person_children": raw})
        assert info.value.key == key
    areas = qn.by_id["screen_areas"]
    with pytest.raises(AnswerError) as info:
        from_form(areas, {"screen_areas": ["housing", "none"]})
    assert info.value.key == "exclusive"
    with pytest.raises(AnswerError) as info:
        from_form(areas, {"screen_areas": ["housing", "dont_know"]})
    assert info.value.key == "answer_and_unknown"
    lang = qn.by_id["person_language"]
    assert from_form(lang, {"person_language": "SO"}) == "so"
    with pytest.raises(AnswerError) as info:
        from_form(lang, {"person_language": "Somali"})
    assert info.value.key == "text_too_long"


def test_terminal_answers(qn) -> None:  # type: ignore[no-untyped-def]
    assert from_line(qn.by_id["housing_damp_mould"], "y") == "yes"
    assert from_line(qn.by_id["housing_damp_mould"], "?") == "dont_know"
    assert from_line(qn.by_id["housing_damp_mould"], "-") == "prefer_not_to_say"
    assert from_line(qn.by_id["housing_tenure"], "1") == "private_rented"
    assert from_line(qn.by_id["screen_areas"], "3, housing") == ["housing", "debt"]
    with pytest.raises(AnswerError):
        from_line(qn.by_id["housing_tenure"], "1,2")


def test_second_language_changes_wording_not_logic(tmp_path: Path) -> None:
    qn = load_questionnaire(TINY)
    en, cy = qn.wording("en"), qn.wording("cy")
    assert en.question("tenure") == "What kind of home?"
    assert cy.question("tenure") == "Pa fath o gartref?"
    assert cy.option("tenure", "council") == "Cyngor"
    assert cy.answer("yes") == "Ydy"
    # Gaps fall back to English, and are listed.
    assert cy.question("kids") == "How many children?"
    assert "questions.kids.text" in cy.missing()
    assert en.missing() == ()
    # Stored answers are codes, whatever the language the questions were asked in.
    answers = {"areas": ["housing"], "tenure": "private_rented", "mould": "yes", "reported": "dont_know", "kids": 1}
    facts = flow.to_facts(qn, answers)
    assert facts.housing.tenure == "private_rented" and facts.housing.damp_mould is True
    assert facts.housing.repair_reported_date is None
    with pytest.raises(KeyError):
        qn.wording("fr")
