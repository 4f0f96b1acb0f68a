"""Directory sign-in in a real browser, in Kazakh, Russian and English (issue 33): the
app runs with COURT_KPI_LDAP_* pointing at a test slapd (tests/slapd.py); a judge of
the directory signs in through the /login form and lands on the scorecard of their
court's figures; a wrong password and a person in no Court KPI group are told so in
the page's language."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from bench.appserver import running_app
from layouts.i18n import catalogue
from tests import slapd
from tests.browser.conftest import CHROMIUM, IN_CI

# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("directory_browser")]


@pytest.fixture(scope="module")
def directory_app(tmp_path_factory, demo_templates):
    """The app over the small demo (SQLite), signing in against a fresh slapd."""
    folder = tmp_path_factory.mktemp("directory-browser")
    gen = slapd.running(folder / "ldap")
    ldap = next(gen)
    saved = {k: os.environ.get(k) for k in ldap.env()}
    os.environ.update(ldap.env())  # the app's process inherits them
    try:
        # Its own copy of the demo (``python -m data demo --as-of 2026-01-01``).
        with demo_templates.copy("sqlite", folder, "2026-01-01", "cli") as url, \
                running_app(url, folder / "app.log") as base:
            yield base
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        next(gen, None)


@pytest.fixture
def fresh_page(browser):
    if not os.path.exists(CHROMIUM):  # pragma: no cover - the browser fixture skips first
        pytest.fail("chromium is required in CI") if IN_CI else pytest.skip("no chromium")
    problems: list[str] = []
    contexts = []

    def make(lang: str):
        context = browser.new_context(locale={"kk": "kk-KZ", "ru": "ru-RU"}.get(lang, "en-US"))
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        pg.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
              if r.status >= 500 else None)
        return pg

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def _sign_in(pg, base: str, lang: str, name: str, password: str) -> None:
    pg.goto(f"{base}/login?lang={lang}")
    texts = catalogue(lang)
    pg.get_by_label(texts["login.username"]).fill(name)
    pg.get_by_label(texts["login.password"]).fill(password)
    pg.get_by_role("button", name=texts["login.submit"]).click()
    pg.wait_for_load_state("networkidle")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_directory_judge_signs_in_in_each_language(directory_app, fresh_page, lang):
    texts = catalogue(lang)
    pg = fresh_page(lang)
    _sign_in(pg, directory_app, lang, "jan", "not-the-password")
    expect(pg.locator("#login-error")).to_have_text(texts["login.failed"])
    _sign_in(pg, directory_app, lang, "eve", slapd.PASSWORDS["eve"])
    expect(pg.locator("#login-error")).to_have_text(texts["directory.no_role"])
    _sign_in(pg, directory_app, lang, "jan", slapd.PASSWORDS["jan"])
    assert "/login" not in pg.url
    expect(pg.get_by_role("heading", name=texts["scorecard.title"])).to_be_visible(
        timeout=30_000)
    expect(pg.get_by_role("button", name=texts["nav.logout"])).to_be_visible()
