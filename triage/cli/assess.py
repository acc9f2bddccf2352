"""``triage assess`` and ``triage demo``: one case, or the bundled examples, as readable text or JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from triage.cli.shared import RulesetOpt, fail, load_engine, parse_day, read_case
from triage.facts import FactsError


def assess(
    file: Annotated[str, typer.Argument(help="Case facts (YAML or JSON); - reads stdin.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Assess as on this day (default: file's as_of, else today).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    ruleset: RulesetOpt = None,
) -> None:
    """Assess one case and print its needs, tiers, urgency, deadlines and reasons."""
    if fmt not in ("text", "json"):
        fail(f"--format: expected text or json, got {fmt!r}")
    facts, file_as_of = read_case(file)
    day = parse_day(as_of, "--as-of") or file_as_of or date.today()
    engine = load_engine(ruleset, day)
    try:
        result = engine.assess(facts, day)
    except FactsError as exc:
        fail(str(exc).replace("case facts", "stdin" if file == "-" else file, 1))
    if fmt == "json":
        typer.echo(result.model_dump_json(indent=2))
    else:
        from triage.cli.text import render

        typer.echo(render(result, engine.ruleset.taxonomy.general), nl=False)


def demo(ruleset: RulesetOpt = None) -> None:
    """Assess the bundled example cases (synthetic people)."""
    from triage.cli.text import render
    from triage.paths import rules_dir

    engine = load_engine(ruleset)
    for path in sorted((rules_dir() / "examples").glob("*.yaml")):
        facts, as_of = read_case(str(path))
        typer.echo(f"=== {path.stem} ===")
        typer.echo(render(engine.assess(facts, as_of or date.today()), engine.ruleset.taxonomy.general))
