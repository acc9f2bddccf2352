"""The questionnaire pages over HTTP (no browser): flow, errors, privacy, drafts and the JSON API."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from tests.questionnaire.personas import DOMESTIC_ABUSE, PERSONAS
from triage.casework.drafts import DraftStore
from triage.questionnaire import Questionnaire, flow, load_questionnaire
from triage.store.db import prepare_store
from triage.store.models import QuestionnaireDraft, WebSession


@pytest.fixture()
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("TRIAGE_HOME", str(tmp_path))
    monkeypatch.setenv("TRIAGE_AS_OF", "2026-11-23")
    db = prepare_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        yield create_app(database=db)
    finally:
        db.dispose()


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class FormClient(TestClient):
    """A browser's forms: every POST to the questionnaire carries the session's CSRF token,
    read from the start page as a browser would have it in the form (unless one is given)."""

    def post(self, url: Any, *args: Any, data: Any = None, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        if str(url).startswith("/questionnaire") and not (isinstance(data, dict) and "csrf" in data):
            found = _CSRF.search(self.get("/").text)
            assert found, "the start page has no CSRF token"
            data = {**(data or {}), "csrf": found.group(1)}
        return super().post(url, *args, data=data, **kwargs)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with FormClient(app, base_url="https://testserver") as c:
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


_FIELD_PART = re.compile(r"-(?:day|month|year|unknown)$")
TOKEN_URL = re.compile(r"/questionnaire/page/[0-9a-f]{12}")


def page_shown(qn: Questionnaire, html: str) -> str:
    """Which questionnaire page this is, told by its form's fields (question ids), never by its address."""
    names = re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', html)
    pages = {qn.page_of[n].id for n in (_FIELD_PART.sub("", n) for n in names) if n in qn.page_of}
    assert len(pages) == 1, pages
    return pages.pop()


def form_action(html: str) -> str:
    m = re.search(r'<form method="post" action="([^"]+)" novalidate>', html)
    assert m, "no question form on the page"
    return m.group(1)


def walk(client: TestClient, qn: Questionnaire, answers: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Answer page after page until the check page.

    Returns every address the app sent us to, and the page ids shown on the way (read from the pages).
    """
    r = client.post("/questionnaire/start", follow_redirects=False)
    locations = [r.headers["location"]]
    shown: list[str] = []
    while locations[-1].startswith("/questionnaire/page/"):
        assert TOKEN_URL.fullmatch(locations[-1]), locations[-1]
        page = client.get(locations[-1])
        assert page.status_code == 200, locations[-1]
        shown.append(page_shown(qn, page.text))
        assert form_action(page.text) == locations[-1]
        r = client.post(locations[-1], data=form_for(qn, shown[-1], answers), follow_redirects=False)
        assert r.status_code == 303, (shown[-1], re.findall(r'nhsuk-error-message"[^>]*>(.*?)</span>', r.text, re.S))
        locations.append(r.headers["location"])
    return locations, shown


def first_page(client: TestClient) -> str:
    """Start a questionnaire; the address of its first page."""
    r = client.post("/questionnaire/start", follow_redirects=False)
    assert r.status_code == 303 and TOKEN_URL.fullmatch(r.headers["location"])
    return str(r.headers["location"])


def test_start_page_is_for_link_workers(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "Start now" in r.text and 'action="/questionnaire/start"' in r.text
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_persona_over_http_matches_the_flow(client: TestClient, qn: Questionnaire, name: str) -> None:
    answers = PERSONAS[name]
    locations, visited = walk(client, qn, answers)
    assert locations[-1] == "/questionnaire/check"
    assert all("?" not in loc for loc in locations)  # nothing personal in any address
    assert visited == [v.page.id for v in flow.pages(qn, answers)]
    assert len(set(locations)) == len(locations)  # one address per page
    check = client.get("/questionnaire/check")
    assert check.status_code == 200 and check.text.count(">Change<") == len(answers)
    r = client.post("/questionnaire/check", follow_redirects=True)
    assert r.url.path == "/questionnaire/result"
    for issue in re.findall(r'data-need="([^"]+)"', r.text):
        assert issue.count(".") == 1
    assert re.findall(r'data-need="([^"]+)"', r.text)


def test_missing_answer_gives_a_linked_error(client: TestClient) -> None:
    r = client.post(first_page(client), data={})
    assert r.status_code == 400
    assert '<a href="#setting">' in r.text
    assert 'aria-describedby="setting-error"' in r.text
    assert "<title>Error: " in r.text


def test_unknown_answers_are_always_offered(client: TestClient) -> None:
    r = client.get(first_page(client))
    assert 'value="dont_know"' in r.text and 'value="prefer_not_to_say"' in r.text


def test_pages_not_shown_for_the_answers_redirect(client: TestClient, qn: Questionnaire) -> None:
    setting = first_page(client)
    areas = client.post(setting, data={"setting": "gp_practice"}, follow_redirects=False).headers["location"]
    tenure = client.post(areas, data={"screen_areas": "housing"}, follow_redirects=False).headers["location"]
    assert page_shown(qn, client.get(tenure).text) == "housing_tenure"
    # Housing is no longer an area: its page's address now leads to the next page the flow asks.
    benefits = client.post(areas, data={"screen_areas": "benefits"}, follow_redirects=False).headers["location"]
    r = client.get(tenure, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == benefits
    assert page_shown(qn, client.get(benefits).text) == "benefits_uc"
    r = client.get("/questionnaire/result", follow_redirects=False)
    assert r.status_code == 200  # a provisional result is available at any point
    assert "Some questions have not been answered yet" in r.text


def test_without_a_session_the_page_says_it_ended(client: TestClient) -> None:
    setting = first_page(client)
    client.cookies.clear()
    r = client.post(setting, data={"setting": "gp_practice"})
    assert r.status_code == 401 and "Your session ended" in r.text


class Recorder:
    """Every address a browser would keep: request paths, Location headers, and same-site links and
    form actions in the pages served (back, change and "worth asking" links included)."""

    def __init__(self, client: TestClient) -> None:
        self.urls: list[str] = []
        self.titles: list[str] = []
        client.event_hooks["request"].append(self.request)
        client.event_hooks["response"].append(self.response)

    def request(self, request: httpx.Request) -> None:
        self.urls.append(str(request.url.raw_path, "ascii"))

    def response(self, response: httpx.Response) -> None:
        if "location" in response.headers:
            self.urls.append(response.headers["location"])
        if response.headers.get("content-type", "").startswith("text/html"):
            response.read()
            self.urls += [u for u in re.findall(r'(?:href|action)="([^"]*)"', response.text) if u.startswith("/")]
            self.titles += re.findall(r"<title>([^<]*)</title>", response.text)


def test_no_address_names_a_page_or_question_on_the_domestic_abuse_branch(
    client: TestClient, qn: Questionnaire
) -> None:
    seen = Recorder(client)
    locations, visited = walk(client, qn, DOMESTIC_ABUSE)
    assert {"family_abuse", "family_safety_now", "family_safe_contact"} <= set(visited)
    check = client.get("/questionnaire/check")
    changes = re.findall(r'href="(/questionnaire/page/[^"]+)"', check.text)
    assert len(changes) == len(DOMESTIC_ABUSE) and all(TOKEN_URL.fullmatch(u) for u in changes)
    assert set(changes) <= set(locations)  # each change link is that page's address
    client.post("/questionnaire/check")  # follows to the result page
    assert client.get(changes[-1]).status_code == 200  # back to a page: its back link is recorded too
    words = {p.id for p in qn.pages} | {q.id for q in qn.questions} | {s.id for s in qn.sections}
    assert len(seen.urls) > 3 * len(visited)
    for url in seen.urls:
        assert "?" not in url, url
        leaked = [w for w in words if w in url.lower()]
        assert not leaked, (url, leaked)
        if url.startswith("/questionnaire/page/"):
            assert TOKEN_URL.fullmatch(url), url
    # History keeps titles too: pages with the quick exit have a neutral one.
    assert seen.titles and not [t for t in seen.titles if "abuse" in t.lower() or "safe" in t.lower()]


def test_a_token_works_only_in_its_own_questionnaire(app: FastAPI, client: TestClient, qn: Questionnaire) -> None:
    mine = first_page(client)
    abuse = walk_to(client, qn, DOMESTIC_ABUSE, "family_abuse")
    with FormClient(app, base_url="https://testserver") as other:
        theirs = first_page(other)
        assert theirs != mine  # the same first page, another address
        for url in (mine, abuse):
            r = other.get(url, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == theirs
            r = other.post(url, data={"family_domestic_abuse": "yes"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == theirs
        assert page_shown(qn, other.get(theirs).text) == "screen_setting"
    # Addresses that are not tokens at all (an old-style page id among them) are never an error.
    for junk in ("family_safe_contact", "0" * 12, "ABCDEF123456", "x" * 300, "%00", "%E2%80%AE"):
        r = client.get(f"/questionnaire/page/{junk}", follow_redirects=False)
        assert r.status_code == 303, junk
        assert TOKEN_URL.fullmatch(r.headers["location"]), junk
    # Starting again, or ending the session, retires every address of the old questionnaire.
    first_page(client)
    r = client.get(abuse, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] != abuse
    client.cookies.clear()
    r = client.get(abuse, follow_redirects=False)
    assert r.status_code == 401 and "family" not in r.text.lower()


def walk_to(client: TestClient, qn: Questionnaire, answers: dict[str, Any], page_id: str) -> str:
    """Answer from the current first page until ``page_id`` is shown; its address."""
    url = first_page(client)
    for _ in range(len(qn.pages)):
        shown = page_shown(qn, client.get(url).text)
        if shown == page_id:
            return url
        url = client.post(url, data=form_for(qn, shown, answers), follow_redirects=False).headers["location"]
    raise AssertionError(f"{page_id} never shown")


def test_drafts_hold_codes_only_and_resume_by_code(
    app: FastAPI, client: TestClient, qn: Questionnaire, tmp_path: Path
) -> None:
    client.post(first_page(client), data={"setting": "gp_practice", "action": "save"})
    saved = client.get("/questionnaire/saved")
    code = re.search(r'app-resume-code">([A-Z0-9-]+)<', saved.text).group(1)  # type: ignore[union-attr]
    rows = _draft_rows(app)
    assert len(rows) == 1 and rows[0].code_hash != code and code not in rows[0].code_hash
    # Sealed at rest: neither the answer nor the code is in the row.
    assert "gp_practice" not in rows[0].sealed and code not in rows[0].sealed
    assert DraftStore(app.state.database, app.state.secret).load(code).answers == {"setting": "gp_practice"}  # type: ignore[union-attr]
    assert code not in "".join(client.cookies.values())  # the cookie holds a token, not the code
    assert not (tmp_path / "questionnaire-drafts").exists()  # in the store, not in files
    client.cookies.clear()
    r = client.post("/questionnaire/resume", data={"resume_code": "AAAA-AAAA-AAAA"})
    assert r.status_code == 400 and "No saved answers match that code" in r.text
    r = client.post("/questionnaire/resume", data={"resume_code": code.lower()}, follow_redirects=False)
    assert TOKEN_URL.fullmatch(r.headers["location"])
    assert page_shown(qn, client.get(r.headers["location"]).text) == "screen_areas"
    client.post("/questionnaire/delete")
    assert _draft_rows(app) == []


def _draft_rows(app: FastAPI) -> list[QuestionnaireDraft]:
    with app.state.database.transaction() as s:
        return list(s.exec(select(QuestionnaireDraft)))


def test_drafts_expire_with_the_idle_timeout(tmp_path: Path) -> None:
    db = prepare_store(f"sqlite:///{tmp_path / 'drafts.sqlite3'}")
    now = [dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)]
    store = DraftStore(db, "test-secret", clock=lambda: now[0])
    draft = store.create()
    draft.answers["setting"] = "gp_practice"
    store.save(draft)
    now[0] += dt.timedelta(minutes=20)
    assert store.load(draft.code) is not None  # exactly the idle timeout: still kept
    assert DraftStore(db, "another-secret", clock=lambda: now[0]).load(draft.code) is None
    now[0] += dt.timedelta(seconds=1)
    assert store.load(draft.code) is None
    store.create()  # making a draft clears expired ones
    with db.transaction() as s:
        assert len(list(s.exec(select(QuestionnaireDraft)))) == 1
    db.dispose()


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


def test_questionnaire_forms_need_the_sessions_csrf_token(app: FastAPI, client: TestClient, qn: Questionnaire) -> None:
    page = first_page(client)
    for url, data in ((page, {"setting": "gp_practice"}), ("/questionnaire/start", {}),
                      ("/questionnaire/delete", {}), ("/questionnaire/check", {}),
                      ("/questionnaire/resume", {"resume_code": "AAAA-AAAA-AAAA"})):  # fmt: skip
        for token in ("", "not-this-sessions-token"):
            r = client.post(url, data={**data, "csrf": token}, follow_redirects=False)
            assert r.status_code == 403 and "The form expired" in r.text, url
    assert len(_draft_rows(app)) == 1  # nothing was answered, deleted or started
    assert client.post(page, data={"setting": "gp_practice"}, follow_redirects=False).status_code == 303


def _code_of(client: TestClient) -> str:
    client.post(first_page(client), data={"setting": "gp_practice", "action": "save"})
    return re.search(r'app-resume-code">([A-Z0-9-]+)<', client.get("/questionnaire/saved").text).group(1)  # type: ignore[union-attr]


def test_quick_exit_deletes_the_draft_and_the_session_on_the_server(
    app: FastAPI, client: TestClient, qn: Questionnaire
) -> None:
    abuse = walk_to(client, qn, DOMESTIC_ABUSE, "family_abuse")
    assert 'href="/quick-exit"' in client.get(abuse).text
    copied = dict(client.cookies)
    r = client.get("/quick-exit", follow_redirects=False)
    assert r.status_code == 200 and 'content="0;url=https://www.bbc.co.uk/weather"' in r.text
    assert "cookies" in r.headers["clear-site-data"] and "triage_session=;" in r.headers["set-cookie"]
    assert _draft_rows(app) == []
    with app.state.database.transaction() as s:
        assert list(s.exec(select(WebSession))) == []
    # Back, or the same cookie from elsewhere, finds nothing.
    with FormClient(app, base_url="https://testserver", cookies=copied) as thief:
        back = thief.get(abuse, follow_redirects=False)
        assert back.status_code == 401 and "Your session ended" in back.text


def test_a_resume_code_works_from_a_new_browser_but_a_cookie_alone_is_not_a_code(
    app: FastAPI, client: TestClient, qn: Questionnaire
) -> None:
    code = _code_of(client)
    cookie = "".join(client.cookies.values())
    assert code not in cookie and code.replace("-", "") not in cookie
    with FormClient(app, base_url="https://testserver") as fresh:
        assert fresh.get("/questionnaire/saved").status_code == 401  # no code, no answers
        r = fresh.post("/questionnaire/resume", data={"resume_code": code}, follow_redirects=False)
        assert r.status_code == 303


def test_sessions_end_after_the_idle_timeout_on_the_server(app: FastAPI, client: TestClient) -> None:
    _code_of(client)
    with app.state.database.transaction() as s:
        for row in s.exec(select(WebSession)):
            row.updated_at = row.updated_at - dt.timedelta(minutes=21)
            s.add(row)
    assert client.get("/questionnaire/saved").status_code == 401
