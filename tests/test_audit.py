"""data.accounts.audit on SQLite and PostgreSQL: recording, filtering, the login-failure window."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, text

from data.accounts import audit
from data.store.models import AuditEvent

UTC = dt.UTC
ALMATY = dt.timezone(dt.timedelta(hours=5))
T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def put(conn, at: dt.datetime, username: str = "ann", action: str = "login",
        detail: str = "", address: str | None = "10.0.0.1") -> None:
    """An event at an explicit moment (record() always stamps now)."""
    conn.execute(insert(AuditEvent).values(at=at, username=username, action=action,
                                           detail=detail, address=address))


@pytest.fixture
def log(engine):
    """Six events an hour apart, oldest first, as they would have been appended."""
    with engine.begin() as conn:
        for hour, (user, action) in enumerate([("ann", "login"), ("bob", "login_failed"),
                                               ("ann", "upload"), ("bob", "login"),
                                               ("ann", "logout"), ("cy", "user_add")]):
            put(conn, T0 + dt.timedelta(hours=hour), user, action, detail=f"h{hour}")
    return engine


def details(engine, **filters) -> list[str]:
    with engine.connect() as conn:
        return list(audit.events(conn, **filters)["detail"])


def test_record_and_read_back(engine):
    before = dt.datetime.now(UTC)
    with engine.begin() as conn:
        audit.record(conn, "ann", "upload", "cases.csv as upload #3", "192.0.2.7")
    audit.record_now(engine, "bob", "logout")
    with engine.connect() as conn:
        df = audit.events(conn)
    assert list(df.columns) == ["id", "at", "username", "action", "detail", "address"]
    assert list(df["username"]) == ["bob", "ann"]
    first = df.iloc[1]
    assert (first["action"], first["detail"], first["address"]) == (
        "upload", "cases.csv as upload #3", "192.0.2.7")
    assert df.iloc[0]["detail"] == "" and pd.isna(df.iloc[0]["address"])
    # Stamped now, in UTC, whichever database keeps it.
    at = pd.to_datetime(df["at"], utc=True)
    slack = dt.timedelta(seconds=1)
    assert (at >= before - slack).all() and (at <= dt.datetime.now(UTC) + slack).all()


def test_an_event_belongs_to_its_transaction(engine):
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, "ann", "upload", "rolled back with the upload")
        raise RuntimeError("the upload failed")
    with engine.connect() as conn:
        assert audit.events(conn).empty


def test_long_fields_are_truncated_and_empty_address_is_none(engine):
    with engine.begin() as conn:
        audit.record(conn, "u" * 500, "a" * 100, "d" * 10_000, "x" * 200)
        audit.record(conn, "", "logout", "", "")
        audit.record(conn, None, "logout", "", None)
    with engine.connect() as conn:
        df = audit.events(conn)
    long = df.iloc[2]
    assert long["username"] == "u" * 120 and long["action"] == "a" * 40
    assert long["detail"] == "d" * 4000 and long["address"] == "x" * 64
    assert list(df["username"].iloc[:2]) == ["", ""]
    assert df["address"].iloc[:2].isna().all()


def test_events_newest_first_and_filters(log):
    assert details(log) == ["h5", "h4", "h3", "h2", "h1", "h0"]
    assert details(log, username="ann") == ["h4", "h2", "h0"]
    assert details(log, action="login") == ["h3", "h0"]
    assert details(log, username="bob", action="login") == ["h3"]
    assert details(log, username="nobody") == []
    assert details(log, limit=2) == ["h5", "h4"]
    assert details(log, username="ann", limit=1) == ["h4"]


def test_events_time_range_includes_since_and_excludes_until(log):
    since, until = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=4)
    assert details(log, since=since) == ["h5", "h4", "h3", "h2", "h1"]
    assert details(log, until=until) == ["h3", "h2", "h1", "h0"]
    assert details(log, since=since, until=until) == ["h3", "h2", "h1"]
    assert details(log, since=since, until=until, username="ann") == ["h2"]
    assert details(log, since=T0 + dt.timedelta(days=1)) == []


def test_events_time_range_is_the_same_instant_in_any_time_zone(log):
    """Almaty 18:00 is 13:00 UTC: both databases must pick the same events."""
    since = (T0 + dt.timedelta(hours=1)).astimezone(ALMATY)
    until = (T0 + dt.timedelta(hours=4)).astimezone(ALMATY)
    assert details(log, since=since, until=until) == ["h3", "h2", "h1"]


def test_events_take_naive_moments_as_utc_whatever_the_session_zone(log):
    with log.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET TIME ZONE 'Asia/Almaty'"))
        since = (T0 + dt.timedelta(hours=1)).replace(tzinfo=None)
        until = (T0 + dt.timedelta(hours=4)).replace(tzinfo=None)
        got = list(audit.events(conn, since=since, until=until)["detail"])
    assert got == ["h3", "h2", "h1"]


def test_events_bounds_are_exact_to_the_microsecond(engine):
    moment = dt.datetime(2024, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    with engine.begin() as conn:
        put(conn, moment, detail="at")
    assert details(engine, since=moment) == ["at"]
    assert details(engine, until=moment) == []
    assert details(engine, until=moment + dt.timedelta(microseconds=1)) == ["at"]
    assert details(engine, since=moment + dt.timedelta(microseconds=1)) == []


def test_recent_failures_counts_only_this_account_address_and_window(engine):
    now = dt.datetime.now(UTC)
    window = dt.timedelta(minutes=1)
    with engine.begin() as conn:
        for seconds in (5, 20, 50):  # inside the window
            put(conn, now - dt.timedelta(seconds=seconds), "ann", "login_failed")
        put(conn, now - dt.timedelta(seconds=70), "ann", "login_failed")  # too old
        put(conn, now - dt.timedelta(hours=2), "ann", "login_failed")
        put(conn, now - dt.timedelta(seconds=10), "ann", "login_failed", address="10.0.0.2")
        put(conn, now - dt.timedelta(seconds=10), "bob", "login_failed")
        put(conn, now - dt.timedelta(seconds=10), "ann", "login")
        put(conn, now - dt.timedelta(seconds=10), "ann", "login_throttled")
        put(conn, now - dt.timedelta(seconds=10), "ann", "login_failed", address=None)
    with engine.connect() as conn:
        assert audit.recent_failures(conn, "ann", "10.0.0.1", window) == 3
        assert audit.recent_failures(conn, "ann", "10.0.0.1", dt.timedelta(minutes=5)) == 4
        assert audit.recent_failures(conn, "ann", "10.0.0.1", dt.timedelta(days=1)) == 5
        assert audit.recent_failures(conn, "ann", "10.0.0.2", window) == 1
        assert audit.recent_failures(conn, "bob", "10.0.0.1", window) == 1
        assert audit.recent_failures(conn, "ann", "10.9.9.9", window) == 0
        assert audit.recent_failures(conn, "cy", "10.0.0.1", window) == 0
        # No address is its own bucket, not a wildcard.
        assert audit.recent_failures(conn, "ann", None, window) == 1


def test_recent_failures_sees_names_as_record_stored_them(engine):
    long_name = "n" * 300
    with engine.begin() as conn:
        for _ in range(2):
            audit.record(conn, long_name, "login_failed", "", "10.0.0.1")
    with engine.connect() as conn:
        assert audit.recent_failures(conn, long_name, "10.0.0.1", dt.timedelta(minutes=1)) == 2


def test_every_action_fits_the_column():
    assert all(len(a) <= 40 for a in audit.ACTIONS)
    assert {"login", "login_failed", "login_throttled", "logout", "upload", "undo",
            "target_change", "user_add", "user_change", "password_change",
            "token_issued"} <= set(audit.ACTIONS)


def test_a_day_as_bound_is_its_first_moment_in_utc(log):
    assert details(log, since=dt.date(2024, 3, 1), until=dt.date(2024, 3, 2)) == [
        "h5", "h4", "h3", "h2", "h1", "h0"]
    assert details(log, until=dt.date(2024, 3, 1)) == []
