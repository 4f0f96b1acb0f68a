"""``python -m data user import / export / directory-check`` in subprocesses, on both
databases: a CSV of accounts created all or none, every problem with its line and
column, passwords handed out once in a file only its owner reads, the export's columns
(name first, where each account comes from, never a password), and the periodic
directory check against a real slapd (tests/slapd.py)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert, select

from data.accounts import audit, directory, directory_accounts, sessions, users
from data.store.models import Court, User
from tests import slapd

ROOT = Path(__file__).resolve().parent.parent
GOOD = ("name,role,court,email\n"
        "a.nurlan,judge,KZ10-D01,a.nurlan@sud.kz\n"
        "b.aliya,analyst,,\n"
        "c.dana,staff,,c.dana@sud.kz\n")


def run(db_url: str, *args: str, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "data", "user", *args, "--db", db_url],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DATABASE_URL": "", **(env or {})})


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        for code in slapd.COURTS:
            conn.execute(insert(Court).values(court_code=code, name_en=code, name_ru=code,
                                              name_kk=code, region_code="KZ-75",
                                              level="district", specialization="general"))
        users.add_user(conn, "admin", "admin", "first-admin-password")
    return engine


def _names(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(User.username)).scalars())


def test_import_creates_every_account_and_hands_out_passwords_once(db, db_url, tmp_path):
    source = tmp_path / "accounts.csv"
    source.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "passwords.csv"
    result = run(db_url, "import", str(source), "--passwords", str(out))
    assert result.returncode == 0, result.stderr
    assert "Added 3 accounts" in result.stdout and "passwords are in" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    issued = pd.read_csv(out)
    assert list(issued.columns) == ["name", "password"]
    assert list(issued["name"]) == ["a.nurlan", "b.aliya", "c.dana"]
    with db.begin() as conn:
        for name, password in zip(issued["name"], issued["password"]):
            assert users.authenticate(conn, name, password) is not None
        judge = users.get(conn, "a.nurlan")
        assert (judge.role, judge.court_code) == ("judge", "KZ10-D01")
        assert users.source_of(conn, "a.nurlan") == "local"
        added = audit.events(conn, action="user_add")
    assert len(added) == 3 and added["username"].eq("cli").all()
    assert added["detail"].str.contains("bulk import").all()
    # The passwords file is never overwritten: a second run refuses before anything.
    again = run(db_url, "import", str(source), "--passwords", str(out))
    assert again.returncode == 2 and "exists" in again.stderr


def test_a_file_with_problems_writes_nothing_and_says_where(db, db_url, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("name,role,court,email\n"
                      "ok.one,analyst,,\n"
                      "judge.x,judge,,\n"
                      "admin,staff,,\n"
                      "two words,analyst,,\n"
                      "ok.one,staff,,\n"
                      "j.y,judge,KZ99-X01,not-an-address\n"
                      "s.z,boss,KZ10-D01,\n", encoding="utf-8")
    result = run(db_url, "import", str(source))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for expected in ("Line 3, column court: a judge needs the code of their court.",
                     "Line 5, column name: a user name is 1-80 characters",
                     "Line 6, column name: the same name as line 2.",
                     "Line 7, column email: \"not-an-address\" is not an e-mail address.",
                     "Line 8, column role: unknown role \"boss\"",
                     "nothing was written"):
        assert expected in result.stderr, result.stderr
    assert _names(db) == {"admin"}
    # The database's own checks (a name taken, a court unknown), alone too.
    source.write_text("name,role,court,email\nnew.one,analyst,,\nadmin,staff,,\n"
                      "j.y,judge,KZ99-X01,\n", encoding="utf-8")
    result = run(db_url, "import", str(source))
    assert result.returncode == 1
    assert "Line 3, column name: an account named \"admin\" already exists." in result.stderr
    assert "Line 4, column court: no court with code \"KZ99-X01\"." in result.stderr
    assert _names(db) == {"admin"}


@pytest.mark.parametrize("text, expected", [
    ("", "Line 1: The file has no accounts."),
    ("name,role,court\n", "Line 1, column email: this column is missing"),
    ("name,role,court,email,password\nx,staff,,,p\n", "Line 1, column password: unknown"),
    ("name,role,court,email\n", "Line 2: The file has no accounts."),
    ("name,role,court,email\nx,staff\n", "Line 2: 2 cells where the header has 4."),
])
def test_a_malformed_file_is_refused_with_a_sentence(db, db_url, tmp_path, text, expected):
    source = tmp_path / "f.csv"
    source.write_text(text, encoding="utf-8")
    result = run(db_url, "import", str(source))
    assert result.returncode == 1 and expected in result.stderr, result.stderr
    assert _names(db) == {"admin"}


def test_semicolons_and_windows_1251_as_excel_saves_them(db, db_url, tmp_path):
    source = tmp_path / "excel.csv"
    source.write_bytes("name;role;court;email\nАйгерим;staff;;\n".encode("cp1251"))
    result = run(db_url, "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "Айгерим" in result.stdout and "Айгерим" in _names(db)


def test_missing_file_is_a_usage_error(db_url, db, tmp_path):
    result = run(db_url, "import", str(tmp_path / "none.csv"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_export_writes_name_first_and_the_source_never_a_password(db, db_url, tmp_path):
    with db.begin() as conn:
        users.set_email(conn, "admin", "admin@sud.kz")
        users.sync_directory(conn, "jan", "judge", "KZ10-D01", "jan@sud.kz")
        users.add_user(conn, "=cmd", "analyst", "a-long-password")  # a formula name
    out = tmp_path / "accounts.csv"
    result = run(db_url, "export", "--output", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(df.columns) == ["name", "role", "court", "email", "source"]
    assert df.to_dict("records") == [
        {"name": "'=cmd", "role": "analyst", "court": "", "email": "", "source": "local"},
        {"name": "admin", "role": "admin", "court": "", "email": "admin@sud.kz",
         "source": "local"},
        {"name": "jan", "role": "judge", "court": "KZ10-D01", "email": "jan@sud.kz",
         "source": "directory"}]
    assert "argon2" not in text and "password" not in text
    # Standard output by default, the same text.
    assert run(db_url, "export").stdout == text


def test_directory_check_without_a_directory_does_nothing(db, db_url):
    result = run(db_url, "directory-check", env={"COURT_KPI_LDAP_URL": ""})
    assert result.returncode == 0 and "No directory is set" in result.stdout


def test_directory_check_ends_a_removed_person_and_says_when_it_is_down(db, db_url,
                                                                        tmp_path):
    gen = slapd.running(tmp_path / "ldap")
    ldap = next(gen)
    try:
        settings = directory.settings_from(ldap.env())
        account = directory_accounts.sign_in(db, settings, "bob",
                                             slapd.PASSWORDS["bob"]).account
        with db.begin() as conn:
            session_id = sessions.start(conn, account, None)
        with ldap.admin() as conn:
            conn.delete(slapd.person_dn("bob"))
        result = run(db_url, "directory-check", env=ldap.env())
        assert result.returncode == 0, result.stderr
        assert "bob: ended: not in the directory" in result.stdout
        with db.connect() as conn:
            assert sessions.resolve(conn, session_id, sessions.Policy())[0] is None
        bad = run(db_url, "directory-check",
                  env={**ldap.env(), "COURT_KPI_LDAP_STARTTLS": "0"})
        assert bad.returncode == 2 and "in clear" in bad.stderr
    finally:
        env = ldap.env()
        next(gen, None)
    down = run(db_url, "directory-check", env=env)
    assert down.returncode == 1 and "cannot be reached" in down.stderr
    assert "Traceback" not in down.stderr


def test_the_celery_beat_runs_the_directory_check(tmp_path):
    """With a directory set, ``celery -A cli.worker beat`` schedules the same command."""
    gen = slapd.running(tmp_path / "ldap")
    ldap = next(gen)
    try:
        url = f"sqlite:///{tmp_path / 'beat.sqlite'}"
        code = ("import cli.worker as w; s = w.celery.conf.beat_schedule['directory-check'];"
                "print(s['task'], s['schedule']); print('rc', w.directory_check())")
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
            timeout=300, env={**os.environ, **ldap.env(), "DATABASE_URL": url,
                              "REDIS_URL": "redis://127.0.0.1:6379/12",
                              "COURT_KPI_LDAP_CHECK_MINUTES": "3"})
        assert result.returncode == 0, result.stderr
        assert "court_kpi.directory_check 180.0" in result.stdout
        assert "Directory checked: 0 account(s) changed." in result.stdout
        assert "rc 0" in result.stdout
    finally:
        next(gen, None)
