"""The ``triage`` command line: a thin shell around the library.

Bad input always ends with one line naming the problem and exit code 2.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from triage.facts import FactsError
from triage.rulesets.loader import RuleSetError
from triage.rulesets.yaml_lines import YamlFileError, load_yaml_text

app = typer.Typer(
    help="Health justice advice triage: assess a person's answers against dated rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Inspect and test rule sets.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesetOpt = Annotated[
    Path | None, typer.Option("--ruleset", help="Rule-set folder (default: bundled England rules).")
]


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 2."""
    typer.echo(f"triage: error: {message}", err=True)
    raise typer.Exit(2)


def _engine(ruleset: Path | None, as_of: date | None = None) -> Any:
    """The engine for ``ruleset``; without one, the installed version in force on ``as_of``."""
    from triage.engine import Engine
    from triage.rulesets.registry import RegistryError

    try:
        if ruleset is None and as_of is not None:
            return Engine.in_force(as_of)
        return Engine.default(ruleset)
    except RegistryError as exc:
        fail(str(exc))
    except RuleSetError as exc:
        first = exc.problems[0] if exc.problems else "invalid rule set"
        more = f" (and {len(exc.problems) - 1} more problems)" if len(exc.problems) > 1 else ""
        fail(f"{first}{more}")


def _parse_day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what}: expected a date as YYYY-MM-DD, got {value!r}")


def _read_case(source: str) -> tuple[dict[str, Any], date | None]:
    """Facts from a YAML or JSON file (or - for stdin), optionally wrapped with as_of."""
    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{name}: cannot read: {exc.strerror}")
    try:
        data = load_yaml_text(text, name)  # YAML is a superset of JSON
    except YamlFileError as exc:
        fail(str(exc))
    if not isinstance(data, dict):
        fail(f"{name}: expected a mapping of case facts")
    as_of = None
    if "facts" in data:
        raw_as_of = data.get("as_of")
        if raw_as_of is not None and not isinstance(raw_as_of, date):
            fail(f"{name}: as_of: expected a date as YYYY-MM-DD")
        as_of = raw_as_of
        data = data["facts"]
        if not isinstance(data, dict):
            fail(f"{name}: facts: expected a mapping")
    return dict(data), as_of


@app.command()
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
    facts, file_as_of = _read_case(file)
    day = _parse_day(as_of, "--as-of") or file_as_of or date.today()
    engine = _engine(ruleset, day)
    try:
        result = engine.assess(facts, day)
    except FactsError as exc:
        fail(str(exc).replace("case facts", "stdin" if file == "-" else file, 1))
    if fmt == "json":
        typer.echo(result.model_dump_json(indent=2))
    else:
        from triage.render_text import render

        typer.echo(render(result), nl=False)


@app.command()
def demo(ruleset: RulesetOpt = None) -> None:
    """Assess the bundled example cases (synthetic people)."""
    from triage.paths import rules_dir
    from triage.render_text import render

    engine = _engine(ruleset)
    for path in sorted((rules_dir() / "examples").glob("*.yaml")):
        facts, as_of = _read_case(str(path))
        typer.echo(f"=== {path.stem} ===")
        typer.echo(render(engine.assess(facts, as_of or date.today())))


@rules_app.command("validate")
def rules_validate(ruleset: RulesetOpt = None) -> None:
    """Load and check a rule set; list every problem with file, line and rule id."""
    from triage.rulesets.loader import load_ruleset

    try:
        rs = load_ruleset(ruleset)
    except RuleSetError as exc:
        for p in exc.problems:
            typer.echo(str(p), err=True)
        typer.echo(f"triage: error: {len(exc.problems)} problem(s) in the rule set", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{rs.name} {rs.version}: {len(rs.rules)} rules, "
        f"{sum(len(v) for v in rs.deadlines.values())} deadline parameters, "
        f"{len(rs.taxonomy.issues)} issues; hash {rs.hash}"
    )


@rules_app.command("list")
def rules_list(
    ruleset: RulesetOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only rules in force on this day.")] = None,
) -> None:
    """List rules: id, dates, finding and title."""
    engine = _engine(ruleset)
    day = _parse_day(as_of, "--as-of")
    for r in engine.ruleset.rules:
        if day is not None and not r.in_force(day):
            continue
        t = r.then
        finding = (
            f"need {t.need.issue} t{t.need.tier} {t.need.urgency}" if t.need
            else f"escalate t{t.escalate.tier or '-'} {t.escalate.urgency or ''}".rstrip() if t.escalate
            else f"letter {t.letter.kind}" if t.letter
            else "contradiction"
        )  # fmt: skip
        until = r.effective_to.isoformat() if r.effective_to else ""
        typer.echo(f"{r.id}\t{r.effective_from}..{until}\t{finding}\t{r.title}")


@rules_app.command("show")
def rules_show(rule_id: str, ruleset: RulesetOpt = None) -> None:
    """Show one rule: its condition in plain words, finding, sources and dates."""
    from triage.rulesets.conditions import describe

    engine = _engine(ruleset)
    versions = [r for r in engine.ruleset.rules if r.id == rule_id]
    if not versions:
        fail(f"no rule with id {rule_id!r} (see `triage rules list`)")
    for r in versions:
        typer.echo(f"{r.id}  ({r.file}:{r.line})")
        typer.echo(f"  {r.title}")
        if r.explain:
            typer.echo(f"  {r.explain.strip()}")
        typer.echo(f"  In force: {r.effective_from} to {r.effective_to or 'now'}")
        typer.echo(f"  When: {describe(r.condition)}")
        if r.on_unknown == "fire":
            typer.echo("  Also fires when a fact it tests is unknown (safety first).")
        typer.echo(f"  Then: {r.then.model_dump(exclude_none=True)}")
        for s in r.source:
            typer.echo(f"  Source ({s.kind}): {s.title} <{s.url}>")


@rules_app.command("test")
def rules_test(ruleset: RulesetOpt = None) -> None:
    """Run the golden cases; check every rule fires and is decisive somewhere."""
    from triage.golden import GoldenError, run_golden

    engine = _engine(ruleset)
    try:
        report = run_golden(engine)
    except GoldenError as exc:
        fail(str(exc))
    for m in report.mismatches:
        typer.echo(str(m))
    for rid in report.never_fired:
        typer.echo(f"rule {rid}: fires in no golden case")
    for rid in report.never_decisive:
        if rid not in report.never_fired:
            typer.echo(f"rule {rid}: decisive in no golden case")
    typer.echo(
        f"{report.cases} cases: {report.cases - len(report.mismatches)} passed, "
        f"{len(report.mismatches)} failed; {len(report.rule_ids)} rules, "
        f"{len(report.never_fired)} never fired, {len(report.never_decisive)} never decisive"
    )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the web app and API (default 127.0.0.1:8000)."""
    import uvicorn

    _engine(None)  # fail fast, with one line, on a broken rule set
    from triage.store.db import prepare_default_store

    try:
        db = prepare_default_store()
    except Exception as exc:  # a locked or unreachable database: one line, not a traceback
        fail(f"could not prepare the case store: {exc}")
    typer.echo(f"triage: case store ready: {db.engine.url.render_as_string(hide_password=True)}")
    typer.echo(f"triage: serving on http://{host}:{port} (web pages at /, API docs at /docs)")
    uvicorn.run("api.app:app", host=host, port=port, log_level="info")


# --- sub-commands of other modules (one add_typer line each, imported here to keep
# start-up of the core commands independent of their heavier dependencies) ---
from triage.cli_groups import cases_app  # noqa: E402

app.add_typer(cases_app, name="cases")  # shared `triage cases` group: generate, replay, export
from triage.cli_audit import register as _register_audit  # noqa: E402

_register_audit(rules_app, cases_app)  # rules lint|explain|coverage|diff|report|versions; cases generate
from triage.cli_ask import ask  # noqa: E402, I001
app.command("ask")(ask)  # the link-worker questionnaire in the terminal (issue 3)
from triage.cli_letters import letters_app  # noqa: E402, I001
app.add_typer(letters_app, name="letters")  # letters render|list: HTML, PDF and Word (issue 5)
from triage.cli_store import db_app, directory_app, register as _register_store  # noqa: E402, I001
app.add_typer(directory_app, name="directory")  # directory import|export (issue 4)
app.add_typer(db_app, name="db")  # db upgrade|current|seed (issue 4)
_register_store(cases_app)  # cases export --pseudonymised, cases erase (issue 4)
from triage.cli_api import keys_app, outbox_app  # noqa: E402, I001
app.add_typer(keys_app, name="keys")  # API keys create|revoke|list|orgs (issue 7)
app.add_typer(outbox_app, name="outbox")  # webhook outbox deliver|list|webhook (issue 7)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
