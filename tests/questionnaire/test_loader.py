"""Loading the questionnaire: the bundled one is valid; broken ones fail with file, line and id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from triage.facts.catalog import FACTS
from triage.questionnaire import QuestionnaireError, load_questionnaire
from triage.rulesets.conditions import facts_of
from triage.rulesets.loader import load_ruleset

TINY = Path(__file__).parent / "fixtures" / "tiny"

# Facts the England rules read that no question sets, because only an API
# caller (for example a discharge system) can know them. Keep this list short
# and explicit: a fact missing from the questionnaire by accident fails below.
API_ONLY: frozenset[str] = frozenset()


def tiny_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules" / "questionnaire"
    shutil.copytree(TINY, root)
    return root


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def problems_of(root: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(root)
    return [str(p) for p in info.value.problems]


def test_bundled_questionnaire_loads_with_english_wording() -> None:
    qn = load_questionnaire()
    assert qn.sections[0].id == "screening"
    assert len(qn.questions) > 100
    words = qn.wording()
    for q in qn.questions:
        assert words.question(q.id) != q.id, q.id
        for code in q.options:
            assert words.option(q.id, code) != code or code in ("yes", "no"), (q.id, code)
    assert [s.id for s in qn.sections if s.safety] == ["family", "safeguarding"]


def test_every_fact_the_england_rules_use_is_set_by_a_question() -> None:
    qn = load_questionnaire()
    rs = load_ruleset()
    used: set[str] = set()
    for rule in rs.rules:
        used.update(spec.path for spec in facts_of(rule.condition))
        need = getattr(rule.then, "need", None)
        if need is not None:
            used.update(d.from_fact for d in need.deadlines)
    unset = sorted(used - set(qn.questions_for_fact) - API_ONLY)
    assert unset == [], f"rule-set facts no question sets: {unset}"
    # The API-only list must not go stale either.
    assert not (API_ONLY & set(qn.questions_for_fact))


def test_every_question_sets_a_real_fact() -> None:
    qn = load_questionnaire()
    for q in qn.questions:
        for path in q.fact_paths:
            assert path in FACTS, (q.id, path)


def test_tiny_fixture_loads(tmp_path: Path) -> None:
    qn = load_questionnaire(tiny_copy(tmp_path))
    assert [q.id for q in qn.questions] == ["areas", "tenure", "mould", "reported", "kids"]
    assert qn.languages == ("cy", "en")


def test_unknown_fact_names_file_line_and_id(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "sets: housing.damp_mould", "sets: housing.mouldy_walls")
    problems = problems_of(root)
    assert len(problems) == 1
    assert problems[0].startswith("rules/questionnaire/sections/housing.yaml:13: mould:")
    assert "'housing.mouldy_walls', which is not a fact in the case model" in problems[0]


def test_show_if_naming_an_unknown_question_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "{question: tenure, is: private_rented}",
               "{question: tenancy, is: private_rented}")  # fmt: skip
    problems = problems_of(root)
    assert problems == ["rules/questionnaire/sections/housing.yaml:10: mould: show_if: refers to unknown question 'tenancy'"]  # noqa: E501


def test_show_if_testing_a_code_the_question_cannot_hold_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "is: private_rented", "is: private")
    (problem,) = problems_of(root)
    assert problem.startswith("rules/questionnaire/sections/housing.yaml:10: mould: show_if: 'private' is not an answer")  # noqa: E501


def test_malformed_show_if_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "{question: tenure, is: private_rented}",
               "{question: tenure, is: private_rented, in: [council]}")  # fmt: skip
    (problem,) = problems_of(root)
    assert problem.startswith("rules/questionnaire/sections/housing.yaml:10: mould: show_if: give exactly one test")


def test_show_if_cycle_fails_naming_the_cycle(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    housing = root / "sections" / "housing.yaml"
    replace_in(housing, "      - id: tenure\n        type: single",
               "      - id: tenure\n        show_if: {question: kids, gt: 0}\n        type: single")  # fmt: skip
    replace_in(housing, "{id: kids, type: number,", "{id: kids, show_if: {question: tenure, is: council}, type: number,")  # noqa: E501
    problems = problems_of(root)
    assert len(problems) == 1
    assert problems[0] == "rules/questionnaire/sections/housing.yaml:6: tenure: show_if cycle: tenure -> kids -> tenure"


def test_show_if_on_a_later_question_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "{question: tenure, is: private_rented}", "{question: kids, gt: 1}")
    problems = problems_of(root)
    assert "rules/questionnaire/sections/housing.yaml:13: mould: show_if: refers to 'kids', asked later" in problems


def test_answer_type_must_fit_the_fact(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "sets: housing.repair_reported_date", "sets: housing.repair_reported")  # noqa: E501
    (problem,) = problems_of(root)
    assert problem == ("rules/questionnaire/sections/housing.yaml:14: reported: a date answer cannot set "
                       "housing.repair_reported (bool)")  # fmt: skip


def test_option_the_fact_does_not_allow_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "options: [private_rented, council]", "options: [private_rented, castle]")  # noqa: E501
    replace_in(root / "text" / "en.yaml", 'council: "Council"}', 'castle: "Castle"}')
    replace_in(root / "text" / "cy.yaml", 'council: "Cyngor"}', 'castle: "Castell"}')
    (problem,) = problems_of(root)
    assert problem.startswith("rules/questionnaire/sections/housing.yaml:6: tenure: option 'castle' gives 'castle'")


def test_yaml_error_and_unknown_field_name_the_line(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "type: single", "type: single\n        colour: blue")
    (problem,) = problems_of(root)
    assert problem == "rules/questionnaire/sections/housing.yaml:6: tenure: colour: unknown field"


def test_missing_english_wording_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "text" / "en.yaml", '  kids: {text: "How many children?"}\n', "")
    (problem,) = problems_of(root)
    assert problem.startswith("rules/questionnaire/text/en.yaml:") and "kids: question has no text" in problem


def test_wording_for_a_question_that_does_not_exist_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "text" / "cy.yaml", '  mould: {text: "Oes llwydni?"}', '  mold: {text: "Oes llwydni?"}')
    (problem,) = problems_of(root)
    assert problem == "rules/questionnaire/text/cy.yaml:7: mold: wording for a question that does not exist"


def test_duplicate_question_id_fails(tmp_path: Path) -> None:
    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "{id: kids,", "{id: mould,")
    problems = problems_of(root)
    assert any(p.startswith("rules/questionnaire/sections/housing.yaml:17: mould: id already used at ") for p in problems)  # noqa: E501
