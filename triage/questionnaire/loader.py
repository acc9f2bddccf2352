"""Load and validate ``rules/questionnaire/``: every problem with file, line and question id.

Layout::

    questionnaire.yaml     name, version, default language, section files in order
    sections/*.yaml        one section each: its pages and their questions
    text/<lang>.yaml       the wording for one language (see ``text``)

Loading fails as a whole if anything is wrong: a question setting a fact the
case model lacks, or of the wrong kind; an option the fact does not allow; a
``show_if`` that is malformed, names an unknown or later question, tests a
code the question cannot hold, or forms a cycle; wording that is missing in
the default language or names ids that do not exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from triage.facts.catalog import FACTS, FactSpec
from triage.paths import rules_dir
from triage.questionnaire import conditions
from triage.questionnaire.model import NO, YES, Manifest, Page, Question, Section
from triage.questionnaire.text import ERROR_KEYS, TextFile, Wording
from triage.rulesets.yaml_lines import YamlFileError, line_at, load_yaml


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    question_id: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.question_id}:" if self.question_id else ""
        return f"{self.file}:{self.line}:{where} {self.message}"


class QuestionnaireError(ValueError):
    """A questionnaire that failed to load; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Located:
    """Where a section, page or question was defined."""

    file: str
    line: int


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire with its wording in every language found."""

    manifest: Manifest
    sections: tuple[Section, ...]
    texts: dict[str, TextFile]
    where: dict[str, Located]
    root: Path
    hash: str
    conds: dict[str, conditions.Cond | None] = field(repr=False)

    @property
    def default_language(self) -> str:
        return self.manifest.default_language

    @cached_property
    def pages(self) -> tuple[Page, ...]:
        return tuple(p for s in self.sections for p in s.pages)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in asking order."""
        return tuple(q for p in self.pages for q in p.questions)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def page_of(self) -> dict[str, Page]:
        return {q.id: p for p in self.pages for q in p.questions}

    @cached_property
    def section_of(self) -> dict[str, Section]:
        """Section by page id and by question id."""
        out: dict[str, Section] = {}
        for s in self.sections:
            for p in s.pages:
                out[p.id] = s
                for q in p.questions:
                    out[q.id] = s
        return out

    @cached_property
    def page_by_id(self) -> dict[str, Page]:
        return {p.id: p for p in self.pages}

    @cached_property
    def questions_for_fact(self) -> dict[str, tuple[str, ...]]:
        """Fact path -> ids of the questions that can set it, in asking order."""
        out: dict[str, list[str]] = {}
        for q in self.questions:
            for path in q.fact_paths:
                out.setdefault(path, []).append(q.id)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.texts))

    def wording(self, lang: str | None = None) -> Wording:
        """The wording for ``lang`` (default language when None); KeyError if not shipped."""
        lang = lang or self.default_language
        if lang not in self.texts:
            raise KeyError(lang)
        default = self.texts[self.default_language]
        if lang == self.default_language:
            return Wording(lang, default)
        own = self.texts[lang]
        return Wording(lang, own, default, _missing(self, own))


def _missing(qn: Questionnaire, tf: TextFile) -> tuple[str, ...]:
    out = []
    for q in qn.questions:
        qt = tf.questions.get(q.id)
        if qt is None or not qt.text:
            out.append(f"questions.{q.id}.text")
        for code in q.options:
            if qt is None or code not in qt.options:
                out.append(f"questions.{q.id}.options.{code}")
    return tuple(out)


def default_questionnaire_dir() -> Path:
    return rules_dir() / "questionnaire"


_BROKEN = object()


def load_questionnaire(root: Path | str | None = None) -> Questionnaire:
    """Load and validate a questionnaire folder (default: the bundled one)."""
    root = Path(root) if root is not None else default_questionnaire_dir()
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(root.parent.parent))
        except ValueError:
            return str(path)

    def read(path: Path) -> Any:
        try:
            digest.update(rel(path).encode() + b"\0" + path.read_bytes() + b"\0")
            return load_yaml(path, rel(path))
        except (YamlFileError, OSError) as exc:
            line = getattr(exc, "line", 0)
            msg = str(exc).split(": ", 1)[-1] if isinstance(exc, YamlFileError) else str(exc)
            problems.append(Problem(rel(path), line, None, msg))
            return _BROKEN

    manifest_path = root / "questionnaire.yaml"
    raw_manifest = read(manifest_path)
    manifest = _model(Manifest, raw_manifest, rel(manifest_path), None, problems)
    if manifest is None:
        raise QuestionnaireError(problems)

    sections: list[Section] = []
    where: dict[str, Located] = {}
    for name in manifest.sections:
        path = root / "sections" / name
        data = read(path)
        if data is _BROKEN:
            continue
        file = rel(path)
        section = _section(data, file, problems, where)
        if section is not None:
            sections.append(section)

    texts: dict[str, TextFile] = {}
    text_lines: dict[str, Any] = {}
    for path in sorted((root / "text").glob("*.yaml")):
        data = read(path)
        tf = _model(TextFile, data, rel(path), None, problems)
        if tf is None:
            continue
        if tf.language != path.stem:
            problems.append(Problem(rel(path), line_at(data, ("language",)), None,
                                    f"language {tf.language!r} does not match the file name"))  # fmt: skip
        texts[tf.language] = tf
        text_lines[tf.language] = (rel(path), data)
    if problems:
        raise QuestionnaireError(problems)

    conds = _check_logic(sections, where, problems)
    if manifest.default_language not in texts:
        problems.append(Problem(rel(manifest_path), line_at(raw_manifest, ("default_language",)), None,
                                f"no text/{manifest.default_language}.yaml for the default language"))  # fmt: skip
    for lang, tf in texts.items():
        file, data = text_lines[lang]
        _check_text(sections, tf, file, data, lang == manifest.default_language, problems)
    if problems:
        raise QuestionnaireError(problems)
    return Questionnaire(manifest, tuple(sections), texts, where, root, digest.hexdigest(), conds)


def _model(model: type[BaseModel], data: Any, file: str, qid: str | None, problems: list[Problem]) -> Any:
    if data is _BROKEN:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = line_at(data, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            path = ".".join(str(p) for p in loc)
            problems.append(Problem(file, line, qid, f"{path}: {msg}" if path else msg))
        return None


def _section(data: Any, file: str, problems: list[Problem], where: dict[str, Located]) -> Section | None:
    """Validate question by question, so each problem names its question id and line."""
    if not isinstance(data, dict):
        problems.append(Problem(file, 1, None, "expected a section mapping"))
        return None
    before = len(problems)
    pages_raw = data.get("pages")
    pages: list[Page] = []
    if isinstance(pages_raw, list):
        for praw in pages_raw:
            if not isinstance(praw, dict):
                problems.append(Problem(file, getattr(pages_raw, "line", 0), None, "a page must be a mapping"))
                continue
            qs: list[Question] = []
            page_before = len(problems)
            for qraw in praw.get("questions") or []:
                qid = qraw.get("id") if isinstance(qraw, dict) else None
                q = _model(Question, qraw, file, qid if isinstance(qid, str) else None, problems)
                if q is not None:
                    if "q:" + q.id in where:
                        other = where["q:" + q.id]
                        problems.append(Problem(file, qraw.line, q.id,
                                                f"id already used at {other.file}:{other.line}"))  # fmt: skip
                    where["q:" + q.id] = Located(file, qraw.line)
                    _check_facts(q, file, qraw.line, problems)
                    qs.append(q)
            pid = praw.get("id")
            if len(problems) > page_before:
                continue
            page = _model(Page, {**praw, "questions": [q.model_dump() for q in qs] or praw.get("questions")},
                          file, pid if isinstance(pid, str) else None, problems)  # fmt: skip
            if page is not None:
                if "p:" + page.id in where:
                    problems.append(Problem(file, getattr(praw, "line", 0), page.id, "page id already used"))
                where["p:" + page.id] = Located(file, getattr(praw, "line", 0))
                pages.append(page)
    section = _model(Section, {**data, "pages": [p.model_dump() for p in pages] or pages_raw}, file,
                     data.get("id") if isinstance(data.get("id"), str) else None, problems)  # fmt: skip
    if section is not None:
        if "s:" + section.id in where:
            problems.append(Problem(file, 1, section.id, "section id already used"))
        where["s:" + section.id] = Located(file, data.line if hasattr(data, "line") else 1)
    return section if len(problems) == before else None


_KIND_FOR = {"date": ("date",), "text": ("text",), "number": ("int", "number")}


def _fact_value_ok(spec: FactSpec, value: Any) -> bool:
    if value is None:
        return True
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind in ("choice", "set"):
        return isinstance(value, str) and value in spec.choices
    if spec.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if spec.kind == "date":
        return isinstance(value, date)
    return isinstance(value, str)


def _check_facts(q: Question, file: str, line: int, problems: list[Problem]) -> None:
    def bad(msg: str) -> None:
        problems.append(Problem(file, line, q.id, msg))

    for path in q.fact_paths:
        if path not in FACTS:
            bad(f"sets {path!r}, which is not a fact in the case model")
    if q.sets is None or q.sets not in FACTS:
        for path in q.flags.values():
            if path in FACTS and FACTS[path].kind != "bool":
                bad(f"flag fact {path!r} is {FACTS[path].kind}, not yes/no")
        return
    spec = FACTS[q.sets]
    codes = q.options if q.type != "yes_no" else (YES, NO)
    if q.type in _KIND_FOR:
        if spec.kind not in _KIND_FOR[q.type]:
            bad(f"a {q.type} answer cannot set {spec.path} ({spec.kind})")
        if q.type == "number" and spec.kind == "int" and not q.integer:
            bad(f"{spec.path} holds whole numbers: add 'integer: true'")
        return
    if q.type == "multiple" and spec.kind != "set":
        bad(f"a multiple-choice answer cannot set {spec.path} ({spec.kind}); use flags or a set fact")
        return
    if q.type in ("yes_no", "single") and spec.kind not in ("bool", "choice"):
        bad(f"a {q.type} answer cannot set {spec.path} ({spec.kind})")
        return
    for code in codes:
        value = q.values.get(code, True if code == YES and spec.kind == "bool" else
                             False if code == NO and spec.kind == "bool" else code)  # fmt: skip
        if code in q.values or q.type != "yes_no" or spec.kind == "bool":
            if not _fact_value_ok(spec, value):
                allowed = ", ".join(spec.choices) if spec.choices else spec.kind
                bad(f"option {code!r} gives {value!r}, which {spec.path} does not allow ({allowed})")
        else:
            bad(f"a yes/no answer cannot set {spec.path} ({spec.kind}) without 'values'")
            return


def _check_logic(
    sections: list[Section], where: dict[str, Located], problems: list[Problem]
) -> dict[str, conditions.Cond | None]:
    """Parse every show_if, then check references, codes, order and cycles."""
    order: dict[str, int] = {}
    page_of: dict[str, str] = {}
    questions: dict[str, Question] = {}
    for s in sections:
        for p in s.pages:
            for q in p.questions:
                order[q.id] = len(order)
                page_of[q.id] = p.id
                questions[q.id] = q
    conds: dict[str, conditions.Cond | None] = {}
    # Each node's own show_if; a question is also governed by its page's and section's.
    nodes: list[tuple[str, Any, list[str]]] = []
    for s in sections:
        nodes.append(("s:" + s.id, s.show_if, [q.id for p in s.pages for q in p.questions]))
        for p in s.pages:
            nodes.append(("p:" + p.id, p.show_if, [q.id for q in p.questions]))
            nodes.extend(("q:" + q.id, q.show_if, [q.id]) for q in p.questions)
    edges: dict[str, set[str]] = {qid: set() for qid in order}
    for node_id, raw, governed in nodes:
        loc = where.get(node_id, Located("?", 0))

        def bad(msg: str, loc: Located = loc, node_id: str = node_id) -> None:
            problems.append(Problem(loc.file, loc.line, node_id[2:], f"show_if: {msg}"))

        try:
            cond = conditions.parse(raw)
        except conditions.ShowIfError as exc:
            bad(str(exc))
            continue
        conds[node_id] = cond
        for test in conditions.tests_of(cond):
            ref = questions.get(test.question)
            if ref is None:
                bad(f"refers to unknown question {test.question!r}")
                continue
            _check_test(test, ref, bad)
            for qid in governed:
                edges[qid].add(test.question)
    cycle = _find_cycle(edges)
    if cycle:
        loc = where.get("q:" + cycle[0], Located("?", 0))
        problems.append(Problem(loc.file, loc.line, cycle[0], "show_if cycle: " + " -> ".join(cycle)))
        return conds
    for qid, refs in edges.items():
        loc = where.get("q:" + qid, Located("?", 0))
        for ref_id in sorted(refs):
            if page_of[ref_id] == page_of[qid]:
                problems.append(Problem(loc.file, loc.line, qid, f"show_if: refers to {ref_id!r} on the same page"
                                        " (a page is shown whole, so put them on separate pages)"))  # fmt: skip
            elif order[ref_id] > order[qid]:
                problems.append(Problem(loc.file, loc.line, qid, f"show_if: refers to {ref_id!r}, asked later"))
    return conds


def _check_test(test: conditions.Test, ref: Question, bad: Any) -> None:
    codes = ref.answer_codes
    if test.op == "includes":
        if ref.type != "multiple":
            bad(f"'includes' needs a multiple-choice question; {ref.id!r} is {ref.type}")
        elif test.value not in codes:
            bad(f"{test.value!r} is not an option of {ref.id!r}")
    elif test.op in ("is", "in"):
        values = test.value if test.op == "in" else (test.value,)
        for v in values:
            if ref.type in ("yes_no", "single"):
                if v not in codes:
                    bad(f"{v!r} is not an answer of {ref.id!r} ({', '.join(codes)})")
            elif v not in codes:
                bad(f"'{test.op}' on a {ref.type} question can only test dont_know or prefer_not_to_say")
    elif test.op in ("gt", "ge", "lt", "le") and ref.type != "number":
        bad(f"'{test.op}' needs a number question; {ref.id!r} is {ref.type}")


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(edges, WHITE)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if colour.get(nxt) == GREY:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt) == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for node in edges:
        if colour[node] == WHITE:
            found = visit(node)
            if found:
                return found
    return None


def _check_text(
    sections: list[Section], tf: TextFile, file: str, data: Any, complete: bool, problems: list[Problem]
) -> None:
    questions = {q.id: q for s in sections for p in s.pages for q in p.questions}
    pages = {p.id: p for s in sections for p in s.pages}
    section_ids = {s.id for s in sections}

    def bad(loc: tuple[str, ...], qid: str | None, msg: str) -> None:
        problems.append(Problem(file, line_at(data, loc) or 1, qid, msg))

    for qid, qt in tf.questions.items():
        q = questions.get(qid)
        if q is None:
            bad(("questions", qid), qid, "wording for a question that does not exist")
            continue
        for code in [*qt.options, *qt.option_hints]:
            if code not in q.options:
                bad(("questions", qid), qid, f"wording for option {code!r}, which the question does not have")
        for key in qt.errors:
            if key not in ERROR_KEYS:
                bad(("questions", qid), qid, f"unknown error key {key!r} (known: {', '.join(ERROR_KEYS)})")
    for pid in tf.pages:
        if pid not in pages:
            bad(("pages", pid), pid, "wording for a page that does not exist")
    for sid in tf.sections:
        if sid not in section_ids:
            bad(("sections", sid), sid, "wording for a section that does not exist")
    if not complete:
        return
    for key in ERROR_KEYS:
        if key not in tf.errors:
            bad(("errors",), None, f"errors.{key} is missing")
    for key in ("yes", "no", "dont_know", "prefer_not_to_say"):
        if key not in tf.answers:
            bad(("answers",), None, f"answers.{key} is missing")
    for sid in section_ids:
        if sid not in tf.sections:
            bad(("sections",), sid, "section has no title")
    for pid, page in pages.items():
        if len(page.questions) > 1 and pid not in tf.pages:
            bad(("pages",), pid, "a page with several questions needs a title")
    for qid, question in questions.items():
        wording = tf.questions.get(qid)
        if wording is None or not wording.text:
            bad(("questions",), qid, "question has no text")
            continue
        for code in question.options:
            if code not in wording.options:
                bad(("questions", qid), qid, f"option {code!r} has no label")
