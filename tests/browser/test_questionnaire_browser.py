"""The questionnaire in Chromium: three personas end to end, accessibility, safety and timeouts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from typer.testing import CliRunner

from tests.browser.conftest import CHROMIUM
from tests.browser.helpers import axe_violations, fill, page_id, result_needs, shoot
from tests.questionnaire.personas import AS_OF, PERSONAS
from tests.questionnaire.test_cli_ask import terminal_lines
from triage.cli.main import app as cli_app
from triage.engine.engine import Engine
from triage.questionnaire import Questionnaire, flow, load_questionnaire

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="browser tests need Debian's /usr/bin/chromium")


@pytest.fixture(scope="module")
def qn() -> Questionnaire:
    return load_questionnaire()


def expected_needs(qn: Questionnaire, answers: dict[str, Any]) -> dict[str, tuple[int, str, str]]:
    assessment = flow.provisional(qn, answers, Engine.default(), AS_OF).assessment
    out = {}
    for n in assessment.needs:
        live = [d for d in n.deadlines if d.status in ("open", "late_route")]
        nxt = min(live, key=lambda d: d.days_left).date.isoformat() if live else ""
        out[n.issue] = (n.tier, n.urgency, nxt)
    return out


_PAGE_TYPES_CHECKED: set[tuple[object, ...]] = set()


def _new_page_type(qn: Questionnaire, page: Any) -> bool:
    """True the first time a kind of page is seen (its answer types, one or several questions,
    quick exit or not): axe checks each kind once, which keeps the suite fast."""
    questions = qn.page_by_id[page_id(page)].questions
    kind = (tuple(sorted({q.type for q in questions})), len(questions) > 1,
            qn.section_of[questions[0].id].safety, any(q.exclusive for q in questions))  # fmt: skip
    if kind in _PAGE_TYPES_CHECKED:
        return False
    _PAGE_TYPES_CHECKED.add(kind)
    return True


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(-3).map(e => e.tagName + '.' + e.className)""")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}: {wide}"


def complete(page: Any, qn: Questionnaire, answers: dict[str, Any], server: str, *, check_axe: bool,
             shots: Path | None = None, name: str = "", check_width: bool = False) -> list[str]:  # fmt: skip
    """Start, answer every page, check answers, see the result. Returns every URL visited.
    ``check_width``: no page may scroll sideways (run it in a narrow viewport)."""
    page.goto(server + "/")
    if check_axe:
        assert axe_violations(page) == [], "start page"
    page.get_by_role("button", name="Start now").click()
    urls = [page.url]
    for _ in range(200):
        if "/questionnaire/check" in page.url:
            break
        if check_axe and _new_page_type(qn, page):
            assert axe_violations(page) == [], page.url
        if shots and len(urls) <= 3:
            shoot(page, shots, f"{name}-{page_id(page)}")
        if check_width:
            no_sideways_scroll(page)
        assert fill(page, qn, answers), f"nothing to answer on {page.url}"
        page.get_by_role("button", name="Continue").click()
        assert "There is a problem" not in page.content(), page.url
        urls.append(page.url)
    assert "/questionnaire/check" in page.url
    if check_axe:
        assert axe_violations(page) == [], "check answers"
    if shots:
        shoot(page, shots, f"{name}-check")
    page.get_by_role("button", name="See the result").click()
    assert "/questionnaire/result" in page.url
    urls.append(page.url)
    if check_axe:
        assert axe_violations(page) == [], "result"
    if shots:
        shoot(page, shots, f"{name}-result")
    return urls


# issue -> (tier, urgency, next deadline, words on the card) for each persona's key needs.
KEY_NEEDS: dict[str, dict[str, tuple[int, str, str, str]]] = {
    "pip_with_debt": {"benefits.pip": (3, "urgent", "2026-12-03", "3 December 2026"),
                      "debt.energy": (3, "urgent", "", "Urgent"),
                      "debt.council_tax": (3, "routine", "", "Routine")},
    "mould_child_asthma": {"housing.disrepair": (3, "urgent", "", "Urgent")},
    "eviction_interpreter": {"housing.possession_social": (3, "emergency", "2026-11-30", "7 days left")},
}  # fmt: skip


def test_every_questionnaire_page_fits_320_px(browser: Any, server: str, qn: Questionnaire) -> None:
    """At 320 px wide (WCAG 1.4.10 reflow) no page of a whole questionnaire scrolls sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    complete(page, qn, PERSONAS["eviction_interpreter"], server, check_axe=False, check_width=True)
    no_sideways_scroll(page)
    context.close()


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_persona_end_to_end(browser: Any, server: str, qn: Questionnaire, screenshots: Path, name: str) -> None:
    answers = PERSONAS[name]
    context = browser.new_context()
    page = context.new_page()
    urls = complete(page, qn, answers, server, check_axe=True, shots=screenshots, name=name)
    shown = result_needs(page)
    assert shown == expected_needs(qn, answers)
    assert shown, "every persona has at least one need"
    # The terminal, given the same answers at its prompts, reaches the same needs, tiers and urgencies.
    cli = CliRunner().invoke(cli_app, ["ask", "--as-of", AS_OF.isoformat()],
                             input="\n".join(terminal_lines(qn, answers)) + "\n")  # fmt: skip
    assert cli.exit_code == 0, cli.output
    table = {m[0]: (int(m[1]), m[2]) for m in re.findall(r"\[(\w+\.\w+)\]\s+(\d)\s+(\w+)", cli.output)}
    assert table == {issue: (tier, urgency) for issue, (tier, urgency, _) in shown.items()}
    # What a link worker reads for each persona.
    for issue, (tier, urgency, deadline, words) in KEY_NEEDS[name].items():
        assert shown[issue][:2] == (tier, urgency)
        if deadline:
            assert shown[issue][2] == deadline
        card = page.locator(f'[data-need="{issue}"]')
        assert words in card.inner_text()
        assert card.locator("a[href^='https://']").count() >= 1  # information and sources as links
    # Nothing personal in any address: no query strings, no page or question ids.
    assert all("?" not in u for u in urls), urls
    ids = {p.id for p in qn.pages} | {q.id for q in qn.questions}
    assert not [u for u in urls if any(i in urlparse(u).path for i in ids)], urls
    context.close()


def test_works_without_javascript(browser: Any, server: str, qn: Questionnaire) -> None:
    answers = PERSONAS["eviction_interpreter"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    complete(page, qn, answers, server, check_axe=False)
    assert result_needs(page) == expected_needs(qn, answers)
    context.close()


def test_errors_are_summarised_linked_and_accessible(browser: Any, server: str, screenshots: Path) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_role("button", name="Continue").click()  # nothing chosen
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error: ")
    link = summary.locator("a").first
    assert link.get_attribute("href") == "#setting"
    assert page.locator("fieldset").first.get_attribute("aria-describedby") == "setting-error"
    assert "Answer the question: where the person is seen" in page.locator("#setting-error").inner_text()
    assert axe_violations(page) == []
    shoot(page, screenshots, "error-radios")
    # A date page with an impossible date.
    page.locator('input[name="setting"][value="gp_practice"]').check()
    page.get_by_role("button", name="Continue").click()
    for code in ("benefits",):
        page.locator(f'input[name="screen_areas"][value="{code}"]').check()
    page.get_by_role("button", name="Continue").click()
    page.locator('input[name="benefits_uc_claimant"][value="no"]').check()
    page.get_by_role("button", name="Continue").click()
    page.locator('input[name="benefits_problems"][value="sanction"]').check()
    page.get_by_role("button", name="Continue").click()
    assert page_id(page) == "benefits_sanction"
    page.fill("#benefits_sanction_date-day", "31")
    page.fill("#benefits_sanction_date-month", "2")
    page.fill("#benefits_sanction_date-year", "2026")
    page.get_by_role("button", name="Continue").click()
    assert page.locator(".nhsuk-error-summary a").first.get_attribute("href") == "#benefits_sanction_date-day"
    assert page.input_value("#benefits_sanction_date-day") == "31"  # what was typed is kept
    assert axe_violations(page) == []
    shoot(page, screenshots, "error-date")
    context.close()


def test_keyboard_only(browser: Any, server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "nhsuk-skip-link"
    page.get_by_role("button", name="Start now").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/questionnaire/page/[0-9a-f]{12}$"))
    first = page.url
    assert page_id(page) == "screen_setting"
    page.locator('input[name="setting"]').first.focus()
    page.keyboard.press("Space")
    # The focused control is visibly marked (NHS.UK focus style: a yellow box-shadow ring).
    ring = page.evaluate("getComputedStyle(document.activeElement.nextElementSibling, '::before').boxShadow")
    assert ring and ring != "none"
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url != first)
    assert page_id(page) == "screen_areas"
    context.close()


def _neutral_site(route: Any) -> None:
    """Stands in for the quick-exit site: tests never touch the internet."""
    route.fulfill(body="<title>Weather</title>Weather", content_type="text/html")


def _to_domestic_abuse(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    page.locator('input[name="setting"][value="gp_practice"]').check()
    page.get_by_role("button", name="Continue").click()
    page.locator('input[name="screen_areas"][value="family"]').check()
    page.get_by_role("button", name="Continue").click()
    assert page_id(page) == "family_abuse"


def test_domestic_abuse_pages_offer_quick_exit_and_ask_for_safe_contact(
    browser: Any, server: str, screenshots: Path
) -> None:
    context = browser.new_context()
    context.route("https://www.bbc.co.uk/**", _neutral_site)
    page = context.new_page()
    _to_domestic_abuse(page, server)
    exit_link = page.get_by_role("link", name="Leave this site quickly")
    exit_link.wait_for(state="visible", timeout=5000)
    assert axe_violations(page) == []
    shoot(page, screenshots, "safety-quick-exit")
    page.locator('input[name="family_domestic_abuse"][value="yes"]').check()
    page.get_by_role("button", name="Continue").click()
    assert page_id(page) == "family_safety_now"
    for qid, code in (("family_safe_now", "yes"), ("family_abuser_has_access", "yes"),
                      ("family_children_at_risk", "no")):  # fmt: skip
        page.locator(f'input[name="{qid}"][value="{code}"]').check()
    page.get_by_role("button", name="Continue").click()
    assert page_id(page) == "family_safe_contact"
    assert "How can the person be contacted safely?" in page.content()
    # Escape leaves at once, to a neutral site, replacing this page in history.
    page.wait_for_load_state("load")  # the script (a deferred module) is running by now
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.bbc.co.uk/weather")
    # Back finds nothing: the page went through /quick-exit, which forgot the session and its draft.
    page.go_back()
    page.wait_for_load_state("load")
    assert 'name="family_safe_contact"' not in page.content() and "How can the person" not in page.content()
    page.goto(server + "/questionnaire/check")
    assert "Your session ended" in page.content()
    context.close()
    # Without JavaScript the control is a plain link that still works.
    context = browser.new_context(java_script_enabled=False)
    context.route("https://www.bbc.co.uk/**", _neutral_site)
    page = context.new_page()
    _to_domestic_abuse(page, server)
    page.get_by_role("link", name="Leave this site quickly").click()
    page.wait_for_url("https://www.bbc.co.uk/weather")
    page.go_back()  # to the safety page: fetched again (no-store), it finds no session
    page.wait_for_load_state("load")
    assert 'name="family_domestic_abuse"' not in page.content()
    assert page.url.startswith("https://www.bbc.co.uk/") or "Your session ended" in page.content()
    page.goto(server + "/questionnaire/check")
    assert "Your session ended" in page.content()
    context.close()


def test_no_quick_exit_outside_safety_sections(browser: Any, server: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    assert page.get_by_role("link", name="Leave this site quickly").count() == 0
    page.keyboard.press("Escape")
    assert page_id(page) == "screen_setting"
    context.close()


def test_idle_session_warning_with_javascript(browser: Any, server: str, screenshots: Path) -> None:
    from api.sessions import IDLE_TIMEOUT_SECONDS

    context = browser.new_context()
    page = context.new_page()
    page.clock.install()
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    warning = page.locator("#timeout-warning")
    assert warning.is_hidden()
    page.clock.run_for((IDLE_TIMEOUT_SECONDS - 100) * 1000)
    assert warning.is_visible()
    assert "Your session is about to end" in warning.inner_text()
    assert axe_violations(page) == []
    shoot(page, screenshots, "timeout-warning")
    warning.get_by_role("button", name="Continue").click()
    page.wait_for_function("document.getElementById('timeout-warning').hidden")
    # Still on the question; left alone past the limit, the page ends the session itself.
    page.clock.run_for((IDLE_TIMEOUT_SECONDS + 5) * 1000)
    page.wait_for_url("**/session-ended")
    assert "Your session ended" in page.content()
    context.close()


def test_session_ended_page_without_javascript(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    context.clear_cookies()  # what an expired session cookie looks like to the server
    page.locator('input[name="setting"][value="gp_practice"]').check()
    page.get_by_role("button", name="Continue").click()
    assert "Your session ended" in page.content()
    context.close()


def test_save_and_resume_by_code(browser: Any, server: str, qn: Questionnaire, screenshots: Path) -> None:
    answers = PERSONAS["mould_child_asthma"]
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_role("button", name="Start now").click()
    for _ in range(3):
        fill(page, qn, answers)
        page.get_by_role("button", name="Continue").click()
    fill(page, qn, answers)
    page.get_by_role("button", name="Save and come back later").click()
    assert "/questionnaire/saved" in page.url
    code = page.locator(".app-resume-code").inner_text().strip()
    assert len(code) == 14 and code.count("-") == 2
    assert axe_violations(page) == []
    shoot(page, screenshots, "saved")
    context.close()
    # Another browser, another day: the code brings the answers back.
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/questionnaire/resume")
    page.fill("#resume_code", "nope")
    page.get_by_role("button", name="Continue").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert axe_violations(page) == []
    page.fill("#resume_code", code.lower().replace("-", " "))
    page.get_by_role("button", name="Continue").click()
    assert page_id(page) == "housing_repairs"
    for _ in range(30):
        if "/questionnaire/check" in page.url:
            break
        fill(page, qn, answers)
        page.get_by_role("button", name="Continue").click()
    # Change an earlier answer from the check page: the repairs branch goes, answers are dropped.
    page.get_by_role("link", name="Change housing problems").click()
    assert page_id(page) == "housing_problems"
    page.locator('input[name="housing_problems"][value="repairs"]').uncheck()
    page.locator('input[name="housing_problems"][value="harassment"]').check()
    page.get_by_role("button", name="Continue").click()
    assert "/questionnaire/check" in page.url
    assert "Damp or mould" not in page.content()
    page.get_by_role("button", name="See the result").click()
    needs = result_needs(page)
    assert "housing.disrepair" not in needs
    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("path", ["/accessibility", "/privacy", "/session-ended", "/questionnaire/resume"])
def test_other_pages_are_accessible(browser: Any, server: str, path: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + path)
    assert axe_violations(page) == []
    context.close()
