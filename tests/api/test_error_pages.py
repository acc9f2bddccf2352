"""Errors: browsers get HTML pages in the site's style; the API keeps RFC 9457 problem details."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_missing_page_is_an_html_page_for_a_browser(client: TestClient) -> None:
    r = client.get("/no-such-page", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in r.text and "nhsuk-header" in r.text
    assert r.headers["cache-control"] == "no-store"


def test_the_api_keeps_problem_details_even_for_a_browser(client: TestClient) -> None:
    for path in ("/v1/no-such-thing", "/no-such-page"):
        headers = HTML if path.startswith("/v1") else {"Accept": "application/json"}
        r = client.get(path, headers=headers)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", path
        assert r.json()["status"] == 404


def test_a_crash_is_an_html_page_for_a_browser_and_a_problem_for_the_api(app: FastAPI) -> None:
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    app.add_api_route("/casework/boom", boom)
    app.add_api_route("/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/casework/boom", headers=HTML)
        assert page.status_code == 500 and "Sorry, there is a problem with the service" in page.text
        assert "internal detail" not in page.text
        api = c.get("/v1/boom", headers=HTML)
        assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
        assert "internal detail" not in api.text
