"""On SQLite and PostgreSQL (issue 30): API tokens end with the password, role or
court they were issued under (item 5); notes and release notes refuse Unicode
bidirectional controls (7a) and texts that are not strings (7c); a release year is an
integer or nothing is published (7b).

The raw-HTTP side is tests/web/test_tokens_and_plain_text_http.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from data.accounts import user_admin, users
from data.accounts.access import Viewer
from data.edits import annotations
from data.edits.annotations import Note, NoteError
from data.publish import releases
from data.publish.releases import ReleaseError
from tests.test_annotations import ANALYST, units  # noqa: F401  (a fixture)
from tests.test_releases import STAFF
from tests.test_releases import world as world  # noqa: PLC0414  (a fixture)
from tests.test_users import PASSWORD, add_court, cheap_hasher  # noqa: F401  (a fixture)

ADMIN = Viewer("root", "admin")
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069", "\u200e", "\u200f", "\u061c"]


# --- item 5: API tokens end with the password, role or court ---------------------------------


@pytest.fixture
def accounts(engine):
    """Two courts, an administrator, a judge of court A and an analyst."""
    with engine.begin() as conn:
        add_court(conn, "A")
        add_court(conn, "B")
        users.add_user(conn, "root", "admin", PASSWORD)
        users.add_user(conn, "jo", "judge", PASSWORD, "A")
        users.add_user(conn, "ann", "analyst", PASSWORD)
    return engine


def _token(engine, name: str) -> str:
    with engine.begin() as conn:
        return users.issue_token(conn, name)


def _opens(engine, token: str) -> str | None:
    with engine.connect() as conn:
        account = users.by_token(conn, token)
    return account.username if account else None


CHANGES = {
    "password": lambda e: _in(e, lambda c: users.set_password(c, "jo", "a-brand-new-secret")),
    "admin_reset": lambda e: user_admin.reset_password(e, ADMIN, "jo"),
    "role": lambda e: _in(e, lambda c: users.change(c, "jo", role="analyst")),
    "admin_role": lambda e: user_admin.save(e, ADMIN, "jo", "staff", None),
    "court": lambda e: _in(e, lambda c: users.change(c, "jo", court_code="B")),
    "admin_court": lambda e: user_admin.save(e, ADMIN, "jo", "judge", "B"),
    "disable": lambda e: _in(e, lambda c: users.change(c, "jo", active=False)),
    "admin_disable": lambda e: user_admin.set_active(e, ADMIN, "jo", False),
}


def _in(engine, change) -> None:
    with engine.begin() as conn:
        change(conn)


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_token_ends_when_the_password_role_or_court_changes_or_on_disable(accounts, change):
    token, other = _token(accounts, "jo"), _token(accounts, "ann")
    assert _opens(accounts, token) == "jo"
    CHANGES[change](accounts)
    assert _opens(accounts, token) is None
    assert _opens(accounts, other) == "ann"  # another account's token is untouched
    if "disable" not in change:  # a new token is the way back in
        assert _opens(accounts, _token(accounts, "jo")) == "jo"


@pytest.mark.parametrize("change", ["password", "role", "court"])
def test_the_token_row_is_gone_not_just_refused(accounts, change):
    """Ended means the stored digest is cleared: the token cannot come back later."""
    _token(accounts, "jo")
    CHANGES[change](accounts)
    with accounts.connect() as conn:
        assert conn.execute(text("SELECT token_hash FROM users WHERE username = 'jo'")
                            ).scalar() is None


def test_a_change_that_changes_nothing_keeps_the_token(accounts):
    token = _token(accounts, "jo")
    assert user_admin.save(accounts, ADMIN, "jo", "judge", "A") == {}
    with accounts.begin() as conn:
        users.change(conn, "jo", court_code="A")  # the same court: the same view
    assert _opens(accounts, token) == "jo"


def test_a_refused_change_keeps_the_token(accounts):
    token = _token(accounts, "jo")
    with pytest.raises(users.AccountError), accounts.begin() as conn:
        users.set_password(conn, "jo", "short")
    with pytest.raises(users.AccountError), accounts.begin() as conn:
        users.change(conn, "jo", court_code="NOPE")
    assert _opens(accounts, token) == "jo"


# --- item 7a: bidirectional controls ------------------------------------------------------------


@pytest.mark.parametrize("char", BIDI)
def test_bidi_in_names_each_control(char):
    assert annotations.bidi_in(f"exe.{char}txt") == f"U+{ord(char):04X}"


def test_plain_text_in_any_language_has_no_bidi():
    for plain in ("Суды № 2 и 3 объединены", "Соттар біріктірілді", "محكمة", "עברית",
                  "a\u200db", "x\u00a0y"):
        assert annotations.bidi_in(plain) is None, plain


@pytest.mark.parametrize("char", BIDI)
def test_a_note_with_a_bidi_control_is_refused_and_not_stored(units, char):  # noqa: F811
    engine, _courts, _regions = units
    with pytest.raises(NoteError) as refused:
        annotations.add(engine, Note("national", "KZ", 2024, "", f"txt.{char}exe merged"),
                        ANALYST)
    assert refused.value.code == "bidi"
    assert f"U+{ord(char):04X}" in str(refused.value)
    assert "invisible direction controls" in str(refused.value)
    with engine.connect() as conn:
        assert annotations.notes(conn, ANALYST).empty


def test_editing_a_note_to_hold_a_bidi_control_is_refused(units):  # noqa: F811
    engine, _courts, _regions = units
    note_id = annotations.add(engine, Note("national", "KZ", 2024, "", "merged"), ANALYST)
    with pytest.raises(NoteError, match="direction controls"):
        annotations.edit(engine, note_id, Note("national", "KZ", 2024, "", "merged\u202e"),
                         ANALYST)
    with engine.connect() as conn:
        assert annotations.get(conn, note_id, ANALYST)["text"] == "merged"


@pytest.mark.parametrize("char", BIDI)
def test_a_release_note_with_a_bidi_control_is_refused(char):
    with pytest.raises(ReleaseError) as refused:
        releases.clean_note(f"final{char} figures")
    assert refused.value.code == "bidi" and f"U+{ord(char):04X}" in str(refused.value)


def test_publishing_with_a_bidi_note_publishes_nothing(world):
    with pytest.raises(ReleaseError, match="direction controls"):
        releases.publish(world, 2024, "final \u202egif.exe", STAFF)
    with world.connect() as conn:
        assert releases.listing(conn).empty


# --- item 7c: a text that is not a string --------------------------------------------------------


@pytest.mark.parametrize("forged", [["a"], {"a": 1}, 5, True, ("a",)])
def test_a_note_that_is_not_a_string_is_refused(units, forged):  # noqa: F811
    engine, _courts, _regions = units
    with pytest.raises(NoteError) as refused:
        annotations.add(engine, Note("national", "KZ", 2024, "", forged), ANALYST)
    assert refused.value.code == "not_text"
    with engine.connect() as conn:
        assert annotations.notes(conn, ANALYST).empty


@pytest.mark.parametrize("forged", [["a"], {"a": 1}, 5])
def test_a_release_note_that_is_not_a_string_is_refused(world, forged):
    with pytest.raises(ReleaseError) as refused:
        releases.publish(world, 2024, forged, STAFF)
    assert refused.value.code == "not_text"
    with world.connect() as conn:
        assert releases.listing(conn).empty


# --- item 7b: a release year is an integer ---------------------------------------------


@pytest.mark.parametrize("year", [2024.5, 2024.0, "2024", "2024.5", True, [2024], None])
def test_a_year_that_is_not_an_integer_publishes_nothing(world, year):
    with pytest.raises(ReleaseError) as refused:
        releases.publish(world, year, "", STAFF)
    assert refused.value.code == "not_year"
    assert "whole number" in str(refused.value)
    with world.connect() as conn:
        assert releases.listing(conn).empty


def test_integer_years_still_publish(world):
    assert releases.publish(world, np.int64(2024), "", STAFF)["year"] == 2024
    assert releases.publish(world, 2025, "", STAFF)["year"] == 2025


def test_is_year():
    assert releases.is_year(2025) and releases.is_year(np.int64(2025))
    for value in (2025.5, 2025.0, "2025", True, False, None, [2025], np.float64(2025)):
        assert not releases.is_year(value), value


def test_the_page_reads_only_whole_years():
    from callbacks.releases import as_year

    assert as_year("2025") == 2025 and as_year(2025) == 2025 and as_year(" 2025 ") == 2025
    for value in (2025.5, "2025.5", "2025.0", True, False, None, [2025], {"y": 2025}, "",
                  "２０２５", "1e3", "-2025"):
        assert as_year(value) is None, value


def test_the_command_line_refuses_a_fractional_year(world, db_url):
    from tests.test_cli import run

    for year in ("2024.5", "true", "2024.0"):
        r = run("data", "release", "publish", "--year", year, "--db", db_url)
        assert r.returncode == 2 and "invalid int value" in r.stderr, (year, r.stderr)
    with world.connect() as conn:
        assert releases.listing(conn).empty
