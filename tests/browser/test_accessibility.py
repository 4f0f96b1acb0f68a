"""Issue 16: no serious or critical axe-core violation of the WCAG 2.0/2.1/2.2 A and AA
rules on any page, in three languages, at 1400 and 390 px, in the states people reach
(a table view open, a dialog open, an upload reviewed, a dropdown open); and the
keyboard alone gets through sign-in, the KPI explorer, the year and a table view.

axe-core comes from the npm registry (package.json, installed by ./dev test) and is
evaluated in the page (the app's Content-Security-Policy allows no inline script, and
evaluating through the browser's protocol is not an inline script). Run on SQLite, the
embedded default, while the other browser tests run on PostgreSQL: what a page shows does
not depend on the database.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, IN_CI, JUDGE_COURT, PASSWORD, ROOT, wait_idle
from tests.browser.test_pages import open_page

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PAGES = ["/", "/kpi/clearance_rate", "/kpi/clearance_rate?region=KZ-75", "/outlook",
         "/simulate", "/court/KZ75-D01", "/compare?units=KZ-75,KZ-71", "/coverage",
         "/upload", "/uploads", "/targets", "/notes", "/releases", "/admin/users", "/audit"]
JUDGE_PAGES = ["/", "/kpi/clearance_rate", f"/court/{JUDGE_COURT}", "/notes"]


@pytest.fixture
def app_url(sqlite_app_url):
    """On SQLite: the other browser tests run on PostgreSQL (``browser_database``), and
    what a page shows does not depend on the database."""
    return sqlite_app_url


def axe_source() -> str:
    if not AXE.exists():
        message = f"{AXE} missing: run ./dev test (npm ci) to install axe-core"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[str]:
    """Serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;true")
    found = page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3)
                .map(n => n.target.join(' ')).join(' | '));
    }""", TAGS)
    return [f"{page.url}: {line}" for line in found]


def check(page: Page, found: list[str]) -> None:
    wait_idle(page)
    found.extend(violations(page))


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("lang", ["en", "kk", "ru"])
def test_every_page_has_no_serious_violation(page_as, lang, width):
    page = page_as("admin")
    page.set_viewport_size({"width": width, "height": 900})
    found: list[str] = []
    for path in PAGES:
        open_page(page, path + ("&" if "?" in path else "?") + f"lang={lang}")
        check(page, found)
    assert not found, "\n".join(found)


def test_pages_in_the_states_people_reach_have_no_serious_violation(page_as, tmp_path):
    page = page_as("admin")
    found: list[str] = []
    # A chart's table view open, and a dropdown open.
    open_page(page, "/kpi/clearance_rate")
    page.locator(".chart-card").first.get_by_role("button", name="Table").click()
    check(page, found)
    page.get_by_label("Year").first.click()
    check(page, found)
    page.keyboard.press("Escape")
    # The top bar's menu opened on a phone.
    page.set_viewport_size({"width": 390, "height": 900})
    open_page(page, "/")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="KPI explorer")).to_be_visible()
    check(page, found)
    page.set_viewport_size({"width": 1400, "height": 900})
    # An upload reviewed, with the mapping panel of a court's own names.
    path = tmp_path / "own.csv"
    path.write_text("Рег. номер;Код суда;Категория;Дата поступления\n"
                    "2-1/2025;KZ19-D01;ГПК;01.02.2025\n", encoding="utf-8")
    open_page(page, "/upload")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose a file…").click()
    chooser.value.set_files(str(path))
    expect(page.locator("#upload-verdict")).to_be_visible(timeout=60_000)
    expect(page.locator("#upload-profile-mapping-box")).to_be_visible()
    check(page, found)
    # A dialog open: the confirmation of deleting a note (written for the purpose).
    open_page(page, "/notes?unit=KZ&year=2024")
    page.get_by_label("Note", exact=True).fill("accessibility check")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#notes-message")).to_have_text("Note saved.")
    page.locator("#notes-list tr", has_text="accessibility check").get_by_role(
        "button", name="Delete").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    check(page, found)
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("#notes-message")).to_have_text("Note deleted.")
    assert not found, "\n".join(found)


def test_a_judges_pages_have_no_serious_violation(page_as):
    page = page_as("judge")
    found: list[str] = []
    for path in JUDGE_PAGES:
        open_page(page, path)
        check(page, found)
    assert not found, "\n".join(found)


def test_keyboard_only_sign_in_explorer_year_and_table_view(page_as):
    """Tab, type and Enter only: sign in, skip to the content, go to the KPI explorer,
    choose another year and open a chart's table view."""
    page = page_as(None)
    page.goto(page.app_url + "/login?next=/")
    tab_to(page, lambda: page.evaluate("() => document.activeElement.id") == "username")
    page.keyboard.type(ACCOUNTS["staff"])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    wait_idle(page)
    # The first Tab stop skips the menus.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    # To the explorer through the top bar, by keyboard.
    tab_to(page, lambda: page.evaluate(
        "() => document.activeElement.textContent.trim()") == "KPI explorer")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/kpi/"))
    wait_idle(page)
    # The year dropdown: a real Tab stop named "Year"; Enter opens it, type and Enter.
    tab_to(page, lambda: page.evaluate(
        "() => (document.activeElement.getAttribute('aria-labelledby') || '')"
        ".split(' ').map(id => document.getElementById(id)?.textContent || '')"
        ".join(' ').startsWith('Year 20')"))  # named by its label, then its value
    assert page.evaluate("() => document.activeElement.textContent") == "2025"
    page.keyboard.press("Enter")  # opens the list of years, newest first
    expect(page.get_by_role("radio", name="2023")).to_be_attached()
    # Arrow down until 2023 is the highlighted year (the list's input shows it), Enter.
    for _ in range(6):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(200)  # as a person types: the list follows each key
        if page.evaluate("() => document.activeElement.value") == "2023":
            break
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"year=2023"))
    # The focus stays on the control just used, so Tab goes on from there.
    assert page.evaluate("() => document.activeElement.textContent") == "2023"
    # A chart's table view: Tab to its "Table" button, Enter, and the table is there.
    tab_to(page, lambda: page.evaluate(
        "() => document.activeElement.textContent.trim()") == "Table")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.locator(".chart-card .collapse.show table").first).to_be_visible()


def tab_to(page: Page, reached, limit: int = 80) -> None:
    """Tab until ``reached()`` (checked first: the page may have put the focus there)."""
    if reached():
        return
    for _ in range(limit):
        page.keyboard.press("Tab")
        if reached():
            return
    raise AssertionError("not reached by Tab")

