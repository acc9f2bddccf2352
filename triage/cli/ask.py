"""``triage ask``: walk the link-worker questionnaire in the terminal, then show the assessment.

Answers can be saved after every page (``--save FILE``) and picked up again
(``--resume FILE``); the file is JSON holding answer codes only::

    {"questionnaire": "link-worker-triage", "version": "...", "answers": {"setting": "gp_practice"}}

At each prompt: a number or code picks an option (several, comma-separated,
for "select all"); ``?`` is don't know and ``-`` prefer not to say.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from triage.cli.shared import fail
from triage.cli.text import render
from triage.engine.engine import Engine
from triage.questionnaire import Questionnaire, QuestionnaireError, load_questionnaire
from triage.questionnaire.answers import Answer, AnswerError, check, from_line
from triage.questionnaire.flow import next_page, provisional, prune
from triage.questionnaire.model import Question
from triage.questionnaire.text import Wording


def read_answers(path: Path, qn: Questionnaire) -> dict[str, Answer]:
    """Answers from a saved JSON file, each checked against its question."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror}")
    except json.JSONDecodeError as exc:
        fail(f"{path}: line {exc.lineno}: not valid JSON: {exc.msg}")
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        fail(f"{path}: expected an object with 'answers' (question id -> answer)")
    if data.get("questionnaire") not in (None, qn.manifest.name):
        fail(f"{path}: questionnaire: saved for {data.get('questionnaire')!r}, not {qn.manifest.name!r}")
    answers: dict[str, Answer] = {}
    for qid, value in data["answers"].items():
        q = qn.by_id.get(qid)
        if q is None:
            fail(f"{path}: answers.{qid}: no such question")
        try:
            answers[qid] = check(q, value)
        except AnswerError as exc:
            fail(f"{path}: answers.{qid}: {qn.wording().error(qid, exc.key, **exc.values)}")
    return answers


def write_answers(path: Path, qn: Questionnaire, answers: dict[str, Answer]) -> None:
    """Save atomically, so an interrupted save never leaves half a file."""
    body = {"questionnaire": qn.manifest.name, "version": qn.manifest.version, "answers": answers}
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".triage-ask-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)


def _show(q: Question, words: Wording) -> str:
    lines = [words.question(q.id)]
    hint = words.hint(q.id)
    if hint:
        lines.append(f"  ({hint})")
    if q.type == "yes_no":
        lines.append(f"  y  {words.answer('yes')}    n  {words.answer('no')}")
    elif q.type in ("single", "multiple"):
        lines += [f"  {i:>2}  {words.option(q.id, code)}" for i, code in enumerate(q.options, 1)]
        if q.type == "multiple":
            lines.append("  (numbers separated by commas for more than one)")
    elif q.type == "date":
        lines.append("  (a date as YYYY-MM-DD)")
    lines.append(f"   ?  {words.answer('dont_know')}    -  {words.answer('prefer_not_to_say')}")
    return "\n".join(lines)


def _ask(q: Question, words: Wording) -> Answer:
    typer.echo(_show(q, words))
    while True:
        typer.echo("> ", nl=False)
        line = input()  # EOFError when input ends: the caller saves and stops
        try:
            return from_line(q, line)
        except AnswerError as exc:
            typer.echo(f"  {words.error(q.id, exc.key, **exc.values)}")


def ask(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Assess as on this day (default: today).")] = None,
    save: Annotated[Path | None, typer.Option("--save", help="Save answers (JSON) after every page.")] = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Start from answers saved earlier.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the questions (default: en).")] = None,
    questionnaire: Annotated[
        Path | None, typer.Option("--questionnaire", help="Questionnaire folder (default: bundled).")
    ] = None,
) -> None:
    """Ask the link-worker questionnaire in the terminal and show the assessment."""
    day = date.today()
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: expected a date as YYYY-MM-DD, got {as_of!r}")
    try:
        qn = load_questionnaire(questionnaire)
    except QuestionnaireError as exc:
        fail(str(exc).splitlines()[0] + (f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""))
    try:
        words = qn.wording(lang)
    except KeyError:
        fail(f"--lang: no wording for {lang!r} (have: {', '.join(qn.languages)})")
    answers: dict[str, Any] = read_answers(resume, qn) if resume else {}
    answers = prune(qn, answers)
    section_shown = None
    while (view := next_page(qn, answers)) is not None:
        if view.section_id != section_shown:
            section_shown = view.section_id
            title = words.section(view.section_id)
            typer.echo(f"\n== {title.title if title else view.section_id} ==")
            if title and title.intro:
                typer.echo(title.intro)
        for q in view.questions:
            if q.id in answers:
                continue
            typer.echo("")
            try:
                answers[q.id] = _ask(q, words)
            except EOFError:
                typer.echo("")  # end the prompt line, so the error stands on its own line
                if save:
                    write_answers(save, qn, prune(qn, answers))
                fail("input ended before the questionnaire was finished"
                     + (f"; answers so far saved to {save}" if save else ""))  # fmt: skip
        answers = prune(qn, answers)
        if save:
            write_answers(save, qn, answers)
    try:
        engine = Engine.default()
        result = provisional(qn, answers, engine, day)
    except AnswerError as exc:
        fail(f"answer to {exc.question_id}: {words.error(exc.question_id, exc.key, **exc.values)}")
    typer.echo("")
    typer.echo(render(result.assessment, engine.ruleset.taxonomy.general), nl=False)
    asked = [w for w in result.worth_asking if w.question_id]
    if asked:
        typer.echo("\nQuestionnaire questions that could still change this:")
        for w in asked:
            typer.echo(f"  - {w.question_id}: {words.question(w.question_id or '')}")
