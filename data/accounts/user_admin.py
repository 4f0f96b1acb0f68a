"""An administrator's changes to accounts (/admin/users): each change and its audit
event in one transaction, so neither is kept without the other, and the permission
checked here, so every caller is covered. The rules on accounts themselves (names,
passwords, roles, the last administrator) are data.accounts.users'.
"""

from __future__ import annotations

from sqlalchemy import Engine

from data.accounts import audit, users
from data.accounts.access import MANAGE_USERS, Viewer


class OwnAccount(Exception):
    """An administrator's change of their own account that would sign them out."""


Change = tuple[str | None, str | None]


def changes(account: users.Account, role: str, court_code: str | None) -> dict[str, Change]:
    """What saving ``role`` and ``court_code`` would change: {field: (old, new)}."""
    court_code = (court_code or None) if role == "judge" else None
    out: dict[str, Change] = {}
    if role != account.role:
        out["role"] = (account.role, role)
    if court_code != account.court_code:
        out["court"] = (account.court_code, court_code)
    return out


def locks_self_out(admin: str, username: str, role: str | None = None,
                   active: bool | None = None) -> bool:
    """Would this change take the administrator's own access away mid-session?

    Disabling or demoting oneself signs one out at once, with the page still open;
    another administrator has to do it. Checked after data.accounts.users' own rules, so the
    last administrator hears that they are the last one.
    """
    return username == admin and (active is False or (role is not None and role != "admin"))


def change_detail(username: str, changed: dict[str, tuple]) -> str:
    """The audit detail of a change: ``u-x: role analyst -> judge, court - -> KZ10-D01``."""
    parts = [f"{field} {old or '-'} -> {new or '-'}" for field, (old, new) in changed.items()]
    return f"{username}: " + ", ".join(parts)


def _may(admin: Viewer) -> None:
    if not admin.can(MANAGE_USERS):
        raise PermissionError("only administrators manage accounts")


DIRECTORY_MESSAGE = ("{name} comes from the directory: its role, court, password and "
                     "whether it is enabled are changed there, not in Court KPI.")


def _local(conn, username: str) -> None:
    """Refuse to change a directory account here: the directory would undo it at the
    next sign-in, and a password kept here would be a second way in."""
    if users.source_of(conn, username) == users.DIRECTORY:
        raise users.AccountError(DIRECTORY_MESSAGE.format(name=username))


def add(engine: Engine, admin: Viewer, username: str, role: str, password: str,
        court_code: str | None, address: str | None = None) -> None:
    _may(admin)
    with engine.begin() as conn:
        users.add_user(conn, username, role, password, court_code)
        audit.record(conn, admin.username, "user_add",
                     f"{username} as {role}" + (f" of {court_code}" if court_code else ""),
                     address)


def save(engine: Engine, admin: Viewer, username: str, role: str | None,
         court_code: str | None, address: str | None = None) -> dict[str, tuple]:
    """Set an account's role and court; what changed (empty: nothing to do)."""
    _may(admin)
    with engine.begin() as conn:
        _local(conn, username)
        account = users.get(conn, username)
        if account is None:
            raise users.AccountError(f"No user named {username!r}.")
        changed = changes(account, role or account.role, court_code)
        if changed:
            users.change(conn, username, role=role or account.role,
                         court_code=court_code or None)
            if locks_self_out(admin.username, username, role=role):
                raise OwnAccount  # rolls the change back
            audit.record(conn, admin.username, "user_change", change_detail(username, changed),
                         address)
    return changed


def set_active(engine: Engine, admin: Viewer, username: str, active: bool,
               address: str | None = None) -> None:
    _may(admin)
    with engine.begin() as conn:
        _local(conn, username)
        users.change(conn, username, active=active)
        if locks_self_out(admin.username, username, active=active):
            raise OwnAccount  # rolls the change back
        audit.record(conn, admin.username, "user_change",
                     f"{username}: {'enabled' if active else 'disabled'}", address)


def reset_password(engine: Engine, admin: Viewer, username: str,
                   address: str | None = None) -> str:
    """A new random password for the account, set and audited; shown once by the page."""
    _may(admin)
    password = users.new_password()
    with engine.begin() as conn:
        _local(conn, username)
        users.set_password(conn, username, password)
        audit.record(conn, admin.username, "password_change", username, address)
    return password
