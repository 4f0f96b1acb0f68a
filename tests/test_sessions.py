"""Server-side sessions (data.accounts.sessions, issue #17) on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from data.accounts import sessions, users

HOUR = 3600.0
POLICY = sessions.Policy(idle=8 * HOUR, lifetime=24 * HOUR)
T0 = 1_800_000_000.0


@pytest.fixture
def account(engine):
    with engine.begin() as conn:
        return users.add_user(conn, "someone", "staff", "a-long-password")


def _start(engine, account, now=T0) -> str:
    with engine.begin() as conn:
        return sessions.start(conn, account, "10.1.2.3", now=now)


def _resolve(engine, session_id, now):
    with engine.connect() as conn:
        return sessions.resolve(conn, session_id, POLICY, now=now)


def test_a_session_lives_until_idle_or_lifetime_runs_out(engine, account):
    sid = _start(engine, account)
    got, stale = _resolve(engine, sid, T0 + 30)
    assert got.username == "someone" and got.viewer.role == "staff" and not stale
    got, stale = _resolve(engine, sid, T0 + 8 * HOUR - 1)
    assert got is not None and stale  # used after a minute: last_seen is to be touched
    assert _resolve(engine, sid, T0 + 8 * HOUR + 1) == (None, False)
    # Touched now and then, it outlives the idle time but not its lifetime.
    for hour in range(1, 24):
        with engine.begin() as conn:
            sessions.touch(conn, sid, now=T0 + hour * HOUR)
    assert _resolve(engine, sid, T0 + 23.9 * HOUR)[0] is not None
    assert _resolve(engine, sid, T0 + 24 * HOUR + 1)[0] is None


def test_end_and_account_changes_end_sessions(engine, account):
    a, b = _start(engine, account), _start(engine, account)
    assert a != b
    with engine.begin() as conn:
        sessions.end(conn, a)
    assert _resolve(engine, a, T0)[0] is None and _resolve(engine, b, T0)[0] is not None
    with engine.begin() as conn:
        users.set_password(conn, "someone", "another-long-password")
    assert _resolve(engine, b, T0)[0] is None
    with engine.connect() as conn:
        again = users.get(conn, "someone")
    c = _start(engine, again)
    with engine.begin() as conn:
        users.change(conn, "someone", active=False)
    assert _resolve(engine, c, T0)[0] is None


def test_a_version_bump_alone_ends_a_session(engine, account):
    """Even a row left behind stops working once the account's version moves on."""
    from sqlalchemy import update

    from data.store.models import User

    sid = _start(engine, account)
    with engine.begin() as conn:
        conn.execute(update(User).values(session_version=User.session_version + 1))
    assert _resolve(engine, sid, T0)[0] is None


def test_only_a_digest_is_stored_and_junk_ids_resolve_to_nobody(engine, account):
    from sqlalchemy import text

    sid = _start(engine, account)
    with engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT id_hash FROM user_sessions"))]
    assert stored and sid not in stored and len(stored[0]) == 64
    for junk in ("", "x" * 500, "1:0", stored[0]):
        assert _resolve(engine, junk, T0) == (None, False)


def test_purge_removes_only_run_out_sessions(engine, account):
    old = _start(engine, account, now=T0 - 9 * HOUR)
    new = _start(engine, account, now=T0)
    with engine.begin() as conn:
        assert sessions.purge(conn, POLICY, now=T0) == 1
        assert sessions.live_count(conn, account.id, POLICY, now=T0) == 1
    assert _resolve(engine, old, T0)[0] is None and _resolve(engine, new, T0)[0] is not None


def test_policy_from_config_and_environment(monkeypatch):
    assert sessions.policy_from({}) == sessions.Policy(8 * HOUR, 24 * HOUR)
    monkeypatch.setenv("COURT_KPI_SESSION_IDLE_HOURS", "0.5")
    monkeypatch.setenv("COURT_KPI_SESSION_LIFETIME_HOURS", "12")
    assert sessions.policy_from({}) == sessions.Policy(1800.0, 12 * HOUR)
    assert sessions.policy_from({"SESSION_IDLE_HOURS": 2}).idle == 2 * HOUR
    for bad in ("soon", "0", "-1"):
        monkeypatch.setenv("COURT_KPI_SESSION_IDLE_HOURS", bad)
        with pytest.raises(ValueError, match="COURT_KPI_SESSION_IDLE_HOURS"):
            sessions.policy_from({})
