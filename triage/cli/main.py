"""The ``triage`` command line: a thin shell around the library.

This module only assembles the app: each command group lives in its own module
and none of them imports this one back. Bad input always ends with one line
naming the problem and exit code 2.
"""

from __future__ import annotations

import typer

from triage.cli.api import keys_app, outbox_app
from triage.cli.ask import ask
from triage.cli.assess import assess, demo
from triage.cli.audit import register as register_audit
from triage.cli.letters import letters_app
from triage.cli.rules import rules_app
from triage.cli.serve import serve
from triage.cli.shared import cases_app
from triage.cli.store import backup_cmd, db_app, directory_app, restore_cmd
from triage.cli.store import register as register_store
from triage.cli.users import users_app
from triage.cli.worker import worker

app = typer.Typer(
    help="Health justice advice triage: assess a person's answers against dated rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(assess)
app.command()(demo)
app.command()(serve)
app.command()(worker)  # the background jobs: webhook delivery
app.command("backup")(backup_cmd)  # SQLite online backup or pg_dump
app.command("restore")(restore_cmd)  # into an empty store only
app.command("ask")(ask)  # the link-worker questionnaire in the terminal
app.add_typer(rules_app, name="rules")  # validate|list|show|test, then the audit toolkit's commands
app.add_typer(cases_app, name="cases")  # shared group: generate, replay, export, erase
register_audit(rules_app, cases_app)
register_store(cases_app)
app.add_typer(letters_app, name="letters")  # render|list: HTML, PDF and Word
app.add_typer(directory_app, name="directory")  # import|export
app.add_typer(db_app, name="db")  # upgrade|current|seed
app.add_typer(users_app, name="users")  # create|list: the first administrator
app.add_typer(keys_app, name="keys")  # API keys create|revoke|list|orgs
app.add_typer(outbox_app, name="outbox")  # webhook outbox deliver|list|retry|webhook


def main() -> None:
    app()


if __name__ == "__main__":
    main()
