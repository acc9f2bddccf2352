"""``triage serve``: the web app and API, in one process or several workers.

Every piece of state a request leaves behind is in the store or Redis (sessions, drafts,
idempotency keys, the outbox; rate-limit and sign-in counters with ``TRIAGE_REDIS_URL``), so
``--workers N`` is safe against PostgreSQL; without Redis each worker would count limits by
itself, so several workers need it."""

from __future__ import annotations

from typing import Annotated

import typer

from triage.cli.shared import fail, load_engine


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Demo mode: seed fictional agencies, organisations and users into an empty store."),
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (several need TRIAGE_REDIS_URL).", min=1)] = 1,
) -> None:
    """Serve the web app and API (default 127.0.0.1:8000)."""
    import uvicorn

    from triage.casework.accounts import user_count
    from triage.casework.service_store import StoreNotReady, prepare_service_store
    from triage.settings import settings

    load_engine(None)  # fail fast, with one line, on a broken rule set
    config = settings()
    demo = demo or config.demo
    if workers > 1 and not config.redis_url:
        fail("--workers: several workers need TRIAGE_REDIS_URL, or each would keep its own rate limits")
    if workers > 1 and not (config.database_url or "").startswith("postgresql"):
        fail("--workers: several workers need a PostgreSQL TRIAGE_DATABASE_URL (SQLite takes one writer at a time)")
    try:
        db, (agencies, users) = prepare_service_store(demo=demo)
    except StoreNotReady as exc:
        fail(f"{exc} (a real deployment migrates at deploy, never when it starts)")
    except Exception as exc:  # a locked or unreachable database: one line, not a traceback
        fail(f"could not prepare the case store: {exc}")
    typer.echo(f"triage: case store ready: {db.engine.url.render_as_string(hide_password=True)}")
    if demo:
        from triage.paths import var_dir

        typer.echo(
            "triage: DEMO MODE: fictional agencies, organisations and users "
            f"(seeded now: {agencies} agencies, {users} users; sign-in details in {var_dir() / 'demo-users.txt'}). "
            "Never use demo mode with real people's data."
        )
    elif user_count(db) == 0:
        typer.echo("triage: no users yet: make the first administrator with `triage users create --role admin`")
    typer.echo(f"triage: serving on http://{host}:{port} (web pages at /, API docs at /docs)")
    if demo:
        # The workers (fresh processes) read the environment: demo mode must reach them too.
        from triage.settings import pass_to_worker_processes

        pass_to_worker_processes(demo="1")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info", workers=workers)
