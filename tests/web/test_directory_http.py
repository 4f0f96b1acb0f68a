"""Directory sign-in over raw HTTP (issue 33): the /login form checks the password
against a real slapd (tests/slapd.py); wrong passwords, injected names and people in no
group are refused with a sentence; a removed person's open session ends with the
periodic check; the directory down is a clear 503 while local accounts still sign in;
and an app with no directory set signs in as before."""

from __future__ import annotations

import html

import pytest

from data.accounts import directory, directory_accounts
from data.store.db import make_engine
from layouts.i18n import t
from tests import slapd
from tests.web.conftest import sign_in


@pytest.fixture
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    eng.dispose()


@pytest.fixture
def ldap(tmp_path):
    yield from slapd.running(tmp_path / "ldap")


@pytest.fixture
def with_directory(app, ldap, monkeypatch):
    """The app signing in against the test directory (as COURT_KPI_LDAP_* would set)."""
    settings = directory.settings_from(ldap.env())
    monkeypatch.setitem(app.server.extensions, "court_kpi_directory", settings)
    return settings


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_without_a_directory_nothing_changes(app):
    assert app.server.extensions["court_kpi_directory"] is None
    response = sign_in(app.server.test_client(), "alice", slapd.PASSWORDS["alice"],
                       address="10.9.0.1")
    assert response.status_code == 401


def test_a_directory_person_signs_in_and_reads_pages(app, with_directory):
    client = app.server.test_client()
    response = sign_in(client, "jan", slapd.PASSWORDS["jan"], address="10.9.0.2")
    assert response.status_code == 302, _text(response)[:300]
    assert client.get("/").status_code == 200
    assert client.get("/api/me").status_code in (200, 404)  # signed in: never 401


def test_wrong_password_and_injected_names_are_refused(app, with_directory):
    client = app.server.test_client()
    for n, (name, password) in enumerate([("alice", "not-her-password"),
                                          ("*)(uid=*", slapd.PASSWORDS["alice"]),
                                          ("alice)(|(uid=*", "x"), ("*", "*")]):
        response = sign_in(client, name, password, address=f"10.9.1.{n}")
        assert response.status_code == 401
        assert t("login.failed", "ru") in _text(response) or \
            t("login.failed", "en") in _text(response)


def test_a_person_in_no_group_is_told_so_in_their_language(app, with_directory):
    for n, lang in enumerate(("en", "ru", "kk")):
        client = app.server.test_client()
        client.set_cookie("court_kpi_lang", lang)
        response = sign_in(client, "eve", slapd.PASSWORDS["eve"], address=f"10.9.2.{n}")
        assert response.status_code == 401
        assert t("directory.no_role", lang) in _text(response)


def test_a_removed_person_loses_their_open_session(app, engine, with_directory, ldap):
    client = app.server.test_client()
    assert sign_in(client, "bob", slapd.PASSWORDS["bob"], address="10.9.3.1") \
        .status_code == 302
    assert client.get("/").status_code == 200
    with ldap.admin() as conn:
        conn.delete(slapd.person_dn("bob"))
    assert ("bob", "ended: not in the directory") in \
        directory_accounts.check_open(engine, with_directory)
    assert client.get("/").status_code in (302, 401)  # signed out
    again = sign_in(app.server.test_client(), "bob", slapd.PASSWORDS["bob"],
                    address="10.9.3.2")
    assert again.status_code == 401


def test_the_directory_down_is_a_clear_503_and_local_accounts_still_sign_in(
        app, with_directory, ldap):
    ldap.stop()
    client = app.server.test_client()
    client.set_cookie("court_kpi_lang", "en")
    response = sign_in(client, "alice", slapd.PASSWORDS["alice"], address="10.9.4.1")
    assert response.status_code == 503
    assert t("directory.down", "en") in _text(response)
    assert "Traceback" not in _text(response)
    local = sign_in(app.server.test_client(), "u-analyst", address="10.9.4.2")
    assert local.status_code == 302
