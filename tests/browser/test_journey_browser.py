"""The link worker's whole journey in Chromium (issue 18), through the pages only, never the API.

A link worker signs in, triages a patient with three problems, saves the case, records consent,
refers two needs, downloads both letters as PDF and Word; an adviser accepts one referral in the
inbox; the link worker comes back and sees the decision. axe-core runs on every page of the
journey at desktop width and at 320 px, where no page may scroll sideways.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, DEMO_PASSWORD
from tests.browser.helpers import axe_violations, shoot
from tests.browser.test_questionnaire_browser import complete
from tests.questionnaire.personas import THREE_PROBLEMS
from triage.questionnaire import Questionnaire, load_questionnaire

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's /usr/bin/chromium")

LAW_CENTRE = "demo-east-law-centre"  # its adviser is a demo user: adviser.eastlaw@demo.example
CHECKED: list[str] = []


def check(page: Any, name: str, shots: Path | None = None) -> None:
    """axe at desktop width and at 320 px (no serious or critical violation, nothing at all in fact),
    and no sideways scrolling at 320 px."""
    page.wait_for_load_state("load")
    for width, height in ((1280, 900), (320, 640)):
        page.set_viewport_size({"width": width, "height": height})
        violations = axe_violations(page)
        assert violations == [], f"{name} at {width}px: {violations}"
        if width == 320:
            scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll[0] <= scroll[1], f"{name} scrolls sideways at 320px: {scroll}"
    page.set_viewport_size({"width": 1280, "height": 900})
    if shots:
        shoot(page, shots, f"journey-{name}")
    CHECKED.append(name)


def sign_in(page: Any, server: str, email: str) -> None:
    page.goto(server + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "Sign in")


def choose(page: Any, need: str, agency_id: str | None) -> str:
    """On the case page, choose an agency for ``need`` (the best match if ``agency_id`` is None, else
    that agency, overriding with a reason if it is not a match), with the person's consent."""
    with page.expect_navigation():
        card = page.locator(f'.nhsuk-card[data-need="{need}"]')
        card.get_by_role("link", name=re.compile("Choose an agency")).click()
    check(page, f"choose-{need}")
    if agency_id is None:
        chosen = page.locator("[data-match] input").first.get_attribute("value") or ""
    elif page.locator(f'[data-match="{agency_id}"]').count():
        page.locator(f'[data-match="{agency_id}"] input').check()
        chosen = agency_id
    else:
        page.locator("#agency-other").check()
        page.select_option("#other_agency", agency_id)
        page.fill("#override_reason", "the person already has a solicitor there")
        chosen = agency_id
    page.locator("#consent").check()
    page.fill("#given_by", "the person")
    page.locator("#method-verbal").check()
    submit(page, "Save this choice")
    assert "There is a problem" not in page.content()
    return chosen


def submit(page: Any, button: str | Any) -> None:
    """Press a form's button and wait for the page the server answers with."""
    target = page.get_by_role("button", name=button) if isinstance(button, str) else button
    with page.expect_navigation():
        target.click()


def download(page: Any, link: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_link_worker_journey_from_result_to_agency_decision(browser: Any, server: str, screenshots: Path) -> None:
    qn: Questionnaire = load_questionnaire()
    context = browser.new_context(accept_downloads=True)
    context.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(body="<title>Weather</title>"))
    page = context.new_page()

    sign_in(page, server, "linkworker@demo.example")
    assert page.url.endswith("/casework/cases")
    check(page, "cases-empty")

    # Triage a patient with three problems; the result page offers to save it.
    complete(page, qn, THREE_PROBLEMS, server, check_axe=False)
    check(page, "result", screenshots)
    with page.expect_navigation():
        page.get_by_role("link", name="Save as a case").click()
    check(page, "new-case")
    submit(page, "Save the case")  # empty: every error is plain and linked
    assert page.locator(".nhsuk-error-summary").count() == 1
    assert "Enter the person's full name" in page.content() and "Value error" not in page.content()
    check(page, "new-case-errors")
    page.fill("#name", "Testperson Browser-Fictional")
    page.fill("#dob-day", "15")
    page.fill("#dob-month", "3")
    page.fill("#dob-year", "1974")
    page.fill("#nhs_number", "999 000 0018")
    page.fill("#phone", "07700 900789")
    page.locator("#contact-text").check()
    page.fill("#safe_times", "weekdays 10am to 2pm")
    page.select_option("#language", "so")
    page.locator("#needs-interpreter").check()
    submit(page, "Save the case")
    page.wait_for_url(re.compile(r"/casework/cases/[0-9a-f]{32}$"))
    case_url = page.url
    first = page.locator('[data-testid="first"] li').evaluate_all("els => els.map(e => e.dataset.need)")
    assert first == ["housing.possession_social", "benefits.pip", "debt.council_tax"]
    assert "Somali (Soomaali)" in page.content()
    check(page, "case", screenshots)

    # Consent, separately and explicitly.
    with page.expect_navigation():
        page.get_by_role("link", name="Record consent").click()
    check(page, "consent")
    page.locator("#purposes-share_health").check()
    page.locator("#purposes-medical_evidence").check()
    page.fill("#clinician", "Dr Pretend Example")
    page.fill("#given_by", "the person")
    page.locator("#method-written").check()
    page.fill("#review-day", "1")
    page.fill("#review-month", "3")
    page.fill("#review-year", "2027")
    submit(page, "Record consent")
    page.wait_for_url(case_url + "#consent")
    assert page.locator('[data-consent="share_health"]').count() == 1

    # Refer two needs: housing to the law centre (whose adviser will decide), PIP to its best match.
    choose(page, "housing.possession_social", LAW_CENTRE)
    choose(page, "benefits.pip", None)
    for _ in range(2):
        submit(page, page.get_by_role("button", name=re.compile("^Send referral")).first)
        assert "There is a problem" not in page.content()
    statuses = page.locator("[data-status]").evaluate_all("els => els.map(e => e.dataset.status)")
    assert statuses == ["sent", "sent"]
    check(page, "case-sent")

    # Both letters: fill what the records lack once, then preview, PDF and Word.
    links = page.get_by_role("link", name=re.compile("^Referral letter to ")).evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(links) == 2
    for n, href in enumerate(links):
        page.goto(server + href)
        if page.locator("#referrer-role").count():
            check(page, "letter-fields")
            page.fill("#referrer-role", "Social prescribing link worker")
            page.fill("#consent-referral-scope", "the problem referred and the dates in it")
            submit(page, "Save and show the letter")
        assert page.locator("iframe.app-letter-preview").count() == 1, page.inner_text("main")
        if n == 0:
            check(page, "letter-preview", screenshots)
        assert download(page, "Download as PDF").startswith(b"%PDF")
        assert download(page, "Download as Word").startswith(b"PK")

    # The law centre's adviser accepts the housing referral in the inbox.
    page.goto(case_url)
    submit(page, "Sign out")
    sign_in(page, server, "adviser.eastlaw@demo.example")
    assert page.url.endswith("/casework/inbox")
    check(page, "inbox")
    submit(page, page.locator(".nhsuk-card", has_text="housing.possession_social").get_by_role("button", name="Accept"))
    submit(page, "Sign out")

    # The link worker comes back and sees the decision on the case page.
    sign_in(page, server, "linkworker@demo.example")
    check(page, "cases")
    page.goto(case_url)
    housing = page.locator('.nhsuk-card[data-need="housing.possession_social"] [data-status]')
    assert housing.get_attribute("data-status") == "accepted"
    assert "Accepted" in housing.inner_text()
    check(page, "case-decided", screenshots)

    # Quick exit on the case page: Escape leaves, and Back does not show the case again.
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.bbc.co.uk/weather")
    page.go_back()
    assert "Testperson" not in page.content()
    context.close()
    assert len(CHECKED) >= 12
