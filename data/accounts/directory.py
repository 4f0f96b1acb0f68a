"""Directory sign-in (LDAP / Active Directory, issue 33): who a person is, whether the
account is still enabled, and the role and court their groups give them.

Court KPI never stores a directory password: the sign-in binds to the directory as the
person, over LDAPS or StartTLS only (a password never crosses the network in clear),
with the certificate checked against the configured CA file (else the system's).
Finding the person's entry, their groups and whether the account is disabled uses a
service account (``COURT_KPI_LDAP_BIND_DN``) or, without one, an anonymous bind: the
same lookup serves the periodic check of open sessions (``python -m data user
directory-check``), which has no password of the person.

Settings come from the environment (see README, "Directory sign-in"); with no
``COURT_KPI_LDAP_URL`` nothing here runs and every account is local, as before.

The mapping from groups to roles and courts is a small JSON file
(``COURT_KPI_LDAP_MAPPING``)::

    {"roles": {"cn=kpi-admins,ou=groups,dc=sud,dc=kz": "admin",
               "cn=kpi-judges,ou=groups,dc=sud,dc=kz": "judge"},
     "courts": {"cn=court-kz10-d01,ou=groups,dc=sud,dc=kz": "KZ10-D01"},
     "court_attribute": "departmentNumber"}

The first group of ``roles`` (in the file's order) that the person is a member of gives
the role; a judge's court is the value of ``court_attribute`` on their entry when it
has one, else the first of ``courts`` they are a member of.
"""

from __future__ import annotations

import json
import os
import re
import ssl
from collections.abc import Callable, Iterator
from collections.abc import Mapping as AbcMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from data.accounts.access import ROLES

ENV = "COURT_KPI_LDAP_"
# A directory user name as Court KPI accepts it: letters, digits and . _ - @ only. Not a
# filter escape alone: a name with LDAP filter characters ("*)(uid=*") never reaches the
# directory, and is escaped anyway where it is used.
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")


class DirectoryConfigError(ValueError):
    """A directory setting that cannot work; the message says which and why."""


class DirectoryDown(Exception):
    """The directory cannot be reached or refused Court KPI's own (service) bind."""


def normal_dn(dn: str) -> str:
    """A DN compared the way directories do: case and spaces around , and = ignored."""
    parts = [p.strip() for p in re.split(r"(?<!\\),", dn)]
    return ",".join("=".join(s.strip() for s in p.split("=", 1)) for p in parts).lower()


@dataclass(frozen=True)
class GroupMapping:
    """Directory groups to roles and courts (see the module's docstring)."""

    roles: tuple[tuple[str, str], ...] = ()
    courts: tuple[tuple[str, str], ...] = ()
    court_attribute: str | None = None

    @classmethod
    def from_json(cls, data: object, where: str = "the mapping") -> GroupMapping:
        if not isinstance(data, AbcMapping):
            raise DirectoryConfigError(f"{where} must be a JSON object with \"roles\".")
        unknown = set(data) - {"roles", "courts", "court_attribute"}
        if unknown:
            raise DirectoryConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
        roles, courts = data.get("roles"), data.get("courts", {})
        if not isinstance(roles, AbcMapping) or not roles:
            raise DirectoryConfigError(f"{where}: \"roles\" maps at least one group to a role.")
        if not isinstance(courts, AbcMapping):
            raise DirectoryConfigError(f"{where}: \"courts\" maps groups to court codes.")
        for group, role in roles.items():
            if role not in ROLES:
                raise DirectoryConfigError(
                    f"{where}: group {group!r} maps to unknown role {role!r} "
                    f"(use one of {', '.join(ROLES)}).")
        for group, court in courts.items():
            if not isinstance(court, str) or not court:
                raise DirectoryConfigError(f"{where}: group {group!r} maps to no court code.")
        attribute = data.get("court_attribute")
        if attribute is not None and (not isinstance(attribute, str)
                                      or not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", attribute)):
            raise DirectoryConfigError(f"{where}: \"court_attribute\" is an attribute name.")
        return cls(tuple((normal_dn(g), r) for g, r in roles.items()),
                   tuple((normal_dn(g), c) for g, c in courts.items()), attribute)


@dataclass(frozen=True)
class Rights:
    """What the directory gives a person in Court KPI: a role and, for judges, a court."""

    role: str
    court_code: str | None


def rights(mapping: GroupMapping, groups: list[str],
           court_values: list[str]) -> Rights | None:
    """The role and court from the person's groups and court attribute; None when no
    group of theirs is mapped to a role (pure). A judge without a court gets
    ``court_code`` None, which the caller refuses with its own sentence."""
    mine = {normal_dn(g) for g in groups}
    role = next((r for g, r in mapping.roles if g in mine), None)
    if role is None:
        return None
    if role != "judge":
        return Rights(role, None)
    court = next((v.strip() for v in court_values if v and v.strip()), None)
    if court is None:
        court = next((c for g, c in mapping.courts if g in mine), None)
    return Rights(role, court)


@dataclass(frozen=True)
class Settings:
    url: str
    base_dn: str
    mapping: GroupMapping
    user_filter: str = "(uid={username})"
    group_filter: str = "(|(member={dn})(uniqueMember={dn}))"
    group_base_dn: str | None = None
    disabled_filter: str | None = None
    email_attribute: str = "mail"
    start_tls: bool = False
    ca_file: str | None = None
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    timeout: float = 5.0


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise DirectoryConfigError(f"{name} is 1 or 0, not {value!r}.")


def settings_from(env: AbcMapping[str, str] | None = None) -> Settings | None:
    """The directory settings from the environment; None when no directory is set."""
    env = os.environ if env is None else env
    url = (env.get(ENV + "URL") or "").strip()
    if not url:
        return None
    start_tls = _flag(env.get(ENV + "STARTTLS"), ENV + "STARTTLS")
    if not (url.lower().startswith("ldaps://") or url.lower().startswith("ldap://")):
        raise DirectoryConfigError(f"{ENV}URL is ldaps://host[:port] or ldap://host[:port].")
    if url.lower().startswith("ldap://") and not start_tls:
        raise DirectoryConfigError(
            f"{ENV}URL is plain ldap:// without {ENV}STARTTLS=1: passwords would cross the "
            "network in clear. Use ldaps:// or set STARTTLS.")
    base_dn = (env.get(ENV + "BASE_DN") or "").strip()
    if not base_dn:
        raise DirectoryConfigError(f"{ENV}BASE_DN is needed with {ENV}URL.")
    mapping_path = (env.get(ENV + "MAPPING") or "").strip()
    if not mapping_path:
        raise DirectoryConfigError(f"{ENV}MAPPING (a JSON file of groups to roles) is needed.")
    try:
        data = json.loads(Path(mapping_path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DirectoryConfigError(f"{ENV}MAPPING: cannot read {mapping_path}: "
                                   f"{exc.strerror}.") from None
    except ValueError as exc:
        raise DirectoryConfigError(f"{ENV}MAPPING: {mapping_path} is not JSON: {exc}.") \
            from None
    user_filter = env.get(ENV + "USER_FILTER") or Settings.user_filter
    if "{username}" not in user_filter:
        raise DirectoryConfigError(f"{ENV}USER_FILTER must contain {{username}}.")
    ca_file = env.get(ENV + "CA_FILE") or None
    if ca_file and not Path(ca_file).is_file():
        raise DirectoryConfigError(f"{ENV}CA_FILE: no file {ca_file}.")
    password = env.get(ENV + "BIND_PASSWORD")
    password_file = env.get(ENV + "BIND_PASSWORD_FILE")
    if password_file:
        try:
            password = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise DirectoryConfigError(f"{ENV}BIND_PASSWORD_FILE: {exc.strerror}.") from None
    try:
        timeout = float(env.get(ENV + "TIMEOUT") or 5)
    except ValueError:
        raise DirectoryConfigError(f"{ENV}TIMEOUT is a number of seconds.") from None
    return Settings(
        url=url, base_dn=base_dn, mapping=GroupMapping.from_json(data, mapping_path),
        user_filter=user_filter,
        group_filter=env.get(ENV + "GROUP_FILTER") or Settings.group_filter,
        group_base_dn=env.get(ENV + "GROUP_BASE_DN") or None,
        disabled_filter=env.get(ENV + "DISABLED_FILTER") or None,
        email_attribute=env.get(ENV + "EMAIL_ATTRIBUTE") or "mail",
        start_tls=start_tls, ca_file=ca_file, bind_dn=env.get(ENV + "BIND_DN") or None,
        bind_password=password, timeout=timeout)


@dataclass(frozen=True)
class Entry:
    """A person as the directory describes them."""

    dn: str
    username: str
    disabled: bool
    groups: list[str]
    court_values: list[str]
    email: str | None

    def rights(self, mapping: GroupMapping) -> Rights | None:
        return rights(mapping, self.groups, self.court_values)


def _server(settings: Settings) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file,
              version=ssl.PROTOCOL_TLS_CLIENT)
    return Server(settings.url, use_ssl=settings.url.lower().startswith("ldaps://"), tls=tls,
                  get_info=NONE, connect_timeout=max(1, int(settings.timeout)))


def _connect(settings: Settings, user: str | None, password: str | None) -> Connection | None:
    """A bound connection, None when the directory refuses these credentials; raises
    DirectoryDown when it cannot be reached or TLS fails."""
    conn = Connection(_server(settings), user=user, password=password,
                      receive_timeout=max(1, int(settings.timeout)), raise_exceptions=False,
                      read_only=True)
    try:
        conn.open()
        if settings.start_tls and not conn.start_tls():
            raise DirectoryDown(f"StartTLS refused: {conn.result.get('description')}")
        if conn.bind():
            return conn
    except LDAPException as exc:
        _close(conn)
        raise DirectoryDown(str(exc)) from None
    _close(conn)
    return None


def _close(conn: Connection) -> None:
    try:
        conn.unbind()
    except LDAPException:  # a socket TLS already broke: nothing left to close
        pass


def _service(settings: Settings) -> Connection:
    conn = _connect(settings, settings.bind_dn, settings.bind_password)
    if conn is None:
        raise DirectoryDown("the directory refused Court KPI's service account "
                            f"({settings.bind_dn or 'anonymous'})")
    return conn


def _values(entry, attribute: str) -> list[str]:
    if attribute not in entry.entry_attributes_as_dict:
        return []
    return [str(v) for v in entry.entry_attributes_as_dict[attribute]]


def _search(conn: Connection, base: str, flt: str, scope, attributes: list[str]) -> list:
    try:
        ok = conn.search(base, flt, search_scope=scope, attributes=attributes)
    except LDAPException as exc:
        raise DirectoryDown(str(exc)) from None
    if not ok and conn.result.get("result") not in (0, 32):  # 32: no such object
        raise DirectoryDown(f"search refused: {conn.result.get('description')}")
    return list(conn.entries)


def _lookup(settings: Settings, conn: Connection, username: str) -> Entry | None:
    flt = settings.user_filter.replace("{username}", escape_filter_chars(username))
    attributes = ["memberOf", settings.email_attribute]
    if settings.mapping.court_attribute:
        attributes.append(settings.mapping.court_attribute)
    found = _search(conn, settings.base_dn, flt, SUBTREE, attributes)
    if len(found) != 1:  # none, or a filter that names two people: nobody
        return None
    person = found[0]
    dn = person.entry_dn
    disabled = False
    if settings.disabled_filter:
        disabled = bool(_search(conn, dn, settings.disabled_filter, BASE, ["1.1"]))
    groups = _values(person, "memberOf")
    group_filter = settings.group_filter.replace("{dn}", escape_filter_chars(dn)) \
        .replace("{username}", escape_filter_chars(username))
    groups += [g.entry_dn for g in _search(conn, settings.group_base_dn or settings.base_dn,
                                           group_filter, SUBTREE, ["1.1"])]
    court_values = _values(person, settings.mapping.court_attribute) \
        if settings.mapping.court_attribute else []
    emails = _values(person, settings.email_attribute)
    return Entry(dn, username, disabled, groups, court_values, emails[0] if emails else None)


def lookup(settings: Settings, username: str) -> Entry | None:
    """The person's entry as the service account reads it; None when there is none."""
    if not USERNAME.fullmatch(username or ""):
        return None
    conn = _service(settings)
    try:
        return _lookup(settings, conn, username)
    finally:
        _close(conn)


@contextmanager
def reader(settings: Settings) -> Iterator[Callable[[str], Entry | None]]:
    """One service connection for many lookups (the periodic check of every directory
    account); opening it raises DirectoryDown when the directory cannot answer."""
    conn = _service(settings)
    try:
        yield lambda username: (_lookup(settings, conn, username)
                                if USERNAME.fullmatch(username or "") else None)
    finally:
        _close(conn)


@dataclass(frozen=True)
class Outcome:
    """A directory sign-in: ``entry`` when the password was right; ``refusal`` says why
    not (``bad_name``, ``unknown``, ``disabled``, ``wrong_password``)."""

    entry: Entry | None
    refusal: str | None = None


def check_password(settings: Settings, username: str, password: str) -> Outcome:
    """Bind as the person with their password; raises DirectoryDown."""
    if not USERNAME.fullmatch(username or ""):
        return Outcome(None, "bad_name")
    if not password:  # an empty password is an anonymous bind, which "succeeds"
        return Outcome(None, "wrong_password")
    entry = lookup(settings, username)
    if entry is None:
        return Outcome(None, "unknown")
    if entry.disabled:
        return Outcome(entry, "disabled")
    conn = _connect(settings, entry.dn, password)
    if conn is None:
        return Outcome(None, "wrong_password")
    _close(conn)
    return Outcome(entry)
