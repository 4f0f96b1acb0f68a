"""Browser tests: the real app in a subprocess, driven by Debian's headless Chromium.

The app runs on a fresh SQLite database with the small synthetic demo data and one
account per role (ACCOUNTS). ``page`` is signed in as an administrator, ``page_as``
as any role. Every page fails the test on a browser console error (a CSP violation
included) or a failed request (a Dash callback that raised answers 500).
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.appserver import CHROMIUM, CHROMIUM_ARGS, login, running_app

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "browser-test-pass"
JUDGE_COURT = "KZ10-D01"
# role -> account name; the judge sits in a district court of region KZ-10.
ACCOUNTS = {"admin": "t-admin", "staff": "t-staff", "analyst": "t-analyst", "judge": "t-judge"}
# What a test waits for something to show before it fails. The suite's two workers share
# two cores with their apps and browsers, and a chart drawn by Plotly (or one drawn as it
# scrolls into view) took more than Playwright's default of 5 s there in CI: the tests
# check what a person is shown, not how fast (bench/ measures that).
expect.set_options(timeout=15_000)


def browser_database(pg_reason: str | None) -> str:
    """The database the browser tests' apps run on: PostgreSQL, production's (required in
    CI); SQLite on a machine without a server. What a page shows is the same on both,
    and the database layer under it is tested on both (tests/conftest.py ``engine``,
    tests/web on both); one database here halves the suite's slowest part. The
    accessibility checks run on SQLite (``sqlite_app_url``), so the embedded default is
    also opened page by page in a browser."""
    return "postgresql" if pg_reason is None or IN_CI else "sqlite"


@contextlib.contextmanager
def public_demo(kind: str, folder, templates):
    """The app over the small demo with the public view of releases on (issue 14), as a
    deployment that publishes runs."""
    before = os.environ.get("COURT_KPI_PUBLIC")
    os.environ["COURT_KPI_PUBLIC"] = "1"
    try:
        with served_demo(kind, folder, templates, "2026-01-01", ACCOUNTS) as (base, _url):
            yield base
    finally:
        if before is None:
            os.environ.pop("COURT_KPI_PUBLIC", None)
        else:
            os.environ["COURT_KPI_PUBLIC"] = before


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, demo_templates, pg_reason) -> str:
    """The app over the small demo on ``browser_database``."""
    with public_demo(browser_database(pg_reason), tmp_path_factory.mktemp("browser"),
                     demo_templates) as base:
        yield base


@pytest.fixture(scope="session")
def sqlite_app_url(tmp_path_factory, demo_templates) -> str:
    """The same app on SQLite, the embedded default."""
    with public_demo("sqlite", tmp_path_factory.mktemp("browser-sqlite"),
                     demo_templates) as base:
        yield base


@contextlib.contextmanager
def served_demo(kind: str, folder, templates, as_of: str, accounts: dict[str, str]):
    """(base URL, database URL) of the app over the small demo extracted on ``as_of`` (as
    ``python -m data demo --as-of`` makes it), in a new database of ``kind`` copied from
    the run's template (tests/conftest.py), with an account per role of ``accounts``."""
    with demo_with_accounts(templates, kind, folder, as_of, accounts) as url, \
            running_app(url, folder / "app.log") as base:
        yield base, url


@contextlib.contextmanager
def demo_with_accounts(templates, kind: str, folder, as_of: str, accounts: dict[str, str]):
    """A new database of ``kind`` copied from the run's template of the demo extracted on
    ``as_of``, with an account per role of ``accounts`` (the judge's of JUDGE_COURT)."""
    from data.accounts import users
    from data.store.db import make_engine

    with templates.copy(kind, folder, as_of, "cli") as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            for role, name in accounts.items():
                users.add_user(conn, name, role, PASSWORD,
                               JUDGE_COURT if role == "judge" else None)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("chromium is required in CI")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _new_page(browser, app_url, role: str | None, problems: list[str]):
    # English explicitly: the app picks its language from Accept-Language.
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True, locale="en-US")
    if role:
        login(context, app_url, ACCOUNTS[role], PASSWORD)
    pg = context.new_page()
    pg.refusals_expected = False  # a test of refused access sets it: 401/403 are then fine
    refusal = re.compile(r"status of 40[13] ")
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
          if m.type == "error" and not (pg.refusals_expected and refusal.search(m.text))
          else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
          if r.status >= 500 else None)
    # Callback requests in flight: a click changes no page, so "network idle" alone
    # can return before the callbacks it starts are even sent.
    pg.dash_inflight = 0

    def started(req):
        if "_dash-update-component" in req.url:
            pg.dash_inflight += 1

    def ended(req):
        if "_dash-update-component" in req.url:
            pg.dash_inflight -= 1

    pg.on("request", started)
    pg.on("requestfinished", ended)
    pg.on("requestfailed", ended)
    pg.app_url = app_url
    return pg


@pytest.fixture
def page(browser, app_url):
    """A fresh page signed in as an administrator; console errors and failed requests
    fail the test at teardown."""
    problems: list[str] = []
    pg = _new_page(browser, app_url, "admin", problems)
    yield pg
    pg.context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page_as(browser, app_url):
    """``page_as(role)``: a fresh page signed in with that role (None: signed out)."""
    problems: list[str] = []
    pages = []

    def make(role: str | None):
        pages.append(_new_page(browser, app_url, role, problems))
        return pages[-1]

    yield make
    for pg in pages:
        pg.context.close()
    assert not problems, "\n".join(problems)


def wait_idle(pg, timeout: float = 20_000, quiet_ms: int = 400) -> None:
    """Until no Dash callback has been in flight for ``quiet_ms`` and nothing is loading."""
    pg.wait_for_load_state("networkidle", timeout=timeout)
    waited, quiet = 0, 0
    while quiet < quiet_ms:
        if waited > timeout:
            raise TimeoutError("Dash callbacks still running")
        pg.wait_for_timeout(100)
        waited += 100
        quiet = quiet + 100 if getattr(pg, "dash_inflight", 0) <= 0 else 0
    pg.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)


def dropdown_option(pg, name):
    """An open dropdown's option by its text (exact, or a compiled pattern): the label a
    person clicks (assets/a11y.js makes the options native radios or checkboxes)."""
    text = name if isinstance(name, re.Pattern) else re.compile(f"^{re.escape(name)}$")
    return pg.locator(".dash-dropdown-content label").filter(
        has=pg.locator(".dash-options-list-option-text").get_by_text(text))
