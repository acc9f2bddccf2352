"""``triage keys`` (API keys) and ``triage outbox`` (webhook delivery) commands.

The store is the one ``--database-url`` or ``TRIAGE_DATABASE_URL`` names, else
the SQLite file in the service's state folder; it is migrated first.
"""

from __future__ import annotations

import json
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from triage.cli.shared import UrlOpt, fail, open_store

if TYPE_CHECKING:
    from triage.store.db import Database

keys_app = typer.Typer(help="API keys: create (shown once), revoke, list.", no_args_is_help=True)
outbox_app = typer.Typer(help="Outcome webhooks: deliver the outbox, list it, set a webhook.", no_args_is_help=True)


def _org_id(db: Database, ref: str) -> str:
    from triage.casework.apikeys import find_organisation
    from triage.store.errors import StoreError

    try:
        return find_organisation(db, ref).id
    except StoreError as exc:
        fail(f"--{exc}")


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organisation id, or a name that matches exactly one.")],
    role: Annotated[str, typer.Option("--role", help="referrer, agency, auditor or admin.")],
    name: Annotated[str | None, typer.Option("--name", help="What the key is for, e.g. 'ward system'.")] = None,
    database_url: UrlOpt = None,
) -> None:
    """Make an API key. The key is printed once, on stdout; only its hash is stored."""
    from triage.casework.apikeys import API_ROLES, create_key
    from triage.store.errors import StoreError

    if role not in API_ROLES:
        fail(f"--role: expected one of {', '.join(API_ROLES)}, got {role!r}")
    db = open_store(database_url)
    try:
        info, key = create_key(db, _org_id(db, org), role, name)
    except StoreError as exc:
        fail(f"--{exc}")
    typer.echo(f"created key {info.id} ({info.role}, {info.organisation_name}): store it now, it is not shown again",
               err=True)  # fmt: skip
    typer.echo(key)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (or its prefix).")], database_url: UrlOpt = None
) -> None:
    """Revoke a key: it stops working at once."""
    from triage.casework.apikeys import revoke_key
    from triage.store.errors import StoreError

    db = open_store(database_url)
    try:
        info = revoke_key(db, key_id)
    except StoreError as exc:
        fail(str(exc))
    assert info.revoked_at is not None
    typer.echo(f"revoked key {info.id} ({info.role}, {info.organisation_name}) at {info.revoked_at.isoformat()}")


@keys_app.command("list")
def keys_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
    database_url: UrlOpt = None,
) -> None:
    """Every key: id, prefix, role, organisation, name, created, revoked. Never the secret."""
    from triage.casework.apikeys import list_keys

    db = open_store(database_url)
    keys = list_keys(db, _org_id(db, org) if org else None)
    for k in keys:
        if as_json:
            typer.echo(k.model_dump_json())
        else:
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            typer.echo(f"{k.id}  tjk_{k.prefix}_…  {k.role:<8}  {state:<18}  {k.organisation_name}  ({k.name})")


@keys_app.command("orgs")
def keys_orgs(database_url: UrlOpt = None) -> None:
    """The organisations keys can be made for: id, kind, name."""
    from sqlmodel import select

    from triage.store.models import Organisation

    db = open_store(database_url)
    with db.transaction() as s:
        for o in s.exec(select(Organisation).order_by(Organisation.name)):
            typer.echo(f"{o.id}  {o.kind:<20}  {o.name}")


@outbox_app.command("deliver")
def outbox_deliver(
    once: Annotated[bool, typer.Option("--once", help="One pass over what is due now, then stop.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between passes.", min=0.05)] = 2.0,
    database_url: UrlOpt = None,
) -> None:
    """Deliver due webhook events, with retries and back-off. Safe to run in several processes."""
    from triage.casework.webhooks import OutboxWorker

    db = open_store(database_url)
    worker = OutboxWorker(db)
    if once:
        report = worker.deliver_due()
        typer.echo(f"delivered {report.delivered}, failed {report.failed} (will retry), gave up {report.gave_up}")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"triage: delivering the outbox every {interval:g} s (Ctrl-C to stop)", err=True)
    worker.run(stop, interval)


@outbox_app.command("list")
def outbox_list(
    undelivered: Annotated[bool, typer.Option("--undelivered", help="Only events not yet delivered.")] = False,
    dead: Annotated[bool, typer.Option("--dead", help="Only dead events (retries used up): to look into.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    database_url: UrlOpt = None,
) -> None:
    """Outbox events, newest first, as JSON lines (ids and codes only)."""
    from triage.casework.webhooks import list_events

    for e in list_events(open_store(database_url), undelivered, limit, state="dead" if dead else None):
        typer.echo(json.dumps(e.model_dump(mode="json"), sort_keys=True))


@outbox_app.command("retry")
def outbox_retry(
    event_id: Annotated[int, typer.Argument(help="A dead event's id (see `triage outbox list --dead`).")],
    database_url: UrlOpt = None,
) -> None:
    """Send a dead event again, with the same delivery id and fresh attempts."""
    from triage.casework.webhooks import retry_dead
    from triage.store.errors import StoreError

    try:
        e = retry_dead(open_store(database_url), event_id)
    except StoreError as exc:
        fail(str(exc))
    typer.echo(json.dumps(e.model_dump(mode="json"), sort_keys=True))


@outbox_app.command("webhook")
def outbox_webhook(
    org: Annotated[str, typer.Option("--org", help="Organisation id, or a name that matches exactly one.")],
    url: Annotated[str | None, typer.Option("--url", help="https:// address to receive events.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Stop sending this organisation events.")] = False,
    database_url: UrlOpt = None,
) -> None:
    """Set an organisation's webhook URL and print a new signing secret (shown once)."""
    from triage.casework.webhooks import set_webhook
    from triage.store.errors import StoreError

    if (url is None) == (not clear):
        fail("--url: give a URL, or --clear")
    db = open_store(database_url)
    try:
        secret = set_webhook(db, _org_id(db, org), None if clear else url)
    except StoreError as exc:
        fail(f"--{exc}")
    if secret is None:
        typer.echo("webhook cleared")
    else:
        typer.echo("webhook set; signing secret (store it now, it is not shown again):", err=True)
        typer.echo(secret)
