"""The questionnaire pages over HTTP (no browser): flow, errors, privacy, drafts and the JSON API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.questionnaire.personas import PERSONAS
from triage.questionnaire import Questionnaire, flow, load_questionnaire


@pytest.fixture()
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    monkeypatch.setenv("TRIAGE_AS_OF", "2026-11-23")
    from api.app import app

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def qn() -> Questionnaire:
    return load_questionnaire()


def form_for(qn: Questionnaire, page_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """What the browser posts for this page's questions."""
    data: dict[str, Any] = {}
    for q in qn.page_by_id[page_id].questions:
        if q.id not in answers:
            continue
        value = answers[q.id]
        if q.type in ("yes_no", "single", "multiple"):
            data[q.id] = value
        elif value in ("dont_know", "prefer_not_to_say"):
            data[f"{q.id}-unknown"] = value
        elif q.type == "date":
            y, m, d = str(value).split("-")
            data.update({f"{q.id}-day": str(int(d)), f"{q.id}-month": str(int(m)), f"{q.id}-year": y})
        else:
            data[q.id] = str(value)
    return data


def walk(client: TestClient, qn: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """Answer page after page until the check page; returns every address the app sent us to."""
    r = client.post("/questionnaire/start", follow_redirects=False)
    locations = [r.headers["location"]]
    while locations[-1].startswith("/questionnaire/page/"):
        page_id = locations[-1].rsplit("/", 1)[1]
        r = client.post(locations[-1], data=form_for(qn, page_id, answers), follow_redirects=False)
        assert r.status_code == 303, (page_id, re.findall(r'nhsuk-error-message"[^>]*>(.*?)</span>', r.text, re.S))
        locations.append(r.headers["location"])
    return locations


def test_start_page_is_for_link_workers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "Start now" in r.text and 'action="/questionnaire/start"' in r.text
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_persona_over_http_matches_the_flow(client: TestClient, qn: Questionnaire, name: str) -> None:
    answers = PERSONAS[name]
    locations = walk(client, qn, answers)
    assert locations[-1] == "/questionnaire/check"
    assert all("?" not in loc for loc in locations)  # nothing personal in any address
    visited = [loc.rsplit("/", 1)[1] for loc in locations[:-1]]
    assert visited == [v.page.id for v in flow.pages(qn, answers)]
    check = client.get("/questionnaire/check")
    assert check.status_code == 200 and check.text.count(">Change<") == len(answers)
    r = client.post("/questionnaire/check", follow_redirects=True)
    assert r.url.path == "/questionnaire/result"
    for issue in re.findall(r'data-need="([^"]+)"', r.text):
        assert issue.count(".") == 1
    assert re.findall(r'data-need="([^"]+)"', r.text)


def test_missing_answer_gives_a_linked_error(client: TestClient) -> None:
    client.post("/questionnaire/start")
    r = client.post("/questionnaire/page/screen_setting", data={})
    assert r.status_code == 400
    assert '<a href="#setting">' in r.text
    assert 'aria-describedby="setting-error"' in r.text
    assert '<title>Error: ' in r.text


def test_unknown_answers_are_always_offered(client: TestClient) -> None:
    client.post("/questionnaire/start")
    r = client.get("/questionnaire/page/screen_setting")
    assert 'value="dont_know"' in r.text and 'value="prefer_not_to_say"' in r.text


def test_pages_not_shown_for_the_answers_redirect(client: TestClient) -> None:
    client.post("/questionnaire/start")
    r = client.get("/questionnaire/page/housing_court", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/questionnaire/page/screen_setting"
    r = client.get("/questionnaire/result", follow_redirects=False)
    assert r.status_code == 200  # a provisional result is available at any point
    assert "Some questions have not been answered yet" in r.text


def test_without_a_session_the_page_says_it_ended(client: TestClient) -> None:
    r = client.post("/questionnaire/page/screen_setting", data={"setting": "gp_practice"})
    assert r.status_code == 401 and "Your session ended" in r.text


def test_drafts_hold_codes_only_and_resume_by_code(client: TestClient, qn: Questionnaire, tmp_path: Path) -> None:
    client.post("/questionnaire/start")
    client.post("/questionnaire/page/screen_setting", data={"setting": "gp_practice", "action": "save"})
    saved = client.get("/questionnaire/saved")
    code = re.search(r'app-resume-code">([A-Z0-9-]+)<', saved.text).group(1)  # type: ignore[union-attr]
    files = list((tmp_path / "questionnaire-drafts").glob("*.json"))
    assert len(files) == 1 and code not in files[0].name
    assert '"setting": "gp_practice"' in files[0].read_text()
    client.cookies.clear()
    r = client.post("/questionnaire/resume", data={"resume_code": "AAAA-AAAA-AAAA"})
    assert r.status_code == 400 and "No saved answers match that code" in r.text
    r = client.post("/questionnaire/resume", data={"resume_code": code.lower()}, follow_redirects=False)
    assert r.headers["location"] == "/questionnaire/page/screen_areas"
    client.post("/questionnaire/delete")
    assert not list((tmp_path / "questionnaire-drafts").glob("*.json"))


def test_questionnaire_json_api(client: TestClient, qn: Questionnaire) -> None:
    r = client.get("/v1/questionnaire")
    assert r.status_code == 200
    body = r.json()
    questions = [q for s in body["sections"] for p in s["pages"] for q in p["questions"]]
    assert [q["id"] for q in questions] == [q.id for q in qn.questions]
    tenure = next(q for q in questions if q["id"] == "housing_tenure")
    assert tenure["sets"] == "housing.tenure"
    assert {"code": "council", "label": "Rented from the council"} in tenure["options"]
    assert [u["code"] for u in tenure["unknown_answers"]] == ["dont_know", "prefer_not_to_say"]
    r = client.get("/v1/questionnaire", params={"lang": "fr"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert "lang: no wording for 'fr'" in r.json()["detail"]


def test_assets_are_local(client: TestClient) -> None:
    page = client.get("/").text
    for ref in re.findall(r'(?:href|src)="([^"]+\.(?:css|js|svg|ico))"', page):
        assert ref.startswith("/static/"), ref
        assert client.get(ref).status_code == 200, ref
    css = client.get("/static/nhsuk/nhsuk-frontend.min.css").text
    assert "assets.nhs.uk" not in css and "url(/assets/" not in css
    assert client.get("/static/nhsuk/LICENSE").status_code == 200
