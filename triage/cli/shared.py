"""What every command module shares: the one-line error, rule-set and store options, reading a case.

No command module imports ``triage.cli.main``; ``main`` imports them.

``triage cases ...`` holds commands from more than one module (the audit
toolkit's ``generate`` and ``replay``, the store's ``export``); each module adds
its commands to this one group, and ``triage/cli/main.py`` registers it once.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from triage.rulesets.loader import RuleSetError
from triage.rulesets.yaml_lines import YamlFileError, load_yaml_text

if TYPE_CHECKING:
    from triage.store.db import Database


RulesetOpt = Annotated[Path | None, typer.Option("--ruleset", help="Rule-set folder (default: bundled England rules).")]


def fail(message: str) -> NoReturn:
    """One line on stderr, exit code 2."""
    typer.echo(f"triage: error: {message}", err=True)
    raise typer.Exit(2)


def load_engine(ruleset: Path | None, as_of: date | None = None) -> Any:
    """The engine for ``ruleset``; without one, the installed version in force on ``as_of``."""
    from triage.engine.engine import Engine
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


def parse_day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what}: expected a date as YYYY-MM-DD, got {value!r}")


def read_case(source: str) -> tuple[dict[str, Any], date | None]:
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


cases_app = typer.Typer(help="Case corpora and stored cases: generate, export, replay.", no_args_is_help=True)

UrlOpt = Annotated[
    str | None, typer.Option("--database-url", help="Database URL (default: TRIAGE_DATABASE_URL, else var/).")
]


def open_store(url: str | None) -> Database:
    """The case store at ``url`` (default: the configured one), migrated; one error line and exit 2 if not."""
    from triage.store.db import Database, StoreConfigError

    try:
        db = Database.from_url(url)
        db.migrate()
    except StoreConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # connection refused, bad credentials...
        fail(f"database: cannot open or migrate: {str(exc).splitlines()[0]}")
    return db
