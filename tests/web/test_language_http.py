"""Issue #6: the language is remembered per user, not only per browser."""

from __future__ import annotations

from tests.web.conftest import sign_in


def test_language_follows_the_user_to_another_browser(app, as_role):
    first = as_role("analyst")
    response = first.get("/lang/kk", headers={"Referer": "http://localhost/compare"})
    assert response.status_code == 302 and response.headers["Location"] == "/compare"
    # A new browser with no cookie: after signing in, the page is in Kazakh.
    other = app.server.test_client()
    signed_in = sign_in(other, "u-analyst", address="10.1.1.1")
    assert any(c.startswith("court_kpi_lang=kk") for c in signed_in.headers.getlist("Set-Cookie"))
    page = other.get("/", headers={"Accept": "text/html"})
    assert '<html lang="kk">' in page.get_data(as_text=True)
    first.get("/lang/ru")  # leave the shared demo account as it was


def test_language_before_sign_in_comes_from_the_cookie_or_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Sign in" in page.get_data(as_text=True)
    client.get("/lang/kk")
    assert "Жүйеге кіру" in client.get("/login").get_data(as_text=True)
