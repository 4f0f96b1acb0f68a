"""A real OpenLDAP server (Debian's slapd) for the directory tests, started on loopback
ports with its own configuration, certificate authority and a small tree, and stopped
at the end.

The tree (dc=sud,dc=kz): a service account that reads it; people alice (kpi-admins),
bob (kpi-analysts), jan (kpi-judges, departmentNumber KZ10-D01), kim (kpi-judges,
no court attribute, in the court group of KZ10-D02), dora (kpi-staff, disabled:
employeeType "disabled"), eve (in no group of Court KPI). Every person's password is
``PASSWORDS[name]``.

Both StartTLS on the plain port and LDAPS on a second one, with a server certificate
for 127.0.0.1 signed by a CA made here with openssl (the ``cryptography`` package is
not pinned).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=sud,dc=kz"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-123"
SERVICE_DN = f"cn=kpi-reader,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "reader-secret-123"
PASSWORDS = {"alice": "alice-pass-123", "bob": "bob-pass-1234", "jan": "jan-pass-12345",
             "kim": "kim-pass-12345", "dora": "dora-pass-1234", "eve": "eve-pass-12345"}
GROUPS = {"kpi-admins": ["alice"], "kpi-analysts": ["bob"], "kpi-judges": ["jan", "kim"],
          "kpi-staff": ["dora"], "court-kz10-d02": ["kim"], "canteen": ["eve"]}
COURTS = ("KZ10-D01", "KZ10-D02")
MAPPING = {
    "roles": {f"cn=kpi-admins,ou=groups,{SUFFIX}": "admin",
              f"cn=kpi-staff,ou=groups,{SUFFIX}": "staff",
              f"cn=kpi-analysts,ou=groups,{SUFFIX}": "analyst",
              f"cn=kpi-judges,ou=groups,{SUFFIX}": "judge"},
    "courts": {f"cn=court-kz10-d02,ou=groups,{SUFFIX}": "KZ10-D02"},
    "court_attribute": "departmentNumber",
}


def available() -> str | None:
    """None when slapd can run here, else why not (the reason of a skip)."""
    for tool in (SLAPD, SLAPADD):
        if not Path(tool).exists():
            return (f"{tool} is missing: install Debian's slapd and ldap-utils "
                    "(./dev test does it as root)")
    if not shutil.which("openssl"):
        return "openssl is missing (it makes the test CA)"
    return None


def person_dn(name: str) -> str:
    return f"uid={name},ou=people,{SUFFIX}"


def group_dn(name: str) -> str:
    return f"cn={name},ou=groups,{SUFFIX}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(folder: Path) -> None:
    """ca.pem and a server.pem/server.key for 127.0.0.1 signed by it."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=Court KPI test CA", "-keyout", "ca.key", "-out", "ca.pem",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=folder)
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf",
             cwd=folder)


def _config_ldif(folder: Path) -> str:
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {folder}/slapd.pid
olcTLSCACertificateFile: {folder}/ca.pem
olcTLSCertificateFile: {folder}/server.pem
olcTLSCertificateKeyFile: {folder}/server.key

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {SUFFIX}
olcRootDN: {ROOT_DN}
olcRootPW: {ROOT_PASSWORD}
olcDbDirectory: {folder}/db
olcDbMaxSize: 33554432
olcAccess: {{0}}to attrs=userPassword by self read by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def _tree_ldif() -> str:
    parts = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: sud\n"
             "o: Courts\n",
             f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
             f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n",
             f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
             f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: "
             f"simpleSecurityObject\ncn: kpi-reader\nuserPassword: {SERVICE_PASSWORD}\n"]
    for name, password in PASSWORDS.items():
        extra = ""
        if name == "jan":
            extra = "departmentNumber: KZ10-D01\n"
        if name == "dora":
            extra = "employeeType: disabled\n"
        parts.append(f"dn: {person_dn(name)}\nobjectClass: inetOrgPerson\nuid: {name}\n"
                     f"cn: {name.title()}\nsn: {name.title()}\nmail: {name}@sud.kz\n"
                     f"userPassword: {password}\n{extra}")
    for group, members in GROUPS.items():
        parts.append(f"dn: {group_dn(group)}\nobjectClass: groupOfNames\ncn: {group}\n"
                     + "".join(f"member: {person_dn(m)}\n" for m in members))
    return "\n".join(parts)


@dataclass
class Directory:
    folder: Path
    port: int
    tls_port: int
    process: subprocess.Popen

    @property
    def ca_file(self) -> str:
        return str(self.folder / "ca.pem")

    @property
    def mapping_file(self) -> str:
        return str(self.folder / "mapping.json")

    def env(self, ldaps: bool = False) -> dict[str, str]:
        """The environment of a Court KPI that uses this directory."""
        url = (f"ldaps://127.0.0.1:{self.tls_port}" if ldaps
               else f"ldap://127.0.0.1:{self.port}")
        env = {"COURT_KPI_LDAP_URL": url, "COURT_KPI_LDAP_BASE_DN": f"ou=people,{SUFFIX}",
               "COURT_KPI_LDAP_GROUP_BASE_DN": f"ou=groups,{SUFFIX}",
               "COURT_KPI_LDAP_BIND_DN": SERVICE_DN,
               "COURT_KPI_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
               "COURT_KPI_LDAP_CA_FILE": self.ca_file,
               "COURT_KPI_LDAP_MAPPING": self.mapping_file,
               "COURT_KPI_LDAP_DISABLED_FILTER": "(employeeType=disabled)",
               "COURT_KPI_LDAP_TIMEOUT": "5"}
        if not ldaps:
            env["COURT_KPI_LDAP_STARTTLS"] = "1"
        return env

    def admin(self):
        """An ldap3 connection bound as the directory's root, to change the tree."""
        from ldap3 import Connection, Server

        conn = Connection(Server(f"ldap://127.0.0.1:{self.port}"), ROOT_DN, ROOT_PASSWORD,
                          auto_bind=True, raise_exceptions=True)
        return conn

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(folder: Path) -> Directory:
    folder.mkdir(parents=True, exist_ok=True)
    _certificates(folder)
    (folder / "slapd.d").mkdir()
    (folder / "db").mkdir()
    (folder / "config.ldif").write_text(_config_ldif(folder))
    (folder / "tree.ldif").write_text(_tree_ldif())
    (folder / "mapping.json").write_text(json.dumps(MAPPING))
    subprocess.run([SLAPADD, "-n0", "-F", str(folder / "slapd.d"), "-l",
                    str(folder / "config.ldif")], check=True, capture_output=True)
    subprocess.run([SLAPADD, "-n1", "-F", str(folder / "slapd.d"), "-l",
                    str(folder / "tree.ldif")], check=True, capture_output=True)
    port, tls_port = _free_port(), _free_port()
    log = open(folder / "slapd.log", "wb")  # noqa: SIM115 - kept open for the server
    # -d 0: stay in the foreground (so the test owns the process) with no debug output.
    process = subprocess.Popen(
        [SLAPD, "-d", "0", "-F", str(folder / "slapd.d"),
         "-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"],
        stdout=log, stderr=subprocess.STDOUT)
    directory = Directory(folder, port, tls_port, process)
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError("slapd stopped: " + (folder / "slapd.log").read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                with socket.create_connection(("127.0.0.1", tls_port), 0.2):
                    return directory
        except OSError:
            time.sleep(0.1)
    directory.stop()
    raise RuntimeError("slapd did not open its ports")


def running(folder: Path) -> Iterator[Directory]:
    """A fixture's body: the directory, stopped afterwards. Skipped with the reason when
    slapd is not installed, except in CI, where ./dev test installs it."""
    import pytest

    from tests.conftest import IN_CI

    reason = available()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"slapd is required in CI: {reason}")
        pytest.skip(reason)
    directory = start(folder)
    try:
        yield directory
    finally:
        directory.stop()
