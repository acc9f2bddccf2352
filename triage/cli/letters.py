"""``triage letters``: render a case's letters to HTML, PDF or Word.

A case file is the facts YAML of ``rules/examples`` (``as_of`` and ``facts``)
plus an optional ``letter:`` section with names, addresses, consent per
recipient and safe contact (see ``docs/letters.md``). Bad input ends with one
line on stderr and exit code 2, like every other command.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from triage.cli.shared import RulesetOpt, fail, load_engine, parse_day

letters_app = typer.Typer(help="Render referral, medical evidence, duty-to-refer, voluntary referral and action-plan "
                          "letters.",
                          no_args_is_help=True)  # fmt: skip


def _read_case_file(source: str) -> tuple[dict[str, Any], date | None, Any]:
    """(facts, as_of, letter section) from a case file."""
    from triage.rulesets.yaml_lines import YamlFileError, load_yaml_text

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{source}: cannot read: {exc.strerror}")
    name = "stdin" if source == "-" else source
    try:
        data = load_yaml_text(text, name)
    except YamlFileError as exc:
        fail(str(exc))
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        fail(f"{name}: expected a case file with 'facts' (and optionally 'as_of' and 'letter')")
    unknown = sorted(set(data) - {"facts", "as_of", "letter", "description"})
    if unknown:
        fail(f"{name}: {unknown[0]}: unknown field (expected facts, as_of, letter, description)")
    as_of = data.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        fail(f"{name}: as_of: expected a date as YYYY-MM-DD")
    return dict(data["facts"]), as_of, data.get("letter")


def _prepare(file: str, as_of: str | None, ruleset: Path | None) -> tuple[Any, Any, Any]:
    from triage.facts import FactsError, parse_facts
    from triage.letters import LetterDetailsError, parse_details

    raw, file_as_of, section = _read_case_file(file)
    day = parse_day(as_of, "--as-of") or file_as_of or date.today()
    name = "stdin" if file == "-" else file
    try:
        facts = parse_facts(raw, f"{name}: facts")
        details = parse_details(section, name)
    except (FactsError, LetterDetailsError) as exc:
        fail(str(exc))
    assessment = load_engine(ruleset).assess(facts, day)
    return facts, assessment, details


@letters_app.command("render")
def render(
    file: Annotated[str, typer.Argument(help="Case file (YAML or JSON): facts and a letter: section; - is stdin.")],
    kind: Annotated[
        str,
        typer.Option("--kind", help="referral, medical_evidence, duty_to_refer, voluntary_referral or action_plan."),
    ],
    out: Annotated[str, typer.Option("--out", help="File to write; - writes to stdout.")],
    fmt: Annotated[str, typer.Option("--format", help="html, pdf or docx.")] = "html",
    purpose: Annotated[str | None, typer.Option("--purpose", help="Medical evidence purpose, e.g. pip.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Assess as on this day (default: file's as_of).")] = None,
    ruleset: RulesetOpt = None,
) -> None:
    """Render one letter for a case. Fails, listing every missing field, if the case lacks what it needs."""
    from triage.letters import FORMATS, KINDS, PURPOSES, LetterDataError, build_context, render_letter

    if kind not in KINDS:
        fail(f"--kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    if fmt not in FORMATS:
        fail(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if kind == "medical_evidence" and purpose is None:
        fail(f"--purpose: required for medical_evidence (one of {', '.join(PURPOSES)})")
    if kind != "medical_evidence" and purpose is not None:
        fail(f"--purpose: only for --kind medical_evidence, not {kind}")
    if purpose is not None and purpose not in PURPOSES:
        fail(f"--purpose: expected one of {', '.join(PURPOSES)}, got {purpose!r}")
    facts, assessment, details = _prepare(file, as_of, ruleset)
    context = build_context(kind, facts, assessment, details, purpose)
    try:
        data = render_letter(kind, context, fmt)
    except LetterDataError as exc:
        fail(str(exc))
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        fail(f"--out: cannot write {out}: {exc.strerror}")
    typer.echo(f"wrote {out} ({len(data)} bytes)", err=True)


@letters_app.command("list")
def list_letters(
    file: Annotated[str, typer.Argument(help="Case file (YAML or JSON); - reads stdin.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Assess as on this day (default: file's as_of).")] = None,
    ruleset: RulesetOpt = None,
) -> None:
    """List the letters a case needs and whether each is ready, or what it still lacks."""
    from triage.letters import LetterDataError, build_context, render_html

    facts, assessment, details = _prepare(file, as_of, ruleset)
    wanted: list[tuple[str, str | None]] = []
    waits: dict[tuple[str, str | None], list[str]] = {}
    for x in assessment.letters:
        key = (x.kind, x.purpose)
        if key not in wanted:
            wanted.append(key)
        waits.setdefault(key, []).extend(p for p in x.to_confirm if p not in waits.get(key, []))
    if assessment.needs:
        wanted.append(("action_plan", None))
    if not wanted:
        typer.echo("No letters needed.")
    for kind, purpose in wanted:
        label = f"{kind} --purpose {purpose}" if purpose else kind
        # The case facts do not yet say the person agreed: ask first (the recorded consent decides).
        pending = waits.get((kind, purpose))
        ask = f" (the case facts still wait for {', '.join(pending)})" if pending else ""
        try:
            render_html(kind, build_context(kind, facts, assessment, details, purpose))
            typer.echo(f"{label}\tready{ask}")
        except LetterDataError as exc:
            typer.echo(f"{label}\tnot ready: {str(exc).split(': ', 1)[1]}{ask}")
