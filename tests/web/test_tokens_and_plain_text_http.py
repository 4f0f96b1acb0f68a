"""Issue 30 over raw HTTP, as an attacker without a browser would send it.

Item 5: an API token ends when its account's password, role or court changes, and
ends when the account is disabled. Item 7: notes and release notes refuse
Unicode bidirectional controls (7a) and texts that are not strings (7c); a forged
release year that is not an integer publishes nothing (7b).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from data.accounts import user_admin, users
from data.accounts.access import Viewer
from data.publish import releases
from data.store.db import make_engine
from layouts import notes_view as v
from tests.web.conftest import JUDGE_COURT, OTHER_COURT, PASSWORD, post_callback
from tests.web.test_notes_http import post, said, save_body, stored
from tests.web.test_public_http import _publish_body

ADMIN = Viewer("u-admin", "admin")
KPI = "/api/v1/kpi?level=national"


@pytest.fixture
def engine(demo_db):
    eng = make_engine(demo_db)
    yield eng
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM annotations"))
    eng.dispose()


# --- item 5: API tokens end with the password, role or court ----------------------------------


@pytest.fixture
def judge_token(engine):
    """A fresh judge of its own with an API token: (name, token)."""
    name = f"t-{time.monotonic_ns()}"
    with engine.begin() as conn:
        users.add_user(conn, name, "judge", PASSWORD, JUDGE_COURT)
        return name, users.issue_token(conn, name)


def _set_password(engine, name):  # as `python -m data user passwd` does
    with engine.begin() as conn:
        users.set_password(conn, name, "another-long-password")


CHANGES = {
    "password": _set_password,
    "admin_password_reset": lambda e, n: user_admin.reset_password(e, ADMIN, n, "10.0.0.9"),
    "disable": lambda e, n: user_admin.set_active(e, ADMIN, n, False, "10.0.0.9"),
    "role": lambda e, n: user_admin.save(e, ADMIN, n, "analyst", None, "10.0.0.9"),
    "court": lambda e, n: user_admin.save(e, ADMIN, n, "judge", OTHER_COURT, "10.0.0.9"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_api_token_ends_with_an_account_change(client, engine, judge_token, change):
    name, token = judge_token
    bearer = {"Authorization": f"Bearer {token}"}
    before = client.get(KPI, headers=bearer)
    assert before.status_code == 200 and before.get_json()
    CHANGES[change](engine, name)
    after = client.get(KPI, headers=bearer)
    assert after.status_code == 401, (change, after.status_code)
    assert b"clearance" not in after.data


def test_another_accounts_change_leaves_a_token_working(client, engine, judge_token):
    name, token = judge_token
    other = f"o-{time.monotonic_ns()}"
    with engine.begin() as conn:
        users.add_user(conn, other, "judge", PASSWORD, JUDGE_COURT)
    user_admin.save(engine, ADMIN, other, "judge", OTHER_COURT)
    assert client.get(KPI, headers={"Authorization": f"Bearer {token}"}).status_code == 200


# --- item 7: the notes page ----------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u061c"])
def test_a_note_with_a_bidi_control_gets_a_sentence_and_is_not_stored(app, as_role, engine,
                                                                       char):
    response = post(as_role("analyst"), save_body(app, "KZ", 2024, v.WHOLE_YEAR,
                                                  f"courts merged exe.{char}fdp"))
    assert response.status_code == 200
    assert "invisible direction controls" in said(response)
    assert f"U+{ord(char):04X}" in said(response)
    assert stored(engine) == []


@pytest.mark.parametrize("forged", [["a"], {"a": 1}, [], {"text": "<b>x</b>"}, 12345])
def test_a_note_sent_as_a_list_or_object_is_refused_never_500(app, as_role, engine, forged):
    response = post(as_role("analyst"), save_body(app, "KZ", 2024, v.WHOLE_YEAR, forged))
    assert response.status_code < 500 and b"Traceback" not in response.data
    if response.status_code == 200:
        assert "is text" in said(response) or "Write the note first" in said(response)
        assert "Note saved" not in said(response)
    assert stored(engine) == []


# --- item 7: the releases page -------------------------------------------------------------------


def _release_count(engine) -> int:
    with engine.connect() as conn:
        return len(releases.listing(conn))


def _latest_year(engine) -> int:
    with engine.connect() as conn:
        return releases.repository.years(conn)[-1]


@pytest.mark.parametrize("forged", ["half", "half_text", True, "list", "object"])
def test_a_forged_release_year_that_is_not_an_integer_publishes_nothing(app, as_role, engine,
                                                                        forged):
    year = _latest_year(engine)
    value = {"half": year + 0.5, "half_text": f"{year}.5", "list": [year],
             "object": {"year": year}}.get(forged, forged)
    count = _release_count(engine)
    response = post_callback(as_role("staff"), _publish_body(app, value, "forged", as_sent=True))
    assert response.status_code < 500 and b"Traceback" not in response.data
    if response.status_code == 200:
        assert "Published release" not in response.get_data(as_text=True)
        assert "whole number" in response.get_data(as_text=True)
    assert _release_count(engine) == count


@pytest.mark.parametrize("note", ["final \u202egif.exe", "\u2066x\u2069", ["a"], {"a": 1}])
def test_a_forged_release_note_is_refused_and_nothing_is_published(app, as_role, engine, note):
    count = _release_count(engine)
    response = post_callback(as_role("staff"),
                             _publish_body(app, str(_latest_year(engine)), note, as_sent=True))
    assert response.status_code < 500 and b"Traceback" not in response.data
    body = response.get_data(as_text=True)
    assert "Published release" not in body
    assert ("direction controls" if isinstance(note, str) else "is text") in body
    assert _release_count(engine) == count
