"""Directory sign-in against a real OpenLDAP server (tests/slapd.py), on SQLite and
PostgreSQL: passwords checked by binding as the person over StartTLS or LDAPS, groups
to roles, a judge's court from an attribute or a group, a moved judge, a removed or
disabled person (their sessions and API token end), LDAP injection refused, the
directory down, and the settings' own checks."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from ldap3 import MODIFY_REPLACE
from sqlalchemy import insert, select

from data.accounts import audit, directory, directory_accounts, sessions, users
from data.accounts.directory import DirectoryConfigError, DirectoryDown, GroupMapping
from data.store.models import Court, User
from tests import slapd

POLICY = sessions.Policy()


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                         parallelism=1))


@pytest.fixture
def ldap(tmp_path):
    yield from slapd.running(tmp_path / "ldap")


@pytest.fixture
def settings(ldap):
    return directory.settings_from(ldap.env())


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        for code in slapd.COURTS:
            conn.execute(insert(Court).values(court_code=code, name_en=code, name_ru=code,
                                              name_kk=code, region_code="KZ-75",
                                              level="district", specialization="general"))
    return engine


def sign_in(db, settings, name, password=None):
    return directory_accounts.sign_in(db, settings, name,
                                      slapd.PASSWORDS.get(name, "") if password is None
                                      else password)


def _session_and_token(db, account):
    with db.begin() as conn:
        session_id = sessions.start(conn, account, "127.0.0.1")
        token = users.issue_token(conn, account.username)
    return session_id, token


def _alive(db, session_id, token) -> tuple[bool, bool]:
    with db.connect() as conn:
        return (sessions.resolve(conn, session_id, POLICY)[0] is not None,
                users.by_token(conn, token) is not None)


def test_sign_in_creates_a_directory_account_with_no_password_kept(db, settings):
    got = sign_in(db, settings, "alice")
    assert got.message is None and got.account is not None
    assert (got.account.role, got.account.court_code) == ("admin", None)
    with db.connect() as conn:
        row = conn.execute(select(User.source, User.email, User.password_hash)
                           .where(User.username == "alice")).one()
        assert (row.source, row.email) == ("directory", "alice@sud.kz")
        assert slapd.PASSWORDS["alice"] not in row.password_hash
        # The stored marker is no hash: no password signs a directory account in locally.
        assert users.authenticate(conn, "alice", slapd.PASSWORDS["alice"]) is None
        assert users.authenticate(conn, "alice", users.NO_PASSWORD) is None
        events = audit.events(conn, username="directory")
    assert "alice: created" in events["detail"].iloc[0]


def test_a_name_in_capitals_is_the_same_account(db, settings):
    first = sign_in(db, settings, "alice").account
    again = sign_in(db, settings, "ALICE", slapd.PASSWORDS["alice"]).account
    assert again is not None and again.id == first.id and again.username == "alice"


def test_wrong_password_unknown_person_and_empty_password_are_refused(db, settings):
    assert sign_in(db, settings, "alice", "not-her-password").account is None
    assert sign_in(db, settings, "nobody", "whatever-123").account is None
    # An empty password would be an anonymous bind, which LDAP servers accept.
    assert sign_in(db, settings, "alice", "").account is None
    with db.connect() as conn:
        assert users.count(conn) == 0


def test_groups_give_roles_and_judges_their_court(db, settings):
    assert (sign_in(db, settings, "bob").account.role) == "analyst"
    jan = sign_in(db, settings, "jan").account  # court from departmentNumber
    assert (jan.role, jan.court_code) == ("judge", "KZ10-D01")
    kim = sign_in(db, settings, "kim").account  # no attribute: the court group
    assert (kim.role, kim.court_code) == ("judge", "KZ10-D02")
    eve = sign_in(db, settings, "eve")  # right password, no group of Court KPI
    assert eve.account is None and eve.message == "directory.no_role"


def test_over_ldaps_too(db, ldap):
    got = sign_in(db, directory.settings_from(ldap.env(ldaps=True)), "bob")
    assert got.account is not None and got.account.role == "analyst"


def test_a_moved_judge_has_the_new_court_at_the_next_sign_in(db, settings, ldap):
    jan = sign_in(db, settings, "jan").account
    session_id, token = _session_and_token(db, jan)
    with ldap.admin() as conn:
        conn.modify(slapd.person_dn("jan"), {"departmentNumber": [(MODIFY_REPLACE,
                                                                   ["KZ10-D02"])]})
    again = sign_in(db, settings, "jan").account
    assert (again.role, again.court_code) == ("judge", "KZ10-D02")
    # What was opened for the old court ends with it.
    assert _alive(db, session_id, token) == (False, False)


def test_a_judge_moved_to_an_unknown_court_is_refused(db, settings, ldap):
    with ldap.admin() as conn:
        conn.modify(slapd.person_dn("jan"), {"departmentNumber": [(MODIFY_REPLACE,
                                                                   ["KZ99-X01"])]})
    got = sign_in(db, settings, "jan")
    assert got.account is None and got.message == "directory.no_court"


def test_removed_from_the_group_ends_access(db, settings, ldap):
    bob = sign_in(db, settings, "bob").account
    session_id, token = _session_and_token(db, bob)
    with ldap.admin() as conn:
        # A group of names keeps one member at least: eve takes bob's place.
        conn.modify(slapd.group_dn("kpi-analysts"),
                    {"member": [(MODIFY_REPLACE, [slapd.person_dn("eve")])]})
        conn.modify(slapd.group_dn("kpi-staff"),
                    {"member": [(MODIFY_REPLACE, [slapd.person_dn("bob")])]})
    # Another group: the new role at the next sign-in, the old session and token gone.
    assert sign_in(db, settings, "bob").account.role == "staff"
    assert _alive(db, session_id, token) == (False, False)
    with ldap.admin() as conn:
        conn.modify(slapd.group_dn("kpi-staff"),
                    {"member": [(MODIFY_REPLACE, [slapd.person_dn("dora")])]})
    got = sign_in(db, settings, "bob")
    assert got.account is None and got.message == "directory.no_role"
    with db.connect() as conn:
        assert users.get(conn, "bob").active is False


def test_a_disabled_person_cannot_sign_in(db, settings):
    got = sign_in(db, settings, "dora")  # the right password, but disabled
    assert got.account is None and got.message == "login.failed"


def test_the_periodic_check_ends_sessions_and_tokens_of_removed_and_disabled(db, settings,
                                                                            ldap):
    opened = {name: _session_and_token(db, sign_in(db, settings, name).account)
              for name in ("alice", "bob", "jan", "kim")}
    with ldap.admin() as conn:
        conn.delete(slapd.person_dn("alice"))  # gone
        conn.modify(slapd.person_dn("bob"), {"employeeType": [(MODIFY_REPLACE,
                                                               ["disabled"])]})
        conn.modify(slapd.person_dn("kim"), {"departmentNumber": [(MODIFY_REPLACE,
                                                                   ["KZ10-D01"])]})
    done = dict(directory_accounts.check_open(db, settings))
    assert done == {"alice": "ended: not in the directory",
                    "bob": "ended: disabled in the directory",
                    "kim": "changed: court KZ10-D02 -> KZ10-D01"}
    assert _alive(db, *opened["alice"]) == (False, False)
    assert _alive(db, *opened["bob"]) == (False, False)
    assert _alive(db, *opened["kim"]) == (False, False)
    assert _alive(db, *opened["jan"]) == (True, True)  # nothing changed for jan
    with db.connect() as conn:
        assert users.get(conn, "alice").active is False
        assert users.get(conn, "kim").court_code == "KZ10-D01"
    assert directory_accounts.check_open(db, settings) == []  # nothing more to do


@pytest.mark.parametrize("name", ["*)(uid=*", "*", "al*", "alice)(|(uid=*",
                                  "alice)(objectClass=*", "*)(|(objectClass=*",
                                  "alice\x00", "ali ce", "(uid=alice)", "alice,ou=x"])
def test_ldap_injection_in_the_user_name_is_refused(db, settings, name):
    out = directory.check_password(settings, name, slapd.PASSWORDS["alice"])
    assert (out.entry, out.refusal) == (None, "bad_name")
    assert sign_in(db, settings, name, slapd.PASSWORDS["alice"]).account is None


def test_filter_characters_are_escaped_below_the_name_check(settings):
    # Were the name check loosened, "al*" must still not match alice.
    conn = directory._service(settings)
    try:
        assert directory._lookup(settings, conn, "al*") is None
        assert directory._lookup(settings, conn, "*") is None
        assert directory._lookup(settings, conn, "alice") is not None
    finally:
        conn.unbind()


def test_the_directory_down_is_an_exception_with_a_reason(db, ldap):
    env = ldap.env()
    ldap.stop()
    with pytest.raises(DirectoryDown):
        sign_in(db, directory.settings_from(env), "alice")


def test_a_certificate_of_another_authority_is_refused(db, ldap, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    slapd._certificates(other)
    env = {**ldap.env(), "COURT_KPI_LDAP_CA_FILE": str(other / "ca.pem")}
    with pytest.raises(DirectoryDown):
        sign_in(db, directory.settings_from(env), "alice")
    with pytest.raises(DirectoryDown):
        sign_in(db, directory.settings_from({**env, "COURT_KPI_LDAP_URL":
                                             f"ldaps://127.0.0.1:{ldap.tls_port}",
                                             "COURT_KPI_LDAP_STARTTLS": "0"}), "alice")


def test_a_wrong_service_password_is_the_directory_down(db, ldap):
    env = {**ldap.env(), "COURT_KPI_LDAP_BIND_PASSWORD": "wrong-password"}
    with pytest.raises(DirectoryDown, match="service account"):
        sign_in(db, directory.settings_from(env), "alice")


def test_a_local_account_is_never_taken_over(db, settings):
    with db.begin() as conn:
        users.add_user(conn, "alice", "analyst", "local-password-1")
    got = sign_in(db, settings, "alice")
    assert (got.account, got.message) == (None, "login.failed")
    with db.connect() as conn:
        assert users.source_of(conn, "alice") == "local"
        assert users.get(conn, "alice").role == "analyst"


def test_settings_from_the_environment(ldap, tmp_path):
    assert directory.settings_from({}) is None  # no directory: nothing changes
    env = ldap.env()
    with pytest.raises(DirectoryConfigError, match="in clear"):
        directory.settings_from({**env, "COURT_KPI_LDAP_STARTTLS": "0"})
    with pytest.raises(DirectoryConfigError, match="BASE_DN"):
        directory.settings_from({**env, "COURT_KPI_LDAP_BASE_DN": ""})
    with pytest.raises(DirectoryConfigError, match="USER_FILTER"):
        directory.settings_from({**env, "COURT_KPI_LDAP_USER_FILTER": "(uid=x)"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"roles": {"cn=x": "boss"}}))
    with pytest.raises(DirectoryConfigError, match="unknown role 'boss'"):
        directory.settings_from({**env, "COURT_KPI_LDAP_MAPPING": str(bad)})
    bad.write_text("{not json")
    with pytest.raises(DirectoryConfigError, match="not JSON"):
        directory.settings_from({**env, "COURT_KPI_LDAP_MAPPING": str(bad)})
    with pytest.raises(DirectoryConfigError, match="cannot read"):
        directory.settings_from({**env, "COURT_KPI_LDAP_MAPPING": str(tmp_path / "none")})


def test_rights_from_groups_is_pure_and_ordered():
    mapping = GroupMapping.from_json({
        "roles": {"CN=Admins, OU=G,DC=x": "admin", "cn=judges,ou=g,dc=x": "judge"},
        "courts": {"cn=c1,ou=g,dc=x": "KZ10-D01"}, "court_attribute": "departmentNumber"})
    assert directory.rights(mapping, ["cn=admins,ou=g,dc=x", "cn=judges,ou=g,dc=x"], []) \
        == directory.Rights("admin", None)  # the first group of the file wins
    assert directory.rights(mapping, ["cn=judges,ou=g,dc=x", "cn=c1,ou=g,dc=x"], []) \
        == directory.Rights("judge", "KZ10-D01")
    assert directory.rights(mapping, ["CN=Judges,OU=g,DC=x"], ["KZ11-D01"]) \
        == directory.Rights("judge", "KZ11-D01")
    assert directory.rights(mapping, ["cn=judges,ou=g,dc=x"], []) \
        == directory.Rights("judge", None)
    assert directory.rights(mapping, ["cn=other,dc=x"], ["KZ10-D01"]) is None
