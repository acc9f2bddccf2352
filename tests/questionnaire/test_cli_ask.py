"""``triage ask`` driven through its prompts: same answers, same assessment as the flow and the browser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.questionnaire.personas import AS_OF, PERSONAS
from triage.cli.main import app
from triage.cli.text import render
from triage.engine.engine import Engine
from triage.questionnaire import Questionnaire, flow, load_questionnaire

runner = CliRunner()


def typed(q: Any, answer: Any) -> str:
    """What a link worker types at the prompt for this answer."""
    if answer == "dont_know":
        return "?"
    if answer == "prefer_not_to_say":
        return "-"
    if q.type == "yes_no":
        return "y" if answer == "yes" else "n"
    if q.type == "single":
        return str(q.options.index(answer) + 1)  # by number, as people do
    if isinstance(answer, list):
        return ",".join(answer)  # by code
    return str(answer)


def terminal_lines(qn: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """The lines typed, in the order the terminal asks (the flow's order)."""
    lines, given = [], {}
    while (view := flow.next_page(qn, given)) is not None:
        for q in view.questions:
            lines.append(typed(q, answers[q.id]))
            given[q.id] = answers[q.id]
    return lines


@pytest.fixture(scope="module")
def qn() -> Questionnaire:
    return load_questionnaire()


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_ask_reaches_the_same_assessment(qn: Questionnaire, name: str, tmp_path: Path) -> None:
    answers = PERSONAS[name]
    save = tmp_path / "answers.json"
    result = runner.invoke(app, ["ask", "--as-of", AS_OF.isoformat(), "--save", str(save)],
                           input="\n".join(terminal_lines(qn, answers)) + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = flow.provisional(qn, answers, Engine.default(), AS_OF).assessment
    assert expected.needs
    assert render(expected) in result.output
    assert json.loads(save.read_text())["answers"] == answers


def test_ask_saves_resumes_and_reprompts_bad_answers(qn: Questionnaire, tmp_path: Path) -> None:
    answers = PERSONAS["eviction_interpreter"]
    lines = terminal_lines(qn, answers)
    save = tmp_path / "half.json"
    # A wrong answer is explained and asked again; input ends part way through.
    first = runner.invoke(app, ["ask", "--as-of", "2026-11-23", "--save", str(save)],
                          input="\n".join(["9", *lines[:5]]) + "\n")  # fmt: skip
    assert first.exit_code == 2
    assert "Select one of the answers for: where the person is seen" in first.output
    assert first.output.strip().splitlines()[-1].startswith("triage: error: input ended before the questionnaire")
    saved = json.loads(save.read_text())["answers"]
    assert 0 < len(saved) <= 5
    second = runner.invoke(app, ["ask", "--as-of", "2026-11-23", "--resume", str(save)],
                           input="\n".join(lines[len(saved):]) + "\n")  # fmt: skip
    assert second.exit_code == 0, second.output
    assert "Where are you seeing the person?" not in second.output  # not asked again
    expected = flow.provisional(qn, answers, Engine.default(), AS_OF).assessment
    assert render(expected) in second.output


def test_resume_file_with_a_bad_answer_fails_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"answers": {"setting": "castle"}}))
    result = runner.invoke(app, ["ask", "--resume", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip() == f"triage: error: {bad}: answers.setting: Select one of the answers for: where the person is seen"  # noqa: E501
    bad.write_text(json.dumps({"answers": {"favourite_colour": "blue"}}))
    result = runner.invoke(app, ["ask", "--resume", str(bad)])
    assert result.output.strip() == f"triage: error: {bad}: answers.favourite_colour: no such question"


def test_ask_refuses_a_bad_day_and_a_missing_language() -> None:
    result = runner.invoke(app, ["ask", "--as-of", "23/11/2026"])
    assert result.exit_code == 2 and "--as-of: expected a date as YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["ask", "--lang", "fr"])
    assert result.exit_code == 2 and "--lang: no wording for 'fr'" in result.output


def test_ask_refuses_a_broken_questionnaire_with_file_line_and_id(tmp_path: Path) -> None:
    from tests.questionnaire.test_loader import replace_in, tiny_copy

    root = tiny_copy(tmp_path)
    replace_in(root / "sections" / "housing.yaml", "sets: housing.damp_mould", "sets: housing.mouldy")
    result = runner.invoke(app, ["ask", "--questionnaire", str(root)])
    assert result.exit_code == 2
    assert "housing.yaml:13: mould: sets 'housing.mouldy'" in result.output
