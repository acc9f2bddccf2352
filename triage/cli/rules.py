"""``triage rules validate|list|show|test``: inspect a rule set and run its golden cases."""

from __future__ import annotations

from typing import Annotated

import typer

from triage.cli.shared import RulesetOpt, fail, load_engine, parse_day
from triage.rulesets.loader import RuleSetError

rules_app = typer.Typer(help="Inspect and test rule sets.", no_args_is_help=True)


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
    engine = load_engine(ruleset)
    day = parse_day(as_of, "--as-of")
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

    engine = load_engine(ruleset)
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
    from triage.audit.golden import GoldenError, run_golden

    engine = load_engine(ruleset)
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
