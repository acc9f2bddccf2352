"""``triage users create|list``: the first administrator of a real deployment, and users after it.

The password is read from a prompt (typed twice, not echoed) or, for scripts, from
standard input with ``--password-stdin``; it is never an argument, which would
land in shell history and process lists.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from triage.cli.shared import UrlOpt, fail, open_store

users_app = typer.Typer(help="Users who sign in: create the first administrator, list users.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option("--email", help="Sign-in email address.")],
    name: Annotated[str, typer.Option("--name", help="Name shown on pages and letters.")],
    organisation: Annotated[str, typer.Option("--organisation", help="Organisation name (made if new).")],
    role: Annotated[str, typer.Option("--role", help="admin, referrer, adviser or auditor.")] = "admin",
    kind: Annotated[
        str, typer.Option("--organisation-kind", help="Kind of a new organisation, e.g. partnership, gp_practice.")
    ] = "partnership",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    database_url: UrlOpt = None,
) -> None:
    """Create a user; with ``--role admin`` on an empty store, the deployment's first administrator."""
    from triage.casework.accounts import create_user
    from triage.store.errors import StoreError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = open_store(database_url)
    try:
        user = create_user(db, email, name, role, password, organisation, kind)
    except StoreError as exc:
        fail(str(exc))
    typer.echo(f"created {user.role} {user.email} ({user.id})")


@users_app.command("list")
def users_list(database_url: UrlOpt = None) -> None:
    """Every user: email, role, organisation, active."""
    from sqlmodel import select

    from triage.store.models import Organisation, User

    db = open_store(database_url)
    with db.transaction() as s:
        rows = s.exec(select(User, Organisation).join(Organisation).order_by(User.email)).all()
        for user, org in rows:
            typer.echo(f"{user.email}\t{user.role}\t{org.name}\t{'active' if user.active else 'inactive'}")
