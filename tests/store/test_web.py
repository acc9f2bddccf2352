"""Casework pages through the real app: sign-in, CSRF, scoping of the inbox, actions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from tests.store.conftest import DEMO_PASSWORD, actor
from tests.store.helpers import make_case
from triage.casework import referrals
from triage.casework.consent import record_consent
from triage.casework.evidence import request_evidence
from triage.engine.engine import Engine
from triage.store.db import Database
from triage.store.models import Agency


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database=db), base_url="https://testserver") as c:
        yield c


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> str:
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"email": email, "password": password, "csrf": _csrf(page.text)},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    return r.headers["location"]


def _sent(db: Database, engine: Engine) -> str:
    lw = actor(db, "linkworker@demo.example")
    case = make_case(db, lw, engine, "pip-refused")
    ref = referrals.route_case(db, lw, case.id)[0].referral
    assert ref is not None
    with db.transaction() as s:
        agency = s.get(Agency, ref.agency_id)
        assert agency is not None
        org = agency.organisation_id
    # The person agreed that the referrer may hear the outcome (the case page shows it).
    record_consent(db, lw, case.id, "referral", "the person", recipient_org_id=org, feedback_agreed=True)
    record_consent(db, lw, case.id, "medical_evidence", "the person", recipient_name="Dr Pretend")
    request_evidence(db, lw, case.id, "pip", "Dr Pretend", date(2026, 11, 23), needed_by=date(2026, 11, 30))
    referrals.send_referral(db, lw, ref.id)
    return ref.id


def test_sign_in_refuses_wrong_password_and_missing_csrf(client: TestClient) -> None:
    page = client.get("/sign-in")
    bad = client.post(
        "/sign-in", data={"email": "linkworker@demo.example", "password": "nope", "csrf": _csrf(page.text)}
    )
    assert bad.status_code == 401 and "not right" in bad.text
    no_csrf = client.post("/sign-in", data={"email": "linkworker@demo.example", "password": DEMO_PASSWORD})
    assert no_csrf.status_code == 403
    assert client.get("/casework/cases", follow_redirects=False).headers["location"] == "/sign-in"


def test_case_list_shows_status_and_overdue_evidence(client: TestClient, db: Database, engine: Engine) -> None:
    _sent(db, engine)
    assert sign_in(client, "linkworker@demo.example") == "/casework/cases"
    on_time = client.get("/casework/cases?as_of=2026-11-30")
    assert "1 sent" in on_time.text and "none overdue" in on_time.text
    late = client.get("/casework/cases?as_of=2026-12-01")
    assert "1 overdue" in late.text
    case_link = re.search(r'href="(/casework/cases/[0-9a-f]+)"', late.text)
    assert case_link
    detail = client.get(case_link.group(1) + "?as_of=2026-12-01")
    assert detail.status_code == 200 and "Hackney Community Advice Centre" in detail.text and "overdue" in detail.text


def test_agency_inbox_is_scoped_and_actions_work(client: TestClient, db: Database, engine: Engine) -> None:
    ref_id = _sent(db, engine)
    sign_in(client, "adviser.lambeth@demo.example")
    other = client.get("/casework/inbox")
    assert ref_id not in other.text and "No referrals have been sent to you" in other.text
    token = _csrf(other.text)
    stolen = client.post(f"/casework/referrals/{ref_id}/accept", data={"csrf": token})
    assert stolen.status_code == 404  # another agency's referral is not found
    client.post("/sign-out", data={"csrf": token})

    assert sign_in(client, "adviser.hackney@demo.example") == "/casework/inbox"
    page = client.get("/casework/inbox")
    assert ref_id in page.text and "Accept" in page.text
    token = _csrf(page.text)
    assert client.post(f"/casework/referrals/{ref_id}/accept", data={}).status_code == 403  # no CSRF token
    r = client.post(f"/casework/referrals/{ref_id}/accept", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    again = client.post(f"/casework/referrals/{ref_id}/accept", data={"csrf": token})
    assert again.status_code == 409 and "cannot accept a referral that is accepted" in again.text
    bad = client.post(f"/casework/referrals/{ref_id}/close",
                      data={"csrf": token, "outcome": "resolved", "income_gained_pounds": "lots"})  # fmt: skip
    assert bad.status_code == 422 and "whole number of pounds" in bad.text
    done = client.post(f"/casework/referrals/{ref_id}/close",
                       data={"csrf": token, "outcome": "resolved", "income_gained_pounds": "2,500", "home_kept": "yes"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    client.post("/sign-out", data={"csrf": token})
    sign_in(client, "linkworker@demo.example")
    cases = client.get("/casework/cases")
    link = re.search(r'href="(/casework/cases/[0-9a-f]+)"', cases.text)
    assert link
    detail = client.get(link.group(1))
    assert "Resolved" in detail.text and "£2,500 income gained" in detail.text and "home kept" in detail.text


def test_casework_home_sends_each_role_to_its_page(client: TestClient) -> None:
    assert client.get("/casework/", follow_redirects=False).headers["location"] == "/sign-in"
    sign_in(client, "linkworker@demo.example")
    assert client.get("/casework/", follow_redirects=False).headers["location"] == "/casework/cases"
    client.cookies.clear()
    sign_in(client, "adviser.hackney@demo.example")
    assert client.get("/casework", follow_redirects=False).headers["location"] == "/casework/inbox"


def test_sign_out_ends_the_session_on_the_server(db: Database) -> None:
    with TestClient(create_app(database=db), base_url="https://testserver") as client:
        sign_in(client, "linkworker@demo.example")
        copied = dict(client.cookies)
        assert client.get("/casework/cases").status_code == 200
        client.post("/sign-out", data={"csrf": _csrf(client.get("/casework/cases").text)})
        with TestClient(client.app, base_url="https://testserver", cookies=copied) as thief:
            r = thief.get("/casework/cases", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"] == "/sign-in"


def test_sign_out_without_its_token_still_signs_out(client: TestClient) -> None:
    sign_in(client, "linkworker@demo.example")
    r = client.post("/sign-out", data={}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/casework/cases", follow_redirects=False).headers["location"] == "/sign-in"


def test_signing_in_gives_a_new_session_token(client: TestClient) -> None:
    client.get("/sign-in")
    before = client.cookies.get("triage_session")
    sign_in(client, "linkworker@demo.example")
    assert before and client.cookies.get("triage_session") not in (None, before)


def _try(client: TestClient, email: str, password: str) -> int:
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"email": email, "password": password, "csrf": _csrf(page.text)},
                    follow_redirects=False)  # fmt: skip
    return r.status_code


def test_wrong_passwords_lock_the_account_then_even_the_right_one_is_refused(client: TestClient) -> None:
    assert [_try(client, "linkworker@demo.example", "wrong-guess-1234") for _ in range(5)] == [401] * 5
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"email": "linkworker@demo.example", "password": DEMO_PASSWORD,
                                      "csrf": _csrf(page.text)})  # fmt: skip
    assert r.status_code == 429 and "Too many attempts to sign in" in r.text
    # An unknown address locks the same way and says the same thing: nothing is revealed.
    unknown = [_try(client, "nobody@demo.example", "wrong-guess-1234") for _ in range(6)]
    assert unknown == [401] * 5 + [429]
    # Another account from the same address still may sign in (below the address's own limit).
    assert sign_in(client, "adviser.hackney@demo.example") == "/casework/inbox"


def test_many_accounts_tried_from_one_address_lock_the_address(client: TestClient) -> None:
    tried = [_try(client, f"guess{i}@demo.example", "wrong-guess-1234") for i in range(21)]
    assert tried == [401] * 20 + [429]
    assert _try(client, "linkworker@demo.example", DEMO_PASSWORD) == 429


def test_an_unknown_email_costs_one_password_hash_like_a_known_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Equal work, counted rather than timed (timings on two shared cores are noise): one scrypt
    # for a known address, an unknown one and an inactive one. Before, an unknown address
    # skipped the hash and answered in a tenth of the time (6 ms against 54 ms).
    import hashlib

    from triage.casework import passwords
    from triage.casework.accounts import check_password
    from triage.store.models import User

    calls: list[int] = []
    real = hashlib.scrypt

    def counted(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    check_password(db, "nobody-at-all@demo.example", "warm-up-the-stand-in")  # made once per process
    monkeypatch.setattr(passwords.hashlib, "scrypt", counted)
    with db.transaction() as s:
        user = s.exec(select(User).where(User.email == "auditor@demo.example")).one()
        user.active = False
    for email in ("linkworker@demo.example", "nobody-at-all@demo.example", "auditor@demo.example"):
        calls.clear()
        assert check_password(db, email, "wrong-guess-1234") is None
        assert len(calls) == 1, email


def test_session_cookies_are_secure_by_default_outside_demo_mode(db: Database) -> None:
    from triage.settings import Settings

    for config, secure in ((Settings(), True), (Settings(demo=True), False), (Settings(https=True, demo=True), True)):
        with TestClient(create_app(config, database=db), base_url="https://testserver") as c:
            cookie = c.get("/sign-in").headers["set-cookie"]
            assert ("Secure" in cookie) == secure, (config, cookie)
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
