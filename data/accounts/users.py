"""Accounts: create, change, authenticate; passwords hashed with Argon2id.

API tokens are random 32-byte strings shown once; only their SHA-256 is stored, so a
stolen database does not hand out working tokens. A token ends with the password it
was issued under (a password is usually changed because it leaked) and with the role
or court it was issued for, and with the account when it is disabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from data.accounts.access import ROLES, Viewer
from data.store import frames
from data.store.models import Court, User, UserSession

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verifying against this when the user does not exist takes as long as a real check,
# so response times do not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    court_code: str | None
    active: bool
    language: str | None
    session_version: int

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.username, self.role, self.court_code)


def account_of(row) -> Account:
    return Account(row.id, row.username, row.role, row.court_code, bool(row.active),
                   row.language, int(row.session_version))


_COLUMNS = (User.id, User.username, User.role, User.court_code, User.active, User.language,
            User.session_version)


def new_password() -> str:
    """16 random URL-safe characters, never starting with "-" (or "_"): the files that
    hand passwords out neutralise a cell starting with = + - @ for spreadsheets, which
    would change such a password (one in 32 did, and then could not sign in)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password[0].isalnum():
            return password


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def _check_role(conn: Connection, role: str, court_code: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if role == "judge":
        if not court_code:
            raise AccountError("A judge must be bound to a court (--court CODE).")
        if conn.execute(select(Court.court_code).where(Court.court_code == court_code)).first() \
                is None:
            raise AccountError(f"No court with code {court_code!r}.")
    elif court_code:
        raise AccountError("Only judges are bound to a court.")


def add_user(conn: Connection, username: str, role: str, password: str,
             court_code: str | None = None) -> Account:
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise AccountError("A user name is 1-80 characters without spaces.")
    _check_role(conn, role, court_code)
    _check_password(password)
    if get(conn, username) is not None:
        raise AccountError(f"A user named {username!r} already exists.")
    conn.execute(insert(User).values(
        username=username, password_hash=_hasher.hash(password), role=role,
        court_code=court_code or None, active=True, session_version=0,
        created_at=dt.datetime.now(dt.UTC)))
    return _require(conn, username)


def get(conn: Connection, username: str) -> Account | None:
    if not isinstance(username, str):  # a forged request's list or number names nobody
        return None
    row = conn.execute(select(*_COLUMNS).where(User.username == username)).first()
    return account_of(row) if row else None


def by_id(conn: Connection, user_id: int) -> Account | None:
    row = conn.execute(select(*_COLUMNS).where(User.id == user_id)).first()
    return account_of(row) if row else None


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(User)).scalar_one())


def listing(conn: Connection) -> pd.DataFrame:
    return frames.read_sql(conn, "SELECT id, username, role, court_code, active, language, "
                                "created_at, token_hash IS NOT NULL AS has_token, source, "
                                "email FROM users ORDER BY username")


def authenticate(conn: Connection, username: str, password: str) -> Account | None:
    """The active account when the password matches, else None."""
    row = conn.execute(select(User.password_hash, *_COLUMNS)
                       .where(User.username == username)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(User).where(User.id == row.id)
                     .values(password_hash=_hasher.hash(password)))
    return account_of(row)


def _require(conn: Connection, username: str) -> Account:
    account = get(conn, username)
    if account is None:
        raise AccountError(f"No user named {username!r}.")
    return account


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new password; every session of the account signs out and its API token ends."""
    _check_password(password)
    account = _require(conn, username)
    conn.execute(update(User).where(User.id == account.id).values(
        password_hash=_hasher.hash(password), session_version=User.session_version + 1,
        token_hash=None))
    end_sessions(conn, account.id)


def end_sessions(conn: Connection, user_id: int) -> None:
    """Sign every browser session of the account out (see data.accounts.sessions)."""
    conn.execute(delete(UserSession).where(UserSession.user_id == user_id))


LAST_ADMIN_MESSAGE = ("The last active administrator cannot be disabled or given another "
                      "role: make another account an administrator first.")


def check_keeps_an_admin(account: Account, new_role: str, new_active: bool,
                         other_active_admins: int) -> None:
    """Refuse a change that would leave nobody able to manage accounts (pure)."""
    was_admin = account.role == "admin" and account.active
    stays_admin = new_role == "admin" and new_active
    if was_admin and not stays_admin and other_active_admins == 0:
        raise AccountError(LAST_ADMIN_MESSAGE)


def _other_active_admins(conn: Connection, account: Account) -> int:
    # FOR UPDATE (PostgreSQL) locks the admin rows, so two administrators demoting each
    # other at the same moment cannot both pass: the second waits and then counts again.
    # SQLite has a single writer, which serialises the two changes anyway.
    rows = conn.execute(select(User.id).where(User.role == "admin", User.active.is_(True),
                                              User.id != account.id).with_for_update()).all()
    return len(rows)


def change(conn: Connection, username: str, role: str | None = None,
           court_code: str | None = None, active: bool | None = None) -> Account:
    """Change role, court or active flag; sessions of the account sign out.

    A new role or court ends the account's API token (it was issued for what the account
    could see then), and so does disabling it: enabling the account again does not bring
    an old token back (a new one is issued).
    The last active administrator can be neither disabled nor demoted.
    """
    account = _require(conn, username)
    new_role = role or account.role
    new_court = court_code if role or court_code is not None else account.court_code
    if new_role != "judge":
        new_court = None
    _check_role(conn, new_role, new_court)
    new_active = account.active if active is None else active
    if account.role == "admin" and account.active:
        check_keeps_an_admin(account, new_role, new_active,
                             _other_active_admins(conn, account))
    values: dict[str, object] = {"role": new_role, "court_code": new_court or None,
              "session_version": User.session_version + 1}
    if active is not None:
        values["active"] = active
    if new_role != account.role or (new_court or None) != account.court_code \
            or active is False:
        values["token_hash"] = None
    conn.execute(update(User).where(User.id == account.id).values(**values))
    end_sessions(conn, account.id)
    return _require(conn, username)


DIRECTORY = "directory"
LOCAL = "local"
# Stored as the password hash of directory accounts: not an Argon2 hash, so no password
# ever verifies against it (Court KPI keeps no directory password).
NO_PASSWORD = "!directory"


def source_of(conn: Connection, username: str) -> str | None:
    """"local", "directory", or None when there is no such account."""
    if not isinstance(username, str):
        return None
    return conn.execute(select(User.source).where(User.username == username)).scalar()


def sync_directory(conn: Connection, username: str, role: str, court_code: str | None,
                   email: str | None) -> tuple[Account, dict[str, tuple]]:
    """Create or update a directory account with what the directory says now, and
    enable it; (the account, what changed). A new role or court ends the account's
    sessions and API token, as for a local account. A local account of that name is
    never taken over."""
    _check_role(conn, role, court_code)
    row = conn.execute(select(User.source, User.email, *_COLUMNS)
                       .where(User.username == username)).first()
    if row is None:
        conn.execute(insert(User).values(
            username=username, password_hash=NO_PASSWORD, role=role,
            court_code=court_code, active=True, session_version=0, source=DIRECTORY,
            email=email, created_at=dt.datetime.now(dt.UTC)))
        return _require(conn, username), {"created": (None, role)}
    if row.source != DIRECTORY:
        raise AccountError(f"{username!r} is a local account, not the directory's.")
    changed: dict[str, tuple] = {}
    if row.role != role:
        changed["role"] = (row.role, role)
    if row.court_code != court_code:
        changed["court"] = (row.court_code, court_code)
    if not row.active:
        changed["active"] = (False, True)
    if changed:
        conn.execute(update(User).where(User.id == row.id).values(
            role=role, court_code=court_code, active=True, token_hash=None,
            session_version=User.session_version + 1))
        end_sessions(conn, row.id)
    if email != row.email:
        conn.execute(update(User).where(User.id == row.id).values(email=email))
    return _require(conn, username), changed


def end_directory_account(conn: Connection, username: str) -> bool:
    """Disable a directory account the directory no longer lets in: its sessions and API
    token end. Whether there was an active one to end."""
    row = conn.execute(select(User.id).where(User.username == username,
                                             User.source == DIRECTORY,
                                             User.active.is_(True))).first()
    if row is None:
        return False
    conn.execute(update(User).where(User.id == row.id).values(
        active=False, token_hash=None, session_version=User.session_version + 1))
    end_sessions(conn, row.id)
    return True


def directory_accounts(conn: Connection) -> list[Account]:
    """The active directory accounts (for the periodic check)."""
    rows = conn.execute(select(*_COLUMNS).where(User.source == DIRECTORY,
                                                User.active.is_(True))
                        .order_by(User.username)).all()
    return [account_of(r) for r in rows]


def set_email(conn: Connection, username: str, email: str | None) -> None:
    conn.execute(update(User).where(User.username == username).values(email=email or None))


def set_language(conn: Connection, user_id: int, language: str) -> None:
    conn.execute(update(User).where(User.id == user_id).values(language=language))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(conn: Connection, username: str) -> str:
    """A new API token for the user (replacing any earlier one); shown once."""
    account = _require(conn, username)
    token = "ck_" + secrets.token_urlsafe(32)
    conn.execute(update(User).where(User.id == account.id)
                 .values(token_hash=_token_digest(token)))
    return token


def by_token(conn: Connection, token: str) -> Account | None:
    if not token or len(token) > 200:
        return None
    row = conn.execute(select(*_COLUMNS).where(User.token_hash == _token_digest(token))).first()
    return account_of(row) if row and row.active else None


def ensure_admin(engine: Engine, password: str | None) -> str | None:
    """With no users at all, create ``admin``; return the password to show once."""
    with engine.begin() as conn:
        if count(conn) > 0:
            return None
        password = password or new_password()
        add_user(conn, "admin", "admin", password)
    return password
