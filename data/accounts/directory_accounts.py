"""Directory accounts kept in step with the directory: at every sign-in and by the
periodic check of open sessions (``python -m data user directory-check``).

The directory is asked first, outside any transaction (it may be slow or down); what it
said is then written in one transaction with its audit event. A person the directory
no longer lets in (gone, disabled, or in no group mapped to a role) has their account
disabled here: their open sessions and API token end at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from data.accounts import audit, users
from data.accounts.directory import Settings, check_password, reader
from data.store.models import Court


@dataclass(frozen=True)
class SignIn:
    """A directory sign-in: the account, or the key of the sentence saying why not."""

    account: users.Account | None
    message: str | None = None


def _court_exists(engine: Engine, code: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Court.court_code).where(Court.court_code == code)) \
            .first() is not None


def _end(engine: Engine, username: str, why: str, address: str | None) -> None:
    with engine.begin() as conn:
        if users.end_directory_account(conn, username):
            audit.record(conn, "directory", "directory_ended", f"{username}: {why}", address)


def sign_in(engine: Engine, settings: Settings, username: str, password: str,
            address: str | None = None) -> SignIn:
    """Check the password against the directory and bring the account up to date.

    Raises data.accounts.directory.DirectoryDown when the directory cannot answer.
    Directory names are compared without case (LDAP does), so "Jan" and "jan" are one
    account here too: kept in lower case.
    """
    username = username.lower()
    outcome = check_password(settings, username, password)
    if outcome.refusal in ("unknown", "disabled"):
        _end(engine, username, "not in the directory" if outcome.refusal == "unknown"
             else "disabled in the directory", address)
    if outcome.entry is None or outcome.refusal:
        return SignIn(None, "login.failed")
    granted = outcome.entry.rights(settings.mapping)
    if granted is None:
        _end(engine, username, "in no group of Court KPI", address)
        return SignIn(None, "directory.no_role")
    if granted.role == "judge" and (granted.court_code is None
                                    or not _court_exists(engine, granted.court_code)):
        _end(engine, username, f"judge of unknown court {granted.court_code or '-'}", address)
        return SignIn(None, "directory.no_court")
    with engine.begin() as conn:
        try:
            account, changed = users.sync_directory(conn, username, granted.role,
                                                    granted.court_code, outcome.entry.email)
        except users.AccountError:  # a local account of that name: never taken over
            return SignIn(None, "login.failed")
        if changed:
            audit.record(conn, "directory", "directory_sync",
                         f"{username}: " + ", ".join(f"{k} {a or '-'} -> {b or '-'}"
                                                     for k, (a, b) in changed.items()),
                         address)
    return SignIn(account)


def check_open(engine: Engine, settings: Settings) -> list[tuple[str, str]]:
    """Ask the directory about every active directory account; disable those it no
    longer lets in, and apply a new role or court (which ends that account's sessions
    and token). [(user name, what happened)]. Everyone is looked up first, on one
    connection; raises DirectoryDown, changing nothing, when the directory cannot answer."""
    with engine.connect() as conn:
        accounts = users.directory_accounts(conn)
    with reader(settings) as find:  # asked even with no account: a down directory shows
        entries = {a.username: find(a.username) for a in accounts}
    done: list[tuple[str, str]] = []
    for account in accounts:
        entry = entries[account.username]
        why = ("not in the directory" if entry is None
               else "disabled in the directory" if entry.disabled else None)
        granted = entry.rights(settings.mapping) if entry is not None and why is None else None
        if why is None and granted is None:
            why = "in no group of Court KPI"
        if why is None and granted is not None and granted.role == "judge" and (
                granted.court_code is None or not _court_exists(engine, granted.court_code)):
            why = f"judge of unknown court {granted.court_code or '-'}"
        if why is not None or granted is None or entry is None:
            _end(engine, account.username, why or "", None)
            done.append((account.username, f"ended: {why}"))
            continue
        if (granted.role, granted.court_code) != (account.role, account.court_code):
            with engine.begin() as conn:
                _, changed = users.sync_directory(conn, account.username, granted.role,
                                                  granted.court_code, entry.email)
                detail = ", ".join(f"{k} {a or '-'} -> {b or '-'}"
                                   for k, (a, b) in changed.items())
                audit.record(conn, "directory", "directory_sync",
                             f"{account.username}: {detail}")
            done.append((account.username, f"changed: {detail}"))
    return done
