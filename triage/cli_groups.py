"""Command groups shared by several modules' sub-commands.

``triage cases ...`` holds commands from more than one module (the audit
toolkit's ``generate`` and ``replay``, the store's ``export``); each module adds
its commands to this one group, and ``triage/cli.py`` registers it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from triage.store.db import Database

cases_app = typer.Typer(help="Case corpora and stored cases: generate, export, replay.", no_args_is_help=True)

UrlOpt = Annotated[
    str | None, typer.Option("--database-url", help="Database URL (default: TRIAGE_DATABASE_URL, else var/).")
]


def open_store(url: str | None) -> Database:
    """The case store at ``url`` (default: the configured one), migrated; one error line and exit 2 if not."""
    from triage.cli import fail
    from triage.store.db import Database, StoreConfigError

    try:
        db = Database.from_url(url)
        db.migrate()
    except StoreConfigError as exc:
        fail(str(exc))
    except Exception as exc:  # connection refused, bad credentials...
        fail(f"database: cannot open or migrate: {str(exc).splitlines()[0]}")
    return db
