"""data.accounts.users on SQLite and PostgreSQL: validation, Argon2 passwords, sessions, tokens."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import insert, select, update

from data.accounts import users
from data.accounts.users import AccountError
from data.store.models import Court, User

PASSWORD = "correct-horse-battery"
OTHER_PASSWORD = "another-long-secret"
PRODUCTION_HASHER = users._hasher
# The production parameters cost about half a second a hash on a busy test machine;
# these tests are about what is stored and checked, so most use a cheap Argon2id. The
# tests that request ``real_hasher`` run with the production one.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    monkeypatch.setattr(users, "_hasher", CHEAP_HASHER)


@pytest.fixture
def real_hasher(monkeypatch, cheap_hasher):
    monkeypatch.setattr(users, "_hasher", PRODUCTION_HASHER)


def add_court(conn, code: str, level: str = "district") -> None:
    conn.execute(insert(Court).values(court_code=code, name_en=code, name_ru=code,
                                      name_kk=code, region_code="KZ-75", level=level,
                                      specialization="general"))


@pytest.fixture
def db(engine):
    """A database with two courts and one account of each role."""
    with engine.begin() as conn:
        add_court(conn, "A")
        add_court(conn, "B")
        users.add_user(conn, "root", "admin", PASSWORD)
        users.add_user(conn, "sam", "staff", PASSWORD)
        users.add_user(conn, "ann", "analyst", PASSWORD)
        users.add_user(conn, "jo", "judge", PASSWORD, "A")
    return engine


def row(engine, username: str):
    with engine.connect() as conn:
        return conn.execute(select(User).where(User.username == username)).one()


def version(engine, username: str) -> int:
    with engine.connect() as conn:
        return users.get(conn, username).session_version


# --- add_user ------------------------------------------------------------------------

BAD_ADDS = [
    (("eve", "superuser", PASSWORD, None), r"Unknown role 'superuser': use one of admin"),
    (("eve", "judge", PASSWORD, None), r"judge must be bound to a court"),
    (("eve", "judge", PASSWORD, ""), r"judge must be bound to a court"),
    (("eve", "judge", PASSWORD, "NOPE"), r"No court with code 'NOPE'"),
    (("eve", "staff", PASSWORD, "A"), r"Only judges are bound to a court"),
    (("eve", "admin", PASSWORD, "A"), r"Only judges are bound to a court"),
    (("eve", "staff", "short", None), r"at least 10 characters"),
    (("eve", "staff", "", None), r"at least 10 characters"),
    (("sam", "analyst", PASSWORD, None), r"A user named 'sam' already exists"),
    (("eve smith", "staff", PASSWORD, None), r"without spaces"),
    (("eve\tsmith", "staff", PASSWORD, None), r"without spaces"),
    (("   ", "staff", PASSWORD, None), r"1-80 characters"),
    (("e" * 81, "staff", PASSWORD, None), r"1-80 characters"),
]


@pytest.mark.parametrize("args,message", BAD_ADDS, ids=[m for _, m in BAD_ADDS])
def test_add_user_refuses_with_a_clear_message_and_writes_nothing(db, args, message):
    with db.connect() as conn:
        before = users.listing(conn)
        with pytest.raises(AccountError, match=message):
            users.add_user(conn, *args)
        # Checked in the same transaction, before any rollback could hide a write.
        after = users.listing(conn)
        assert after.equals(before)
        conn.rollback()


def test_add_user_returns_the_account(db):
    with db.begin() as conn:
        judge = users.add_user(conn, "  kim  ", "judge", PASSWORD, "B")
        staff = users.add_user(conn, "e" * 80, "staff", PASSWORD)
    assert (judge.username, judge.role, judge.court_code, judge.active) == ("kim", "judge",
                                                                             "B", True)
    assert judge.session_version == 0 and judge.viewer.court_code == "B"
    assert staff.court_code is None and staff.viewer.sees_all


def test_passwords_are_stored_only_as_argon2id_hashes(db):
    stored = row(db, "jo")
    assert stored.password_hash.startswith("$argon2id$")
    every_column = " ".join(str(getattr(stored, c.name)) for c in User.__table__.columns)
    assert PASSWORD not in every_column
    # Two accounts with the same password get different (salted) hashes.
    assert row(db, "sam").password_hash != stored.password_hash


def test_listing_shows_no_hashes(db):
    with db.connect() as conn:
        listing = users.listing(conn)
    assert list(listing["username"]) == ["ann", "jo", "root", "sam"]
    assert not {"password_hash", "token_hash"} & set(listing.columns)
    assert "argon2" not in listing.to_string()


# --- authenticate ----------------------------------------------------------------------

def test_authenticate(db):
    with db.begin() as conn:
        account = users.authenticate(conn, "jo", PASSWORD)
        assert account is not None and account.viewer.court_code == "A"
        assert users.authenticate(conn, "jo", OTHER_PASSWORD) is None
        assert users.authenticate(conn, "jo", "") is None
        assert users.authenticate(conn, "JO", PASSWORD) is None
        # Unknown names go through a real hash check too; even the dummy's password fails.
        assert users.authenticate(conn, "nobody", PASSWORD) is None
        assert users.authenticate(conn, "nobody", "not-a-real-password") is None
        users.change(conn, "jo", active=False)
        assert users.authenticate(conn, "jo", PASSWORD) is None


def test_production_hashes_are_argon2id_with_the_library_defaults(engine, real_hasher):
    with engine.begin() as conn:
        users.add_user(conn, "sam", "staff", PASSWORD)
        assert users.authenticate(conn, "sam", PASSWORD) is not None
    stored = row(engine, "sam").password_hash
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == extract_parameters(PasswordHasher().hash("x"))
    assert not PRODUCTION_HASHER.check_needs_rehash(stored)


def test_authenticate_upgrades_a_weaker_hash(db, real_hasher):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with db.begin() as conn:
        conn.execute(update(User).where(User.username == "sam").values(password_hash=weak))
        assert users.authenticate(conn, "sam", PASSWORD) is not None
    upgraded = row(db, "sam").password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")
    with db.begin() as conn:
        assert users.authenticate(conn, "sam", PASSWORD) is not None


# --- set_password and change -------------------------------------------------------------

def test_set_password_signs_sessions_out(db):
    before = version(db, "ann")
    with db.begin() as conn:
        users.set_password(conn, "ann", OTHER_PASSWORD)
    assert version(db, "ann") == before + 1
    with db.begin() as conn:
        assert users.authenticate(conn, "ann", OTHER_PASSWORD) is not None
        assert users.authenticate(conn, "ann", PASSWORD) is None


def test_set_password_refusals_change_nothing(db):
    stored = row(db, "ann")
    with db.connect() as conn:
        with pytest.raises(AccountError, match="at least 10 characters"):
            users.set_password(conn, "ann", "short")
        with pytest.raises(AccountError, match="No user named 'ghost'"):
            users.set_password(conn, "ghost", OTHER_PASSWORD)
        conn.commit()
    assert row(db, "ann") == stored


def test_change_role_and_court(db):
    with db.begin() as conn:
        judge = users.change(conn, "sam", role="judge", court_code="B")
        assert (judge.role, judge.court_code, judge.session_version) == ("judge", "B", 1)
        moved = users.change(conn, "sam", court_code="A")
        assert (moved.role, moved.court_code, moved.session_version) == ("judge", "A", 2)
        # Leaving the judges unbinds the court.
        analyst = users.change(conn, "sam", role="analyst")
        assert (analyst.role, analyst.court_code) == ("analyst", None)
        # A court given to someone who is not a judge does not stick.
        still = users.change(conn, "sam", court_code="A")
        assert (still.role, still.court_code) == ("analyst", None)


@pytest.mark.parametrize("kwargs,message", [
    ({"role": "judge"}, "judge must be bound to a court"),
    ({"role": "judge", "court_code": "NOPE"}, "No court with code 'NOPE'"),
    ({"role": "boss"}, "Unknown role 'boss'"),
])
def test_change_refusals_change_nothing(db, kwargs, message):
    stored = row(db, "sam")
    with db.connect() as conn:
        with pytest.raises(AccountError, match=message):
            users.change(conn, "sam", **kwargs)
        conn.commit()
    assert row(db, "sam") == stored


def test_change_of_an_unknown_user(db):
    with db.connect() as conn, pytest.raises(AccountError, match="No user named 'ghost'"):
        users.change(conn, "ghost", active=False)


def test_a_judge_moved_to_an_unknown_court_keeps_the_old_one(db):
    with db.connect() as conn:
        with pytest.raises(AccountError, match="No court with code 'ZZ'"):
            users.change(conn, "jo", court_code="ZZ")
        conn.commit()
    assert row(db, "jo").court_code == "A"


def test_disable_and_enable(db):
    with db.begin() as conn:
        token = users.issue_token(conn, "ann")
        off = users.change(conn, "ann", active=False)
    assert not off.active and off.session_version == 1 and off.role == "analyst"
    with db.begin() as conn:
        assert users.authenticate(conn, "ann", PASSWORD) is None
        assert users.by_token(conn, token) is None
        on = users.change(conn, "ann", active=True)
    assert on.active and on.session_version == 2
    with db.begin() as conn:
        assert users.authenticate(conn, "ann", PASSWORD) is not None
        # Disabling ended the token for good: enabling issues no old token again.
        assert users.by_token(conn, token) is None


# --- API tokens --------------------------------------------------------------------------

def test_tokens(db):
    with db.begin() as conn:
        first = users.issue_token(conn, "jo")
    assert len(first) >= 40
    stored = row(db, "jo")
    every_column = " ".join(str(getattr(stored, c.name)) for c in User.__table__.columns)
    assert first not in every_column and first[3:] not in every_column
    assert stored.token_hash
    with db.begin() as conn:
        account = users.by_token(conn, first)
        assert (account.username, account.court_code) == ("jo", "A")
        second = users.issue_token(conn, "jo")
        assert second != first
        assert users.by_token(conn, first) is None
        assert users.by_token(conn, second).username == "jo"
        # Near misses and junk find nobody.
        assert users.by_token(conn, second[:-1]) is None
        assert users.by_token(conn, "") is None
        assert users.by_token(conn, second + "x" * 300) is None
        # Another user's token is theirs alone.
        other = users.issue_token(conn, "sam")
        assert users.by_token(conn, other).username == "sam"
        assert users.by_token(conn, second).username == "jo"
        with pytest.raises(AccountError, match="No user named 'ghost'"):
            users.issue_token(conn, "ghost")


# --- the first administrator ---------------------------------------------------------------

def test_ensure_admin_creates_admin_only_in_an_empty_database(engine):
    password = users.ensure_admin(engine, None)
    assert password and len(password) >= users.MIN_PASSWORD_LENGTH
    with engine.begin() as conn:
        assert users.count(conn) == 1
        admin = users.authenticate(conn, "admin", password)
    assert admin is not None and admin.role == "admin"
    assert users.ensure_admin(engine, None) is None
    assert users.ensure_admin(engine, "yet-another-password") is None
    with engine.begin() as conn:
        assert users.count(conn) == 1
        assert users.authenticate(conn, "admin", password) is not None


def test_ensure_admin_uses_the_given_password(engine):
    assert users.ensure_admin(engine, PASSWORD) == PASSWORD
    with engine.begin() as conn:
        assert users.authenticate(conn, "admin", PASSWORD).role == "admin"


def test_ensure_admin_leaves_a_database_with_users_alone(engine):
    with engine.begin() as conn:
        users.add_user(conn, "sam", "staff", PASSWORD)
    assert users.ensure_admin(engine, None) is None
    with engine.connect() as conn:
        assert users.get(conn, "admin") is None and users.count(conn) == 1


def test_ensure_admin_refuses_a_short_password_and_creates_nobody(engine):
    with pytest.raises(AccountError, match="at least 10 characters"):
        users.ensure_admin(engine, "short")
    with engine.connect() as conn:
        assert users.count(conn) == 0


def test_new_passwords_survive_the_spreadsheet_guard_of_downloads():
    import pandas as pd

    from data.accounts.users import new_password
    from layouts.export import neutralise_formulas

    passwords = [new_password() for _ in range(2000)]
    assert all(len(p) == 16 and p[0].isalnum() for p in passwords)
    frame = pd.DataFrame({"password": passwords})
    assert neutralise_formulas(frame)["password"].tolist() == passwords
