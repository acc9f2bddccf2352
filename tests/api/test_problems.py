"""Every error is RFC 9457 problem details; no stack trace reaches a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.limits import DEFAULT_MAX_BODY
from tests.api.conftest import Keys
from triage.engine.engine import Engine

PROBLEM = "application/problem+json"


def _is_problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    _is_problem(client.get("/v1/no-such-thing"), 404)


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    r = client.delete("/v1/assessments")
    _is_problem(r, 405)
    assert r.headers["allow"] == "POST"
    # Also for a route of an included router (FastAPI keeps those whole, behind one entry).
    r = client.delete("/v1/cases")
    _is_problem(r, 405)
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_validation_lists_every_field_path(client: TestClient, keys: Keys) -> None:
    body = {"as_of": "not-a-date", "facts": {"person": {"age": -1}, "housing": {"nonsense": 1}}}
    r = client.post("/v1/cases", json=body, headers=keys.bearer(keys.hospital))
    fields = {e["field"] for e in _is_problem(r, 422)["errors"]}
    assert {"as_of", "facts.person.age", "facts.housing.nonsense"} <= fields
    r = client.get("/v1/agencies", params={"tier": 7, "borough": "atlantis"}, headers=keys.bearer(keys.hospital))
    assert {"query.tier", "query.borough"} <= {e["field"] for e in _is_problem(r, 422)["errors"]}


def test_body_over_the_limit_is_413_declared_or_streamed(client: TestClient) -> None:
    big = b'{"as_of": "2026-11-23", "facts": {}, "pad": "' + b"x" * DEFAULT_MAX_BODY + b'"}'
    r = client.post("/v1/assessments", content=big, headers={"content-type": "application/json"})
    assert "limit" in _is_problem(r, 413)["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(DEFAULT_MAX_BODY // 4096 + 2):
            yield b" " * 4096

    r = client.post("/v1/assessments", content=chunks(), headers={"content-type": "application/json"})
    _is_problem(r, 413)


def test_non_json_body_is_415(client: TestClient) -> None:
    r = client.post("/v1/assessments", content=b"as_of=2026-11-23", headers={"content-type": "text/plain"})
    assert "application/json" in _is_problem(r, 415)["detail"]


def test_crash_is_a_500_problem_without_internals(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Exploding:
        def assess(self, *_: object) -> None:
            raise RuntimeError("internal secret detail in /srv/triage/engine/engine.py")

    monkeypatch.setattr(Engine, "in_force", classmethod(lambda *_a, **_k: Exploding()))
    r = client.post("/v1/assessments", json={"as_of": "2026-11-23", "facts": {}})
    body = _is_problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text and "engine.py" not in r.text
    assert body["detail"] == "The server could not complete the request."


def test_openapi_documents_problems_and_examples(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    op = doc["paths"]["/v1/cases"]["post"]
    assert PROBLEM in op["responses"]["422"]["content"] and PROBLEM in op["responses"]["default"]["content"]
    examples = doc["components"]["schemas"]["CaseCreate"]["examples"]
    assert examples[0]["facts"]["health"]["setting"] == "discharge"
    assert doc["components"]["schemas"]["AssessmentRequest"]["examples"]
    assert {"HTTPBearer", "APIKeyHeader"} <= set(doc["components"]["securitySchemes"])
