"""The pure parts of /admin/users and /audit, and the last-administrator rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from callbacks.admin_users import account_error_text
from callbacks.audit import filters, time_range
from data.accounts import users
from data.accounts.user_admin import change_detail, changes, locks_self_out
from layouts.audit_view import fmt_times, readable
from layouts.export import to_csv_bytes
from layouts.i18n import state_lang as page_lang
from layouts.i18n import t

PASSWORD = "long-enough-password"


def _account(role="admin", active=True, court=None, name="a") -> users.Account:
    return users.Account(1, name, role, court, active, None, 0)


# --- the last administrator ------------------------------------------------------------


@pytest.mark.parametrize("role, active", [("staff", True), ("judge", True), ("admin", False)])
def test_last_admin_may_not_be_demoted_or_disabled(role, active):
    with pytest.raises(users.AccountError, match="last active administrator"):
        users.check_keeps_an_admin(_account(), role, active, other_active_admins=0)


def test_admin_may_go_when_another_remains_and_others_are_never_blocked():
    users.check_keeps_an_admin(_account(), "staff", True, other_active_admins=1)
    users.check_keeps_an_admin(_account(), "admin", True, other_active_admins=0)
    users.check_keeps_an_admin(_account(role="analyst"), "staff", False, other_active_admins=0)
    # A disabled administrator is no administrator: changing it locks nobody out.
    users.check_keeps_an_admin(_account(active=False), "staff", False, other_active_admins=0)


def test_change_keeps_one_active_administrator(engine):
    with engine.begin() as conn:
        users.add_user(conn, "boss", "admin", PASSWORD)
        users.add_user(conn, "deputy", "admin", PASSWORD)
        users.add_user(conn, "clerk", "staff", PASSWORD)
    with engine.begin() as conn:
        users.change(conn, "deputy", active=False)  # boss remains
    for kwargs in ({"active": False}, {"role": "staff"}):
        with pytest.raises(users.AccountError, match="last active administrator"), \
                engine.begin() as conn:
            users.change(conn, "boss", **kwargs)
    with engine.connect() as conn:
        boss = users.get(conn, "boss")
    assert boss.role == "admin" and boss.active
    # Other accounts are unaffected by the rule, and a second admin frees the first.
    with engine.begin() as conn:
        users.change(conn, "clerk", active=False)
        users.change(conn, "deputy", active=True)
        users.change(conn, "boss", role="staff")
    with engine.connect() as conn:
        assert users.get(conn, "boss").role == "staff"
        assert users.get(conn, "deputy").active


# --- account errors in the page language ----------------------------------------------


def _every_account_error(engine) -> list[str]:
    """The message of every AccountError data.accounts.users raises, each actually raised."""
    with engine.begin() as conn:
        users.add_user(conn, "boss", "admin", PASSWORD)
    attempts = [
        lambda c: users.add_user(c, "two words", "staff", PASSWORD),
        lambda c: users.add_user(c, "x", "staff", "short"),
        lambda c: users.add_user(c, "x", "emperor", PASSWORD),
        lambda c: users.add_user(c, "x", "judge", PASSWORD),
        lambda c: users.add_user(c, "x", "judge", PASSWORD, "NO-SUCH"),
        lambda c: users.add_user(c, "x", "staff", PASSWORD, "KZ10-D01"),
        lambda c: users.add_user(c, "boss", "staff", PASSWORD),
        lambda c: users.set_password(c, "nobody", PASSWORD),
        lambda c: users.change(c, "boss", active=False),
    ]
    messages = []
    for attempt in attempts:
        with pytest.raises(users.AccountError) as raised, engine.begin() as conn:
            attempt(conn)
        messages.append(str(raised.value))
    return messages


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_account_error_is_translated(tmp_path, lang):
    from data.store.db import init_db, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'e.sqlite'}")
    init_db(engine)
    for message in _every_account_error(engine):
        translated = account_error_text(message, lang)
        assert translated != message, message
        assert "{" not in translated and "'" not in translated, translated
    assert account_error_text("No court with code 'KZ99-X'.", lang) == \
        t("account.no_court", lang, code="KZ99-X")
    assert "boss" in account_error_text("A user named 'boss' already exists.", lang)


def test_an_unknown_account_error_is_shown_as_it_is():
    assert account_error_text("Something new went wrong.", "ru") == "Something new went wrong."


# --- what a change changes -------------------------------------------------------------


def test_changes_and_their_audit_detail():
    analyst = _account(role="analyst", name="ann")
    assert changes(analyst, "analyst", None) == {}
    # A court given with a role that has none is no change at all.
    assert changes(analyst, "staff", "KZ10-D01") == {"role": ("analyst", "staff")}
    made_judge = changes(analyst, "judge", "KZ10-D01")
    assert made_judge == {"role": ("analyst", "judge"), "court": (None, "KZ10-D01")}
    assert change_detail("ann", made_judge) == \
        "ann: role analyst -> judge, court - -> KZ10-D01"
    judge = _account(role="judge", court="KZ10-D01")
    assert changes(judge, "judge", "KZ11-D01") == {"court": ("KZ10-D01", "KZ11-D01")}


def test_an_administrator_keeps_their_own_access():
    assert locks_self_out("boss", "boss", active=False)
    assert locks_self_out("boss", "boss", role="staff")
    assert not locks_self_out("boss", "boss", role="admin")
    assert not locks_self_out("boss", "boss", active=True)
    assert not locks_self_out("boss", "boss")  # a password reset, say
    assert not locks_self_out("boss", "clerk", role="staff", active=False)


def test_page_language_of_a_forged_state_is_english():
    assert page_lang({"lang": "kk"}) == "kk"
    for forged in (None, [], {"lang": "xx"}, {"lang": ["ru"]}, "ru"):
        assert page_lang(forged) == "en"


# --- audit filters and display ---------------------------------------------------------


def test_days_are_whole_days_in_astana_time():
    since, until = time_range("2025-01-01", "2025-01-31")
    # UTC+5: local midnight is 19:00 UTC the day before; the end day is included.
    assert since == dt.datetime(2024, 12, 31, 19, tzinfo=dt.UTC)
    assert until == dt.datetime(2025, 1, 31, 19, tzinfo=dt.UTC)
    # Before March 2024 Almaty was UTC+6.
    assert time_range("2023-06-01", None)[0] == dt.datetime(2023, 5, 31, 18, tzinfo=dt.UTC)
    assert time_range(None, "") == (None, None)
    assert time_range("31.01.2025", "2025-13-01") == (None, None)


def test_filters_ignore_unknown_actions_and_blank_names():
    asked = filters("  u-admin ", "drop_table", None, "2025-02-01")
    assert asked["username"] == "u-admin" and asked["action"] is None
    assert asked["since"] is None and asked["until"].date() == dt.date(2025, 2, 1)
    assert filters("", "login", None, None)["action"] == "login"
    assert filters("   ", None, None, None)["username"] is None


def test_times_in_the_page_languages_format():
    # SQLite hands back naive UTC text, PostgreSQL aware datetimes: both read the same.
    stored = pd.Series(["2025-03-05 20:07:09.123456",
                        dt.datetime(2025, 3, 5, 20, 7, 9, tzinfo=dt.UTC)])
    assert fmt_times(stored, "en").tolist() == ["2025-03-06 01:07"] * 2
    assert fmt_times(stored, "ru").tolist() == ["06.03.2025 01:07"] * 2
    assert fmt_times(stored, "kk", date_only=True).tolist() == ["06.03.2025"] * 2
    assert fmt_times(pd.Series([], dtype=object), "ru").tolist() == []


def test_readable_events_and_their_csv_are_safe():
    events = pd.DataFrame({
        "id": [2, 1], "at": ["2025-03-05 20:07:09", "2025-03-05 19:00:00"],
        "username": ["=HYPERLINK(\"http://x\")", "u-admin"],
        "action": ["login_failed", "user_add"], "detail": ["", "ann as analyst"],
        "address": ["10.0.0.9", None]})
    shown = readable(events, "ru")
    assert list(shown.columns) == [t(f"audit.col.{c}", "ru")
                                   for c in ("time", "user", "action", "detail", "address")]
    assert shown.iloc[1, 2] == t("audit.action.user_add", "ru") != "user_add"
    assert shown.iloc[1, 4] == ""
    exported = readable(events, "en", iso=True)
    assert exported.iloc[0, 0] == "2025-03-06T01:07:09+05:00"
    text = to_csv_bytes(exported).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


# --- the page layouts ------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_layouts(tmp_path_factory):
    """The two pages' own layout functions (the registry holds them behind the guard)."""
    import sys

    from app import create_app

    create_app({"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('a') / 'db.sqlite'}",
                "CREATE_ADMIN": False})
    return [sys.modules[f"layouts.pages.{name}"].layout for name in ("admin_users", "audit")]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_admin_pages_in_kk_or_ru_show_no_english(admin_layouts, lang):
    from layouts.i18n import catalogue
    from tests.test_i18n import SAME_EVERYWHERE, _strings

    english = {v for k, v in catalogue("en").items()
               if catalogue(lang).get(k) != v and v not in SAME_EVERYWHERE}
    for layout in admin_layouts:
        texts = _strings(layout(lang=lang))
        assert texts and not [s for s in texts if s in english]
        assert t("users.title", lang) in texts or t("audit.title", lang) in texts
