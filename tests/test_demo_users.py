"""Demo accounts: one per role, the judge bound to a district court, never reset."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from data.accounts import audit, users
from data.accounts.access import MACHINE_ROLES, ROLES
from data.demo.loading import create_demo_users, credentials_text
from data.store.models import Court, User

# Every role a person signs in with: the metrics role is for a scraper's token.
PEOPLE_ROLES = [role for role in ROLES if role not in MACHINE_ROLES]


def add_court(conn, code: str, level: str) -> None:
    conn.execute(insert(Court).values(court_code=code, name_en=code, name_ru=code,
                                      name_kk=code, region_code="KZ-75", level=level,
                                      specialization="general"))


@pytest.fixture
def courts(engine):
    with engine.begin() as conn:
        # An appeal court sorts first: the judge must still get a district court.
        add_court(conn, "KZ10-A01", "regional")
        add_court(conn, "KZ10-D02", "district")
        add_court(conn, "KZ10-D01", "district")
    return engine


def hashes(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(User.username, User.password_hash)).all())


def test_one_account_per_role_and_the_judge_in_a_district_court(courts):
    created = create_demo_users(courts)
    assert sorted(role for _, role, _, _ in created) == sorted(PEOPLE_ROLES)
    with courts.begin() as conn:
        for name, role, court, password in created:
            account = users.authenticate(conn, name, password)
            assert account is not None and (account.role, account.court_code) == (role, court)
            assert account.active
        judge_court = next(court for _, role, court, _ in created if role == "judge")
        level = conn.execute(text("SELECT level FROM courts WHERE court_code = :c"),
                             {"c": judge_court}).scalar_one()
        assert (judge_court, level) == ("KZ10-D01", "district")
        assert all(court is None for _, role, court, _ in created if role != "judge")
        assert len({password for *_, password in created}) == len(created)
        log = audit.events(conn)
    assert sorted(log["action"]) == ["user_add"] * len(PEOPLE_ROLES)
    assert not any(password in log.to_string() for *_, password in created)
    shown = credentials_text(created)
    assert all(name in shown and password in shown for name, _, _, password in created)


def test_a_second_run_creates_nothing_and_changes_no_password(courts):
    created = create_demo_users(courts)
    before = hashes(courts)
    assert create_demo_users(courts) == []
    assert hashes(courts) == before
    with courts.begin() as conn:
        assert users.count(conn) == len(PEOPLE_ROLES)
        for name, _, _, password in created:
            assert users.authenticate(conn, name, password) is not None


def test_an_existing_account_is_left_alone(courts):
    with courts.begin() as conn:
        users.add_user(conn, "demo-staff", "staff", "my-own-password")
    before = hashes(courts)["demo-staff"]
    created = create_demo_users(courts)
    assert "demo-staff" not in {name for name, *_ in created} and len(created) == 3
    assert hashes(courts)["demo-staff"] == before


def test_without_a_district_court_the_judge_waits(engine):
    with engine.begin() as conn:
        add_court(conn, "KZ10-A01", "regional")
    created = create_demo_users(engine)
    assert sorted(role for _, role, _, _ in created) == ["admin", "analyst", "staff"]
    with engine.begin() as conn:
        add_court(conn, "KZ10-D05", "district")
    later = create_demo_users(engine)
    assert [(name, role, court) for name, role, court, _ in later] == [
        ("demo-judge", "judge", "KZ10-D05")]
