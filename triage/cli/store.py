"""``triage directory``, ``triage db`` and the store's ``triage cases`` commands.

The store is the one ``TRIAGE_DATABASE_URL`` names, else the SQLite file in the
service's state folder; every command migrates it first, so the first command
run on a new machine creates it.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated

import typer

from triage.cli.shared import UrlOpt, fail, open_store

directory_app = typer.Typer(help="The advice agency directory: import and export.", no_args_is_help=True)
db_app = typer.Typer(help="The case store: migrate, show revision, seed demo data.", no_args_is_help=True)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror}")


@directory_app.command("import")
def directory_import(
    file: Annotated[Path, typer.Argument(help="Directory file: .yaml/.yml or .csv.")],
    database_url: UrlOpt = None,
) -> None:
    """Validate a directory file and add or update its agencies by id (all or nothing)."""
    from triage.routing import directory
    from triage.store import agencies

    try:
        entries = directory.read_file(file)
    except directory.DirectoryError as exc:
        if len(exc.problems) == 1:
            fail(str(exc.problems[0]))
        for p in exc.problems:
            typer.echo(str(p), err=True)
        fail(f"{file}: {len(exc.problems)} problems; nothing imported")
        return
    db = open_store(database_url)
    with db.transaction() as s:
        added, updated = agencies.save(s, entries)
    typer.echo(f"{file}: {len(entries)} agencies ({added} added, {updated} updated)")


@directory_app.command("export")
def directory_export(
    fmt: Annotated[str, typer.Option("--format", help="yaml or csv.")] = "yaml",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    database_url: UrlOpt = None,
) -> None:
    """Print the directory as YAML or CSV (the same formats import reads)."""
    from triage.routing import directory
    from triage.store import agencies

    if fmt not in ("yaml", "csv"):
        fail(f"--format: expected yaml or csv, got {fmt!r}")
    db = open_store(database_url)
    with db.transaction() as s:
        entries = agencies.all_entries(s)
    _write(directory.to_yaml(entries) if fmt == "yaml" else directory.to_csv(entries), output)


@db_app.command("upgrade")
def db_upgrade(database_url: UrlOpt = None) -> None:
    """Create the store or migrate it to the newest revision."""
    db = open_store(database_url)
    typer.echo(f"database at revision {db.revision()}")


@db_app.command("current")
def db_current(database_url: UrlOpt = None) -> None:
    """Show the store's revision without changing anything."""
    from triage.store.db import Database, head_revision

    db = Database.from_url(database_url)
    try:
        rev = db.revision()
    except Exception as exc:
        fail(f"database: cannot open: {str(exc).splitlines()[0]}")
        return
    typer.echo(f"{rev or '(empty)'} (newest: {head_revision()})")


def backup_cmd(
    file: Annotated[Path, typer.Argument(help="A new file to write the backup to (readable by you only).")],
    database_url: UrlOpt = None,
) -> None:
    """Back up the store: SQLite's online backup, or pg_dump of PostgreSQL's schema."""
    from triage.store.backup import BackupError, backup
    from triage.store.db import Database

    db = Database.from_url(database_url)
    try:
        backup(db, file)
    except BackupError as exc:
        fail(str(exc))
    finally:
        db.dispose()
    typer.echo(f"backup written to {file}")


def restore_cmd(
    file: Annotated[Path, typer.Argument(help="A backup made by `triage backup`.")],
    database_url: UrlOpt = None,
) -> None:
    """Restore a backup into an empty store (never over one that holds tables)."""
    from triage.store.backup import BackupError, restore
    from triage.store.db import Database

    db = Database.from_url(database_url)
    try:
        restore(db, file)
    except BackupError as exc:
        fail(str(exc))
    finally:
        db.dispose()
    typer.echo(f"restored {file}; check it with `triage db current`")


@db_app.command("seed")
def db_seed(database_url: UrlOpt = None) -> None:
    """Demo mode, explicitly: seed the fictional directory and demo users if the store has none."""
    from triage.casework.demo import seed_demo

    agencies, users = seed_demo(open_store(database_url))
    typer.echo(f"seeded {agencies} agencies and {users} users")


def cases_export(
    pseudonymised: Annotated[
        bool, typer.Option("--pseudonymised", help="Required: export codes and counts under pseudonyms only.")
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", help="Secret key for stable pseudonyms across exports (default: a fresh random key)."
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write JSON lines here.")] = None,
    database_url: UrlOpt = None,
) -> None:
    """Export every stored case for evaluation, one JSON line each, with no personal data."""
    from triage.casework.erasure import export_pseudonymised

    if not pseudonymised:
        fail("--pseudonymised: only pseudonymised export is offered; add --pseudonymised")
    key = secrets.token_bytes(32)
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            fail(f"{key_file}: cannot read: {exc.strerror}")
        if len(key) < 16:
            fail(f"{key_file}: the key must be at least 16 bytes")
    rows = export_pseudonymised(open_store(database_url), key)
    _write("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), output)


def cases_erase(
    case_id: Annotated[str, typer.Argument(help="The case id to erase.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    database_url: UrlOpt = None,
) -> None:
    """Erase a person's case: personal data removed from every table, counts kept."""
    from triage.casework.erasure import erase_case_as_operator
    from triage.store.errors import NotFound

    if not yes:
        fail("erase: add --yes to confirm (erasure cannot be undone)")
    try:
        touched = erase_case_as_operator(open_store(database_url), case_id)
    except NotFound as exc:
        fail(str(exc))
        return
    typer.echo(f"case {case_id} erased: " + ", ".join(f"{t} {n}" for t, n in sorted(touched.items())))


def cases_retention(
    apply: Annotated[bool, typer.Option("--apply", help="Erase the cases listed (default: a dry run).")] = False,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Quiet days before erasure (default TRIAGE_RETENTION_DAYS).")
    ] = None,
    database_url: UrlOpt = None,
) -> None:
    """Closed cases quiet for the retention period: listed (dry run), or erased with --apply."""
    from triage.casework import retention
    from triage.settings import settings

    period = days or settings().retention_days
    db = open_store(database_url)
    done = retention.apply(db, period) if apply else retention.report(db, period)
    for case in done.due:
        typer.echo(json.dumps(case.model_dump(mode="json"), sort_keys=True))
    verb = "erased" if apply else "would erase (dry run; add --apply)"
    typer.echo(f"retention {period} days: {verb} {len(done.due)} closed cases quiet since {done.cutoff:%Y-%m-%d}",
               err=True)  # fmt: skip


def register(cases_app: typer.Typer) -> None:
    """Add ``export``, ``erase`` and ``retention`` to the shared ``triage cases`` group."""
    cases_app.command("export")(cases_export)
    cases_app.command("erase")(cases_erase)
    cases_app.command("retention")(cases_retention)


__all__ = ["db_app", "directory_app", "register"]
