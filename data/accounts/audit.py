"""The audit log: who did what, when and from which address. Append only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, insert

from data.store import frames
from data.store.models import AuditEvent

ACTIONS: tuple[str, ...] = (
    "login", "login_failed", "login_throttled", "logout", "upload", "undo",
    "target_change", "user_add", "user_change", "password_change", "token_issued",
    "profile_saved", "profile_replaced", "profile_deleted", "note_added", "note_changed",
    "note_deleted", "release_published", "directory_sync", "directory_ended",
    "judge_year_change",
)


def record(conn: Connection, username: str, action: str, detail: str = "",
           address: str | None = None) -> None:
    """Add one event in the caller's transaction, so it commits with what it describes."""
    conn.execute(insert(AuditEvent).values(
        at=dt.datetime.now(dt.UTC), username=(username or "")[:120], action=action[:40],
        detail=detail[:4000], address=(address or None) and address[:64]))


def record_now(engine: Engine, username: str, action: str, detail: str = "",
               address: str | None = None) -> None:
    with engine.begin() as conn:
        record(conn, username, action, detail, address)


def _bound(conn: Connection, moment: dt.datetime | dt.date) -> dt.datetime | str:
    """A time bound compared with ``at`` the same way on both databases (a day is its
    first moment; a moment without a time zone is UTC).

    SQLite keeps ``at`` as naive UTC text, so the bound is text in the same format (an
    offset would be compared as characters); PostgreSQL gets an aware moment, since it
    would read a naive one in the session's time zone.
    """
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if conn.dialect.name == "sqlite":
        return utc.replace(tzinfo=None).isoformat(" ", "microseconds")
    return utc


def events(conn: Connection, username: str | None = None, action: str | None = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None,
           limit: int = 5000) -> pd.DataFrame:
    """Newest first, filtered by user, action and time range (``since`` included,
    ``until`` not; a moment without a time zone is taken as UTC)."""
    parts: list[str] = []
    params: dict[str, object] = {}
    if username:
        parts.append("username = :u")
        params["u"] = username
    if action:
        parts.append("action = :a")
        params["a"] = action
    if since is not None:
        parts.append("at >= :s")
        params["s"] = _bound(conn, since)
    if until is not None:
        parts.append("at < :e")
        params["e"] = _bound(conn, until)
    where = (" WHERE " + " AND ".join(parts)) if parts else ""
    return frames.read_sql(conn, "SELECT id, at, username, action, detail, address FROM audit_log"
                                f"{where} ORDER BY id DESC LIMIT {int(limit)}", params)


def recent_failures(conn: Connection, username: str, address: str | None,
                    window: dt.timedelta) -> int:
    """Failed logins for this account from this address within ``window`` (for throttling).

    Kept in the database, so every worker process sees the same count.
    """
    since = dt.datetime.now(dt.UTC) - window
    df = frames.read_sql(
        conn, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_failed' "
              "AND username = :u AND COALESCE(address, '') = :a AND at >= :s",
        {"u": username[:120], "a": address or "", "s": _bound(conn, since)})
    return int(df["n"].iloc[0])
