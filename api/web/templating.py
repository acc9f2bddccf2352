"""Shared page rendering: one Jinja2 environment with the NHS.UK frontend macros.

Every router that renders HTML uses :func:`render` with a template that extends
``layout.html``. The layout's blocks are a stable contract:

* ``pageTitle`` - the text of ``<title>``: put the page's own heading first,
  e.g. ``{% block pageTitle %}Your cases - {{ super() }}{% endblock %}``;
* ``beforeContent`` - above ``<main>``: back links and breadcrumbs;
* ``content`` - the page itself, inside ``<main id="maincontent">``;
* ``head`` - extra tags in ``<head>``; ``bodyEnd`` - extra scripts.

Context the layout reads (all optional): ``header_navigation`` (a list of
``{"href", "text", "current"}``), ``quick_exit`` (show the leave-this-site
control, for pages about domestic abuse), ``session_timeout`` (seconds until an
idle session ends; shows a warning with JavaScript), ``lang`` (page language).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader

from api.sessions import IDLE_TIMEOUT_SECONDS

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
SERVICE_NAME = "Health justice triage"
# A neutral page the quick-exit control leaves to; it must not hint at the service. The control
# itself goes to /quick-exit first, which deletes the draft and session on the server.
QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"
QUICK_EXIT_PATH = "/quick-exit"
# The warning shows this long before an idle session ends.
TIMEOUT_WARNING_SECONDS = 120


def _environment(extra_dirs: list[Path] | None = None) -> Environment:
    # ChainableUndefined: the nhsuk macros read nested optional params (params.a.b).
    loaders = [FileSystemLoader([TEMPLATES_DIR, *(extra_dirs or [])]),
               PackageLoader("nhsuk_frontend_jinja")]  # fmt: skip
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=ChainableUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        service_name=SERVICE_NAME,
        quick_exit_url=QUICK_EXIT_PATH,
        quick_exit_to=QUICK_EXIT_URL,
        idle_timeout_seconds=IDLE_TIMEOUT_SECONDS,
        timeout_warning_seconds=TIMEOUT_WARNING_SECONDS,
        assetPath="/static/nhsuk/assets",
    )
    return env


templates = Jinja2Templates(env=_environment())


def add_template_dir(path: Path) -> None:
    """Let another feature keep its templates beside its own code (searched after ours)."""
    loader = templates.env.loader
    assert isinstance(loader, ChoiceLoader)
    first = loader.loaders[0]
    assert isinstance(first, FileSystemLoader)
    if str(path) not in first.searchpath:
        first.searchpath.append(str(path))


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render ``template`` (which extends ``layout.html``) as an HTML response.

    Pages are never cached: they may show personal data.
    """
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def mount_static(app: FastAPI) -> None:
    """Serve the vendored NHS.UK assets and our own scripts under ``/static``."""
    if not any(getattr(r, "path", None) == "/static" for r in app.routes):
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
