"""The audit toolkit's commands: ``triage rules lint|explain|coverage|diff|report|versions|outcomes``
and ``triage cases generate|replay``.

A thin shell around ``triage.audit``; :func:`register` adds the commands to
the ``rules`` group and the shared ``cases`` group (``triage/cli/shared.py``).
Heavy imports happen inside each command so ``triage --help`` stays quick.
Exit codes: 0 clean; 1 findings or changes CI should fail on; 2 bad input.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

RulesetOpt = Annotated[
    str | None,
    typer.Option("--ruleset", help="Rule-set folder or installed version (default: bundled England rules)."),
]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Assess as on this day (YYYY-MM-DD).")]
FormatOpt = Annotated[str, typer.Option("--format", help="text or json.")]
ProcessesOpt = Annotated[int | None, typer.Option("--processes", help="Worker processes (default: all cores).")]


def _fail(message: str) -> NoReturn:
    from triage.cli.shared import fail

    fail(message)


def _day(value: str | None, what: str = "--as-of") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{what}: expected a date as YYYY-MM-DD, got {value!r}")


def _format(fmt: str) -> str:
    if fmt not in ("text", "json"):
        _fail(f"--format: expected text or json, got {fmt!r}")
    return fmt


def _ruleset_path(spec: str | None, what: str = "--ruleset") -> Path | None:
    """A folder as given, or the folder of an installed version of England named by version."""
    if spec is None:
        return None
    path = Path(spec)
    if path.is_dir():
        return path
    from triage.rulesets.registry import RegistryError, select

    try:
        return select("england", version=spec)
    except RegistryError as exc:
        _fail(f"{what}: {spec!r} is neither a rule-set folder nor an installed version ({exc})")


def _engine(spec: str | None, what: str = "--ruleset") -> Any:
    from triage.engine.engine import Engine
    from triage.rulesets.loader import RuleSetError

    try:
        return Engine.default(_ruleset_path(spec, what))
    except RuleSetError as exc:
        more = f" (and {len(exc.problems) - 1} more problems)" if len(exc.problems) > 1 else ""
        _fail(f"{what}: {exc.problems[0] if exc.problems else 'invalid rule set'}{more}")


def _corpus(folder: Path) -> Any:
    from triage.audit.corpus import CorpusError, read_corpus

    try:
        return read_corpus(folder)
    except CorpusError as exc:
        _fail(f"--cases: {exc}")


# ---------------------------------------------------------------- rules ...


def rules_lint(
    ruleset: RulesetOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    fmt: FormatOpt = "text",
) -> None:
    """Check a rule set for contradictions, shadowed rules, weak sources, date gaps and more.

    Exit 1 when there are errors (or warnings with --strict), else 0.
    """
    from triage.audit.lint import lint

    _format(fmt)
    path = _ruleset_path(ruleset)
    try:
        report = lint(path)
    except FileNotFoundError as exc:
        _fail(f"--ruleset: {exc}")
    if fmt == "json":
        typer.echo(report.to_json())
    else:
        for f in report.findings:
            typer.echo(str(f))
        for note in report.notes:
            typer.echo(f"note: {note}")
        typer.echo(f"{report.rules_checked} rules checked: {report.count('error')} errors, "
                   f"{report.count('warning')} warnings, {report.count('info')} notes for audit")  # fmt: skip
    if report.failed(strict):
        raise typer.Exit(1)


def rules_explain(
    case: Annotated[str, typer.Argument(help="Case facts (YAML or JSON, optionally {as_of, facts}); - reads stdin.")],
    as_of: AsOfOpt = None,
    ruleset: RulesetOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """Trace a case: the rules that fired with the facts they used, and the near misses."""
    import json

    from triage.audit.explain import explain, render
    from triage.cli.shared import read_case
    from triage.facts import FactsError, parse_facts

    _format(fmt)
    raw, file_as_of = read_case(case)
    day = _day(as_of) or file_as_of
    if day is None:
        _fail(f"{case}: no as_of in the file; give --as-of")
    try:
        facts = parse_facts(raw, "stdin" if case == "-" else case)
    except FactsError as exc:
        _fail(str(exc))
    ex = explain(_engine(ruleset), facts, day)
    typer.echo(json.dumps(ex.as_dict(), indent=2, default=str) if fmt == "json" else render(ex), nl=fmt == "json")


def rules_coverage(
    cases: Annotated[Path, typer.Option("--cases", help="Folder of cases (see `triage cases generate`).")],
    ruleset: RulesetOpt = None,
    as_of: AsOfOpt = None,
    processes: ProcessesOpt = None,
    fmt: FormatOpt = "text",
) -> None:
    """How often each rule fired on a corpus of cases; rules that never fired."""
    from triage.audit.corpus import CorpusError
    from triage.audit.coverage import coverage, render

    _format(fmt)
    engine = _engine(ruleset)
    try:
        report = coverage(engine, _corpus(cases), _day(as_of), processes)
    except CorpusError as exc:
        _fail(f"--cases: {exc}")
    typer.echo(report.to_json() if fmt == "json" else render(report), nl=fmt == "json")


def rules_diff(
    old: Annotated[str, typer.Argument(help="The old rule set: a folder or an installed version.")],
    new: Annotated[str, typer.Argument(help="The new rule set: a folder or an installed version.")],
    cases: Annotated[Path, typer.Option("--cases", help="Folder of cases to assess under both.")],
    as_of: AsOfOpt = None,
    fail_on_change: Annotated[bool, typer.Option("--fail-on-change", help="Exit 1 if any case changes.")] = False,
    processes: ProcessesOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Changed cases to list in text output.")] = 200,
    fmt: FormatOpt = "text",
) -> None:
    """Per case, what changes between two rule sets: needs, tiers, urgency and deadlines."""
    from triage.audit.corpus import CorpusError
    from triage.audit.diff import diff, render

    _format(fmt)
    day = _day(as_of)
    old_path, new_path = _ruleset_path(old, "OLD"), _ruleset_path(new, "NEW")  # fail fast, before loading
    records = _corpus(cases)
    old_engine, new_engine = _engine(str(old_path), "OLD"), _engine(str(new_path), "NEW")
    try:
        report = diff(old_engine, new_engine, records, day, processes)
    except CorpusError as exc:
        _fail(f"--cases: {exc}")
    typer.echo(report.to_json() if fmt == "json" else render(report, limit), nl=fmt == "json")
    if fail_on_change and report.changed:
        raise typer.Exit(1)


def rules_report(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    ruleset: RulesetOpt = None,
    previous: Annotated[
        str | None,
        typer.Option("--previous", help="Compare with this folder or version (default: the previous installed)."),
    ] = None,
) -> None:
    """Write the rule set as one readable HTML document, by area, with changes since the previous version."""
    from triage.audit.report import render_report
    from triage.rulesets.registry import RegistryError, previous_version

    engine = _engine(ruleset)
    prev_rs = None
    if previous is not None:
        prev_rs = _engine(previous, "--previous").ruleset
    else:
        try:
            found = previous_version(engine.ruleset.name, engine.ruleset.version, engine.ruleset.root.parent)
        except RegistryError as exc:
            _fail(str(exc))
        if found is not None:
            prev_rs = _engine(str(found.path), "previous version").ruleset
    try:
        out.write_text(render_report(engine, prev_rs), encoding="utf-8")
    except OSError as exc:
        _fail(f"--out: cannot write {out}: {exc.strerror}")
    typer.echo(
        f"wrote {out} ({engine.ruleset.name} {engine.ruleset.version}"
        + (f", compared with {prev_rs.version})" if prev_rs else ", no previous version installed)")
    )


def rules_versions(
    region: Annotated[str, typer.Option("--region", help="Rule-set name.")] = "england",
    as_of: AsOfOpt = None,
) -> None:
    """List installed rule-set versions and which is in force (today, or on --as-of)."""
    from triage.rulesets.registry import RegistryError, installed, select_version

    day = _day(as_of) or date.today()
    try:
        versions = installed(region)
        current = select_version(region, as_of=day) if versions else None
    except RegistryError as exc:
        _fail(str(exc))
    if not versions:
        _fail(f"no rule set for {region!r} is installed")
    for v in versions:
        mark = "*" if current is not None and v.path == current.path else " "
        typer.echo(f"{mark} {v.version}\tin force from {v.in_force_from}\t{v.path}")


# ---------------------------------------------------------------- cases ...


def cases_generate(
    n: Annotated[int, typer.Argument(help="How many cases.", min=1, max=10_000_000)],
    out: Annotated[Path, typer.Option("--out", help="Folder to write (must hold no earlier corpus).")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same cases.")] = 1,
    as_of: AsOfOpt = None,
    ruleset: RulesetOpt = None,
    distributions: Annotated[
        Path | None,
        typer.Option("--distributions", help="Distributions file (default rules/synth/distributions.yaml)."),
    ] = None,
) -> None:
    """Generate a synthetic, realistic corpus of case facts (fictional people) for audits."""
    from triage.audit.corpus import CorpusError, write_corpus
    from triage.audit.synth import DistributionsError, corpus_generator, default_distributions_path, load_distributions

    try:
        dist = load_distributions(distributions)
    except DistributionsError as exc:
        _fail(f"--distributions: {exc}")
    engine = _engine(ruleset)
    gen = corpus_generator(engine.ruleset, _day(as_of), dist)
    manifest = {
        "generator": "triage.audit.synth.generate_corpus", "seed": seed, "as_of": gen.as_of.isoformat(),
        "ruleset": {"name": engine.ruleset.name, "version": engine.ruleset.version, "hash": engine.ruleset.hash},
        "distributions": str(distributions or default_distributions_path()),
        "issues_covered": gen.issues, "issues_without_need_rules": gen.uncovered,
    }  # fmt: skip
    try:
        count = write_corpus((gen.case(seed, i) for i in range(n)), out, manifest)
    except CorpusError as exc:
        _fail(f"--out: {exc}")
    except OSError as exc:
        _fail(f"--out: cannot write {out}: {exc.strerror}")
    covered = min(count, len(gen.issues))
    typer.echo(f"wrote {count} cases to {out} (seed {seed}, as of {gen.as_of}); "
               f"{covered} of {len(gen.issues)} issues built in turn first")  # fmt: skip
    if gen.uncovered:
        typer.echo(f"note: no need rule in force for {', '.join(gen.uncovered)}: not generated")


DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL (default: the service's store).")]
OrgOpt = Annotated[
    str, typer.Option("--organisation", help="Act for this organisation id: only its cases and referrals are read.")
]


def _store(url: str | None) -> Any:
    from triage.store.db import Database, StoreConfigError

    try:
        return Database.from_url(url)
    except (StoreConfigError, ValueError) as exc:
        _fail(f"--db: {exc}")


def _auditor(organisation: str) -> Any:
    from triage.store.audit import Actor

    return Actor(user_id=None, organisation_id=organisation, role="auditor")


def cases_replay(
    case_id: Annotated[str, typer.Argument(help="The stored case's id.")],
    organisation: OrgOpt,
    db: DbOpt = None,
) -> None:
    """Re-run a stored decision with the rule set and as_of it was made with; show it is identical.

    Exit 1 when the replay differs (what differs and why is printed), 0 when identical.
    """
    from triage.audit.replay import replay_case
    from triage.store.errors import NotFound

    try:
        result = replay_case(_store(db), _auditor(organisation), case_id)
    except NotFound as exc:
        _fail(str(exc))
    typer.echo(result.render(), nl=False)
    if not result.identical:
        raise typer.Exit(1)


def rules_outcomes(organisation: OrgOpt, db: DbOpt = None) -> None:
    """Per rule and per tier: referrals, acceptance rate, decline codes and outcomes."""
    from triage.audit.outcomes import outcomes, render

    typer.echo(render(outcomes(_store(db), _auditor(organisation))), nl=False)


def register(rules_app: typer.Typer, cases_app: typer.Typer) -> None:
    """Add the audit commands to the ``rules`` and ``cases`` groups."""
    rules_app.command("lint")(rules_lint)
    rules_app.command("explain")(rules_explain)
    rules_app.command("coverage")(rules_coverage)
    rules_app.command("diff")(rules_diff)
    rules_app.command("report")(rules_report)
    rules_app.command("versions")(rules_versions)
    rules_app.command("outcomes")(rules_outcomes)
    cases_app.command("generate")(cases_generate)
    cases_app.command("replay")(cases_replay)
