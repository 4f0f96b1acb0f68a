"""``python -m data user ...`` in subprocesses, as an operator runs it, on both databases."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from cli.data import main
from data.accounts import audit, users
from data.store.models import Court, User

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"  # inner spaces are part of a password


def run(*args: str, stdin: str = ""):
    """The CLI with ``stdin`` piped in (never a terminal, so it never prompts)."""
    return subprocess.run([sys.executable, "-m", "data", "user", *args], cwd=ROOT,
                          capture_output=True, text=True, input=stdin,
                          env={**os.environ, "DATABASE_URL": ""}, timeout=300)


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    return result.stdout


def refused(result, code: int, message: str) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert re.search(message, result.stderr), result.stderr


@pytest.fixture
def db(engine, db_url):
    with engine.begin() as conn:
        conn.execute(insert(Court).values(court_code="A", name_en="A", name_ru="A", name_kk="A",
                                          region_code="KZ-75", level="district",
                                          specialization="general"))
    return engine, db_url


def test_add_list_passwd_and_token(db):
    engine, url = db
    out = ok(run("add", "sam", "--role", "staff", "--password-stdin", "--db", url,
                 stdin=PASSWORD + "\r\n"))
    assert "Added sam (staff)" in out and PASSWORD not in out
    out = ok(run("add", "jo", "--role", "judge", "--court", "A", "--password-stdin",
                 "--db", url, stdin=PASSWORD + "\n"))
    assert "Added jo (judge, court A)" in out
    with engine.begin() as conn:
        assert users.authenticate(conn, "sam", PASSWORD).role == "staff"
        assert users.authenticate(conn, "jo", PASSWORD).court_code == "A"

    listing = ok(run("list", "--db", url))
    assert re.search(r"jo\s+judge\s+A", listing) and re.search(r"sam\s+staff", listing)
    assert "argon2" not in listing and "password_hash" not in listing
    assert "token_hash" not in listing

    with engine.connect() as conn:
        before = users.get(conn, "sam").session_version
    out = ok(run("passwd", "sam", "--password-stdin", "--db", url, stdin="a new long secret\n"))
    assert "New password set for sam" in out and "a new long secret" not in out
    with engine.begin() as conn:
        assert users.authenticate(conn, "sam", "a new long secret") is not None
        assert users.authenticate(conn, "sam", PASSWORD) is None
        assert users.get(conn, "sam").session_version == before + 1
    out = ok(run("token", "jo", "--db", url))
    first = out.strip().splitlines()[-1]
    assert "shown once" in out and first.startswith("ck_")
    with engine.connect() as conn:
        assert users.by_token(conn, first).username == "jo"
    second = ok(run("token", "jo", "--db", url)).strip().splitlines()[-1]
    with engine.connect() as conn:
        assert users.by_token(conn, first) is None
        assert users.by_token(conn, second).username == "jo"
    listing = ok(run("list", "--db", url))
    assert second not in listing

    # Every change is in the audit log under "cli"; no secret is.
    with engine.connect() as conn:
        log = audit.events(conn)
    assert list(log["action"]) == ["token_issued", "token_issued", "password_change",
                                   "user_add", "user_add"]
    assert set(log["username"]) == {"cli"}
    assert list(log["detail"])[-2:] == ["jo as judge of A", "sam as staff"]
    text = log.to_string()
    assert first not in text and second not in text and PASSWORD not in text


def in_process(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """The same CLI called in this process (a subprocess costs seconds each)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["user", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


REFUSALS = [
    (("add", "sam", "--role", "analyst", "--password-stdin"), PASSWORD,
     r"A user named 'sam' already exists\."),
    (("add", "kim", "--role", "judge", "--password-stdin"), PASSWORD,
     r"A judge must be bound to a court \(--court CODE\)\."),
    (("add", "kim", "--role", "judge", "--court", "ZZ", "--password-stdin"), PASSWORD,
     r"No court with code 'ZZ'\."),
    (("add", "kim", "--role", "staff", "--court", "A", "--password-stdin"), PASSWORD,
     r"Only judges are bound to a court\."),
    (("add", "kim", "--role", "staff", "--password-stdin"), "short\n",
     r"The password must have at least 10 characters\."),
    (("add", "kim", "--role", "staff", "--password-stdin"), "",
     r"The password must have at least 10 characters\."),
    (("add", "kim lee", "--role", "staff", "--password-stdin"), PASSWORD,
     r"A user name is 1-80 characters without spaces\."),
    (("passwd", "ghost", "--password-stdin"), PASSWORD, r"No user named 'ghost'\."),
    (("passwd", "sam", "--password-stdin"), "short",
     r"The password must have at least 10 characters\."),
    (("token", "ghost"), "", r"No user named 'ghost'\."),
]


@pytest.mark.parametrize("args,stdin,message", REFUSALS,
                         ids=[f"{a[0]}-{i}" for i, (a, _, _) in enumerate(REFUSALS)])
def test_refusals_are_sentences_exit_1_and_write_nothing(db, monkeypatch, capsys, args, stdin,
                                                         message):
    engine, url = db
    with engine.begin() as conn:
        users.add_user(conn, "sam", "staff", PASSWORD)
        hash_before = conn.execute(select(User.password_hash)).scalar_one()
    code, out, err = in_process(monkeypatch, capsys, *args, "--db", url, stdin=stdin)
    assert code == 1, out + err
    assert re.fullmatch(r"error: " + message + r"\n", err), err
    with engine.connect() as conn:
        assert users.count(conn) == 1
        assert conn.execute(select(User.password_hash)).scalar_one() == hash_before
        assert audit.events(conn).empty


def test_generated_password_is_printed_once_and_works(db):
    engine, url = db
    out = ok(run("add", "ann", "--role", "analyst", "--db", url))
    found = re.findall(r"Password \(shown once\): (\S+)", out)
    assert len(found) == 1
    password = found[0]
    assert out.count(password) == 1 and len(password) >= users.MIN_PASSWORD_LENGTH
    with engine.begin() as conn:
        assert users.authenticate(conn, "ann", password).role == "analyst"
    assert password not in ok(run("list", "--db", url))
    out = ok(run("passwd", "ann", "--db", url))
    again = re.findall(r"Password \(shown once\): (\S+)", out)
    assert len(again) == 1 and again[0] != password
    with engine.begin() as conn:
        assert users.authenticate(conn, "ann", again[0]) is not None


def test_usage_errors_exit_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = run("add", "x", "--role", "boss", "--db", url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "invalid choice: 'boss'" in result.stderr
    refused(run("list", "--db", "not a url"), 2, r"^error: not a usable database URL")


@pytest.mark.parametrize("args", [("add", "x", "--db", "sqlite://"),
                                  ("add", "--role", "staff", "--db", "sqlite://"),
                                  ("rename", "x"), ()])
def test_other_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["user", *args])
    assert stop.value.code == 2 and "usage:" in capsys.readouterr().err


def test_a_url_for_a_missing_driver_is_a_usage_error(capsys):
    assert main(["user", "list", "--db", "mysql://someone@nowhere/db"]) == 2
    assert capsys.readouterr().err.startswith("error: not a usable database URL")


def test_list_of_an_empty_database(tmp_path):
    out = ok(run("list", "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    assert out.strip() == "No users yet."
