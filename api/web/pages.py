"""General pages around the questionnaire: session keep-alive and end, accessibility, privacy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.web.templating import render

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
