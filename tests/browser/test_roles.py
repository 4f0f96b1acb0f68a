"""Issue #5 in the browser: each role signs in and sees what the role table says, no more."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, JUDGE_COURT, PASSWORD, wait_idle
from tests.browser.test_pages import card, open_page, ranking_bars

pytestmark = pytest.mark.browser

# Nav links each role is offered (the server refuses the others anyway).
LINKS = ["Scorecard", "KPI explorer", "Outlook", "Simulator", "Compare", "Judges needed",
         "Data coverage",
         "Upload", "Upload history", "Targets", "Notes", "Releases", "Users", "Audit log"]
EXPECTED = {
    "admin": set(LINKS),
    "staff": set(LINKS) - {"Upload", "Users", "Audit log"},
    "analyst": set(LINKS) - {"Releases", "Users", "Audit log"},
    "judge": {"Scorecard", "KPI explorer", "Outlook", "Simulator", "Compare", "Notes"},
}
OTHER_COURT = "KZ75-D01"
FUNNEL_CARD = "Funnel plot: value against volume"
OTHER_COURT_NAME = "Almaly District Court of Almaty"


def nav_links(page: Page) -> set[str]:
    """Links in the bar and in its menus (Data, Administration), opened or not."""
    links = page.locator("nav .nav-link:not(.dropdown-toggle), nav .dropdown-item")
    return {(t or "").strip() for t in links.all_text_contents()}


def menus(page: Page) -> set[str]:
    return {(t or "").strip() for t in
            page.locator("nav .dropdown-toggle").all_text_contents()}


def test_signing_in_through_the_form(page_as):
    page = page_as(None)
    page.refusals_expected = True  # after signing out, callbacks still in flight get 401
    page.goto(page.app_url + "/compare")
    expect(page).to_have_url(re.compile(r"/login\?next=/compare"))
    page.get_by_label("User name").fill(ACCOUNTS["staff"])
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-error")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/compare$"))
    wait_idle(page)
    expect(page.locator("#account-name")).to_have_text(ACCOUNTS["staff"])
    expect(page.locator("#account-role")).to_have_text("Court Administration")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(page.app_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next=/"))


@pytest.mark.parametrize("role", ["admin", "staff", "analyst", "judge"])
def test_each_role_is_offered_its_pages(page_as, role):
    page = page_as(role)
    open_page(page, "/")
    assert nav_links(page) == EXPECTED[role]
    # Judges too have the Data menu: it holds the notes on the figures (issue 15).
    assert menus(page) == {"admin": {"Data", "Administration"}}.get(role, {"Data"})
    expect(page.locator(".kpi-tile").first).to_be_visible()


def test_judge_sees_own_court_and_anonymous_others(page_as):
    page = page_as("judge")
    page.refusals_expected = True
    open_page(page, f"/court/{JUDGE_COURT}")
    expect(card(page, "Scorecard against region and nation")).to_be_visible()
    header = page.locator("#court-header")
    expect(header).to_contain_text(JUDGE_COURT)

    # Another court by URL: refused, and nothing about it shown.
    response = page.goto(page.app_url + f"/court/{OTHER_COURT}")
    assert response.status == 403
    expect(page.locator("body")).not_to_contain_text(OTHER_COURT_NAME)

    # Rankings of courts: the judge's own court by name, every other one anonymised.
    open_page(page, "/kpi/clearance_rate?view=courts")
    expect(card(page, "Courts ranked")).to_be_visible()
    ranking = card(page, "Courts ranked")
    ranking.get_by_role("button", name="Table", exact=True).click()
    rows = ranking.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    names = [r.split("\t")[0] for r in rows.all_inner_texts()]
    anonymous = [n for n in names if re.fullmatch(r"Court \d+ of \d+", n)]
    assert len(anonymous) == len(names) - 1, names[:5]
    assert OTHER_COURT_NAME not in page.content()
    # Clicking an anonymous bar goes nowhere.
    bar = ranking_bars(page).first
    bar.click(force=True)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/kpi/clearance_rate"))

    # The coverage page is not for judges.
    response = page.goto(page.app_url + "/coverage")
    assert response.status == 403


def test_staff_sees_every_court_by_name(page_as):
    page = page_as("staff")
    open_page(page, f"/court/{OTHER_COURT}")
    expect(page.get_by_role("heading", level=1)).to_have_text(OTHER_COURT_NAME)
    open_page(page, "/kpi/clearance_rate?view=courts")
    ranking = card(page, "Courts ranked")
    ranking.get_by_role("button", name="Table", exact=True).click()
    expect(ranking.locator("table tbody")).not_to_contain_text("Court 1 of")


def test_judge_funnel_counts_anonymised_courts_instead_of_drawing_them(page_as):
    """#17: a volume would link an anonymous court across KPIs, so a judge's funnel plot
    draws the own court and counts the others by where they fall."""
    page = page_as("judge")
    open_page(page, "/kpi/on_time_rate?view=courts")
    funnel = card(page, FUNNEL_CARD)
    expect(funnel).to_contain_text("anonymised and not drawn")
    expect(funnel.locator(".scatterlayer .point")).to_have_count(1)


def test_a_page_whose_session_ended_elsewhere_goes_to_sign_in(page_as):
    """Signed out in another tab: the next click here lands on the sign-in page with a
    sentence saying why, and signing in again goes where the click was going."""
    page = page_as("staff")
    page.refusals_expected = True
    open_page(page, "/kpi/clearance_rate?year=2024")
    other = page.context.new_page()
    other.goto(page.app_url + "/")
    other.locator("#logout").click()
    other.wait_for_url(re.compile(r"/login"))
    other.close()
    page.locator("nav").get_by_role("link", name="Compare").click()
    page.wait_for_url(re.compile(r"/login\?ended=1&next="))
    expect(page.locator("#login-ended")).to_contain_text("Your session has ended")
    page.fill("#username", ACCOUNTS["staff"])
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/compare$"))
