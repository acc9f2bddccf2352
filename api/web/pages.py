"""General pages around the questionnaire: quick exit, session keep-alive and end, accessibility, privacy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.web.templating import QUICK_EXIT_URL, render

router = APIRouter(include_in_schema=False)


@router.post("/session/keep-alive")
def keep_alive(request: Request) -> Response:
    """Renew an idle session (the warning's Continue button). Touching the session
    makes the middleware send a fresh cookie with a new expiry."""
    request.session["alive"] = not request.session.get("alive", False)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"status": "ok"})
    back = request.headers.get("referer", "")
    return render(request, "pages/continued.html", back=back if back.startswith("/") else "")


@router.get("/quick-exit")
def quick_exit(request: Request) -> Response:
    """Leave at once for a neutral site, ending the session on the way (signed out, no
    questionnaire in progress), so Back and a reload show nothing. Saved answers stay
    behind their resume code only."""
    request.session.clear()
    # A page that moves on at once (not a redirect): it names nothing of this service, works
    # without JavaScript, and leaves the neutral site, not this one, as the page Back returns past.
    body = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Weather</title>'
            f'<meta http-equiv="refresh" content="0;url={QUICK_EXIT_URL}"><meta name="referrer" content="no-referrer">'
            f'</head><body><p><a href="{QUICK_EXIT_URL}">Weather</a></p></body></html>')  # fmt: skip
    return HTMLResponse(body, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.get("/session-ended", response_class=HTMLResponse)
def session_ended(request: Request) -> HTMLResponse:
    """Where an idle session ends up: the session is cleared, nothing is shown."""
    request.session.clear()
    return render(request, "pages/session_ended.html")


@router.get("/accessibility", response_class=HTMLResponse)
def accessibility(request: Request) -> HTMLResponse:
    return render(request, "pages/accessibility.html")


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    return render(request, "pages/privacy.html")
