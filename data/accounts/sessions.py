"""Browser sessions kept on the server, so that they can end.

The session cookie is signed, but a signed cookie alone cannot be taken back: a copy
made before signing out would go on working. So the cookie carries only a random
session id, and this table says whether that id is still good. A session ends when

* its user signs out (the row is deleted);
* the account's password, role or court changes, or it is disabled (``data.accounts.users``
  deletes every row of the account, and its ``session_version`` no longer matches);
* nobody used it for ``idle`` (default 8 hours), or it is older than ``lifetime``
  (default 24 hours) however busy it was.

Only the SHA-256 of the id is stored, like API tokens: a copy of the database does not
hand out sessions. ``last_seen`` is written at most once a minute per session, so a
busy page costs one read per request, not a write.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from data.accounts.users import Account, account_of
from data.store.models import User, UserSession

TOUCH_SECONDS = 60.0
DEFAULT_IDLE_HOURS = 8.0
DEFAULT_LIFETIME_HOURS = 24.0


@dataclass(frozen=True)
class Policy:
    """How long a session lives: ``idle`` seconds unused, ``lifetime`` seconds at most."""

    idle: float = DEFAULT_IDLE_HOURS * 3600
    lifetime: float = DEFAULT_LIFETIME_HOURS * 3600

    def expired(self, created: float, last_seen: float, now: float) -> bool:
        return now - last_seen > self.idle or now - created > self.lifetime


def _hours(value, name: str, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of hours, not {value!r}") from None
    if not hours > 0:
        raise ValueError(f"{name} must be more than 0 hours, not {hours}")
    return hours


def policy_from(config: dict | None = None) -> Policy:
    """From ``config`` (SESSION_IDLE_HOURS, SESSION_LIFETIME_HOURS), else the environment
    (COURT_KPI_SESSION_IDLE_HOURS, COURT_KPI_SESSION_LIFETIME_HOURS), else the defaults."""
    config = config or {}
    values = {}
    for key, default in (("IDLE", DEFAULT_IDLE_HOURS), ("LIFETIME", DEFAULT_LIFETIME_HOURS)):
        env = f"COURT_KPI_SESSION_{key}_HOURS"
        values[key] = _hours(config.get(f"SESSION_{key}_HOURS", os.environ.get(env)), env,
                             default)
    return Policy(idle=values["IDLE"] * 3600, lifetime=values["LIFETIME"] * 3600)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(conn: Connection, account: Account, address: str | None,
          now: float | None = None) -> str:
    """A new session of ``account``; returns its id (for the cookie, never stored)."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(32)
    conn.execute(insert(UserSession).values(
        id_hash=_digest(session_id), user_id=account.id,
        session_version=account.session_version, created=now, last_seen=now,
        address=(address or "")[:64] or None))
    return session_id


def resolve(conn: Connection, session_id: str, policy: Policy,
            now: float | None = None) -> tuple[Account | None, bool]:
    """(the account of a live session or None, whether ``last_seen`` should be touched).

    A session is live when its row exists, the account is active with the same
    ``session_version``, and neither the idle time nor the lifetime has run out.
    """
    if not session_id or len(session_id) > 100:
        return None, False
    now = time.time() if now is None else now
    row = conn.execute(
        select(UserSession.created, UserSession.last_seen,
               UserSession.session_version.label("signed_in_version"),
               User.id, User.username, User.role, User.court_code, User.active,
               User.language, User.session_version)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id_hash == _digest(session_id))).first()
    if row is None or not row.active or row.signed_in_version != row.session_version \
            or policy.expired(row.created, row.last_seen, now):
        return None, False
    return account_of(row), now - row.last_seen > TOUCH_SECONDS


def touch(conn: Connection, session_id: str, now: float | None = None) -> None:
    conn.execute(update(UserSession).where(UserSession.id_hash == _digest(session_id))
                 .values(last_seen=time.time() if now is None else now))


def end(conn: Connection, session_id: str) -> None:
    """Sign this one session out."""
    conn.execute(delete(UserSession).where(UserSession.id_hash == _digest(session_id)))


def purge(conn: Connection, policy: Policy, now: float | None = None) -> int:
    """Delete the rows of sessions that have run out; how many went."""
    now = time.time() if now is None else now
    result = conn.execute(delete(UserSession).where(or_(
        UserSession.last_seen < now - policy.idle, UserSession.created < now - policy.lifetime)))
    return result.rowcount or 0


def live_count(conn: Connection, user_id: int, policy: Policy,
               now: float | None = None) -> int:
    """How many sessions of the account are live (for tests and the admin's view)."""
    now = time.time() if now is None else now
    rows = conn.execute(select(UserSession.created, UserSession.last_seen)
                        .where(UserSession.user_id == user_id)).all()
    return sum(not policy.expired(r.created, r.last_seen, now) for r in rows)


def open_count(conn: Connection, policy: Policy, now: float | None = None) -> int:
    """How many browser sessions of any account are live now (for /metrics)."""
    now = time.time() if now is None else now
    return int(conn.execute(select(func.count()).select_from(UserSession).where(
        UserSession.last_seen >= now - policy.idle,
        UserSession.created >= now - policy.lifetime)).scalar_one())
