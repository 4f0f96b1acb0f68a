"""Bulk accounts where there is no directory (issue 33): a CSV of new local accounts
(columns name, role, court, email) checked like every upload, with every problem's line
and column and nothing written when there is one; and the export of every account in
the same columns (name first) plus where it comes from, never a password.

Each new account gets a random password, returned once for the administrator's file;
each is audited as ``user_add`` by whoever imported, in the same transaction.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from data.accounts import audit, users
from data.accounts.access import MANAGE_USERS, ROLES, Viewer
from data.store.models import Court, User

COLUMNS: tuple[str, ...] = ("name", "role", "court", "email")
EXPORT_COLUMNS: tuple[str, ...] = (*COLUMNS, "source")
MAX_ROWS = 5000
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class Problem:
    """One problem of the file: its line (1 is the header), column, and the key and
    parameters of the sentence saying what is wrong (layouts.i18n)."""

    line: int
    column: str | None
    key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NewAccount:
    line: int
    name: str
    role: str
    court: str | None
    email: str | None


class BulkRefused(ValueError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was written")
        self.problems = problems


def decode(raw: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1251 as Excel in Russian
    saves it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1251")


def parse(text: str) -> tuple[list[NewAccount], list[Problem]]:
    """The rows and the problems of a file's text; no database (pure)."""
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return [], [Problem(1, None, "bulk.empty")]
    header = [h.strip().lower() for h in rows[0]]
    problems = [Problem(1, h or None, "bulk.unknown_column") for h in header
                if h not in COLUMNS]
    problems += [Problem(1, c, "bulk.missing_column") for c in COLUMNS if c not in header]
    if problems:
        return [], problems
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        return [], [Problem(2, None, "bulk.empty")]
    if len(body) > MAX_ROWS:
        return [], [Problem(MAX_ROWS + 2, None, "bulk.too_many",
                            (("max", str(MAX_ROWS)),))]
    out: list[NewAccount] = []
    seen: dict[str, int] = {}
    for line, row in body:
        if len(row) != len(header):
            problems.append(Problem(line, None, "bulk.cells",
                                    (("got", str(len(row))), ("want", str(len(header))))))
            continue
        cell = {h: v.strip() for h, v in zip(header, row)}
        name, role = cell["name"], cell["role"].lower()
        court, email = cell["court"] or None, cell["email"] or None
        if not name or len(name) > 80 or any(c.isspace() for c in name):
            problems.append(Problem(line, "name", "bulk.name"))
        elif name.lower() in seen:
            problems.append(Problem(line, "name", "bulk.duplicate",
                                    (("line", str(seen[name.lower()])),)))
        else:
            seen[name.lower()] = line
        if role not in ROLES:
            problems.append(Problem(line, "role", "bulk.role",
                                    (("value", role), ("roles", ", ".join(ROLES)))))
        elif role == "judge" and not court:
            problems.append(Problem(line, "court", "bulk.court_needed"))
        elif role != "judge" and court:
            problems.append(Problem(line, "court", "bulk.court_only_judges"))
        if email and (len(email) > 254 or not _EMAIL.match(email)):
            problems.append(Problem(line, "email", "bulk.email", (("value", email),)))
        out.append(NewAccount(line, name, role, court, email))
    return out, problems


def check(engine: Engine, accounts: list[NewAccount]) -> list[Problem]:
    """What the database says about the rows: names taken, courts unknown."""
    names = {a.name for a in accounts}
    with engine.connect() as conn:
        taken = set(conn.execute(select(User.username)).scalars()) & names
        courts = set(conn.execute(select(Court.court_code)).scalars())
    problems = [Problem(a.line, "name", "bulk.exists", (("value", a.name),))
                for a in accounts if a.name in taken]
    problems += [Problem(a.line, "court", "bulk.court_unknown", (("value", a.court),))
                 for a in accounts if a.role == "judge" and a.court and a.court not in courts]
    return problems


def import_accounts(engine: Engine, admin: Viewer, raw: bytes,
                    address: str | None = None) -> list[tuple[str, str]]:
    """Create every account of the file, or none: [(name, new password)] in file order.

    Raises BulkRefused with every problem (and writes nothing) when there is one.
    """
    if not admin.can(MANAGE_USERS):
        raise PermissionError("only administrators manage accounts")
    accounts, problems = parse(decode(raw))
    problems += check(engine, accounts)  # every problem at once, the database's too
    if problems:
        raise BulkRefused(sorted(problems, key=lambda p: (p.line, p.column or "")))
    issued: list[tuple[str, str]] = []
    with engine.begin() as conn:
        for a in accounts:
            password = users.new_password()
            users.add_user(conn, a.name, a.role, password, a.court)
            if a.email:
                users.set_email(conn, a.name, a.email)
            audit.record(conn, admin.username, "user_add",
                         f"{a.name} as {a.role}" + (f" of {a.court}" if a.court else "")
                         + " (bulk import)", address)
            issued.append((a.name, password))
    return issued


def export(engine: Engine) -> pd.DataFrame:
    """Every account: name, role, court, email, source; never a password or token."""
    with engine.connect() as conn:
        rows = conn.execute(select(User.username, User.role, User.court_code, User.email,
                                   User.source).order_by(User.username)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(EXPORT_COLUMNS))


def passwords_frame(issued: list[tuple[str, str]]) -> pd.DataFrame:
    """The administrator's file of new passwords (handed out once; written as CSV by the
    caller through layouts.export, which neutralises formula cells)."""
    return pd.DataFrame(issued, columns=["name", "password"])
