"""RFC 9457 problem details for every error response; no stack trace reaches a client.

Every 4xx and 5xx the app sends is ``application/problem+json`` with ``type``,
``title`` (the HTTP status phrase), ``status`` and ``detail``; validation
problems add ``errors``: one ``{field, problem}`` per bad input, the field
named by its path (``facts.person.age``, ``query.tier``). Errors the store,
the letters and the questionnaire raise are mapped here, so routes stay thin.

:func:`install` also rewrites the OpenAPI document so every operation
declares the problem responses it can give (schemathesis checks them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

log = logging.getLogger("triage.api")
MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Path of the input at fault, e.g. facts.person.age or query.tier.")
    problem: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "about:blank",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": "facts.person.age: Input should be greater than or equal to 0",
                "errors": [{"field": "facts.person.age", "problem": "Input should be greater than or equal to 0"}],
            }
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


class ProblemError(Exception):
    """Raise from anywhere in a request to answer with a problem; ``headers`` go on the response."""

    def __init__(self, status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(detail)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int, title: str | None, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title or phrase(status), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=dict(headers or {}))


def field_problems(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": f, "problem": p} for f, p in pairs]


def _invalid(errors: list[dict[str, str]]) -> JSONResponse:
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
    return problem(422, None, detail, errors=errors)


def install(app: FastAPI) -> None:
    from triage.facts import FactsError
    from triage.letters import LetterDataError, LetterDetailsError
    from triage.store.errors import StoreError

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            if loc[:1] == ["body"]:
                loc = loc[1:]
            errors.append({"field": ".".join(loc) or "(body)", "problem": str(e["msg"])})
        return _invalid(errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (404, 405) and wants_html(request):
            return error_page(request, exc.status_code)
        detail = str(exc.detail)
        if detail == phrase(exc.status_code):
            detail = {404: "No such resource.", 405: "This method is not allowed here."}.get(exc.status_code, detail)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the first route matching the path; one path may have several.
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        return problem(exc.status_code, None, detail, headers=headers)

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        return problem(exc.status, None, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: StoreError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if exc.field and exc.status == 422:
            message = str(exc)
            prefix = f"{exc.field}: "
            extra["errors"] = field_problems([(exc.field, message.removeprefix(prefix))])
        return problem(exc.status, None, str(exc), **extra)

    @app.exception_handler(FactsError)
    async def _facts(_: Request, exc: FactsError) -> JSONResponse:
        return _invalid(field_problems([(f"facts.{p}", m) for p, m in exc.problems]))

    @app.exception_handler(LetterDataError)
    async def _letter(_: Request, exc: LetterDataError) -> JSONResponse:
        found = exc.input_problems()
        detail = f"{exc.letter} letter cannot be rendered: " + "; ".join(f"{f}: {p}" for f, p in found)
        return problem(422, None, detail, errors=field_problems(found))

    @app.exception_handler(LetterDetailsError)
    async def _letter_details(_: Request, exc: LetterDetailsError) -> JSONResponse:
        return _invalid(field_problems(exc.problems))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if wants_html(request):
            return error_page(request, 500)
        return problem(500, None, "The server could not complete the request.")

    _document_problems(app)


_API_PREFIXES = ("/v1", "/fhir", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json", "/static")


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API): it gets an HTML error page in the site's style."""
    path = request.url.path
    if any(path == p or path.startswith(p + "/") for p in _API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int) -> Response:
    from api.web.templating import render

    return render(request, "pages/error.html", status_code=status, status=status)


def _flat_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, including those of included routers (FastAPI keeps a router it includes
    whole, as one entry that has no ``methods`` of its own)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in _flat_routes(app.router.routes):
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


_PROBLEM_RESPONSE = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document say what the handlers above really send: problem+json for
    422 (instead of FastAPI's own shape) and for any other error status (``default``)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            servers=app.servers,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components["FieldProblem"] = (
            components["Problem"].pop("$defs", {}).get("FieldProblem", FieldProblem.model_json_schema())
        )
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        for path_item in schema.get("paths", {}).values():
            for op in path_item.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                responses = op["responses"]
                for code in list(responses):
                    if code[:1] in ("4", "5"):
                        description = responses[code].get("description") or phrase(int(code))
                        responses[code] = {"description": description, **_PROBLEM_RESPONSE}
                responses.setdefault("422", {"description": "Invalid request", **_PROBLEM_RESPONSE})
                responses["default"] = {"description": "Any other error, as problem details", **_PROBLEM_RESPONSE}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
