"""Upgrades from every earlier version, on SQLite and PostgreSQL (issue "Operations").

For each migration revision before the head (read from Alembic's script directory, so a
new migration adds a case by itself) a database is created at that revision and filled
as that release would have left it: every table it has (reflected, so only the tables
and columns of that revision) gets the rows of a reference database built at the head
the normal way (the small demo's regions, a slice of its courts and everything of
theirs loaded file by file through the loader: uploads, cases, caseload, resources,
surveys, targets, the derived facts and KPI cells), and the tables of accounts, audit,
sessions, profiles and notes get a few rows of their own. Then, as a person upgrading
does, ``python -m data init`` and (README: "then `python -m data refresh` once")
``python -m data refresh`` run on it in subprocesses: init exits 0, leaves the schema at
the head and every row that was there, column by column, as it was; after the refresh
the KPI cells, facts, durations and the backlog's age equal the reference's.

Could a migration lose data? Each one was read (0001 .. 0010): every ``upgrade()`` but
0008's only creates tables and their indexes (0001 the schema; 0002 users, audit_log,
target_changes; 0003 user_sessions; 0004 backlog_age; 0005 import_profiles; 0006
annotations; 0007 the release tables; 0009 case_weights, judge_year and
judge_year_changes, whose shipped rows ``python -m data init`` installs, not the
migration; 0010 adds users.source, NOT NULL with the server default "local", and
users.email, empty); 0008 writes only its own new values (``NEW_VALUES_ONLY``); 0011
only replaces indexes; 0012 rewrites the derived durations and month_durations with
their (days, n) rows packed per cell, reading every row before it drops a table
(``CONVERTS``: the test below reads them back unpacked and finds every row). No other
drops, renames or retypes a table or a column or adds a NOT NULL column to a table that
has rows, so none has anything to refuse. ``test_no_migration_can_lose_data`` keeps it
so: a new migration with such an operation fails it until the migration checks, at the
start of ``upgrade()`` and before changing anything, whether the data can be kept,
refuses with a sentence saying why when it cannot (raising
data.store.db.MigrationRefused, which `python -m data init` prints with exit 1), has a
test showing that, and is listed in ``REFUSES``.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, Table, select, text

from data.demo import synthetic
from data.demo.loading import load_frames
from data.store import counts, frames, repository
from data.store.db import (
    alembic_config,
    init_db,
    make_engine,
    migration_revisions,
    upgrade_to,
)
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parent.parent
REVISIONS = migration_revisions()
HEAD = REVISIONS[-1]
EARLIER = REVISIONS[:-1]
# One region's courts (general, economic, administrative; court targets among them), a
# court of another region that reports caseload only, and the Supreme Court: about
# 3,000 cases over five years, enough for every KPI and quick on both databases.
SLICE_REGIONS = ("KZ-35",)
SLICE_COURTS = ("KZ15-D02", "KZ-SC")
DERIVED = ("facts", "durations", "kpi_values", "backlog_age", "part_facts", "month_durations",
           "court_as_of")
UTC = dt.UTC

# Revisions whose upgrade() may lose data and refuses first when it would, each with
# the test that shows the refusal (none so far: see the module's docstring).
REFUSES: dict[str, str] = {}
# Revisions whose flagged statements write only what the revision itself adds (a new
# column's first values, a NOT NULL on a column it has just filled, its own note in
# meta): no value that was there before is changed. The upgrade test above shows every
# row of every uploaded table kept.
# Revisions that rewrite a derived table in another layout, every value kept: the upgrade
# test compares the rows of the old layout with the new one's, read back in the old.
CONVERTS: dict[str, str] = {
    "0012": "packs durations and month_durations into one row per cell (data.store.counts); "
            "reads every row before it drops the old table",
}
# Tables whose layout a revision after the one upgraded from changed: (days, n) rows
# packed per cell, compared unpacked.
PACKED = counts.CELLS
NEW_VALUES_ONLY: dict[str, str] = {
    "0008": "fills the new caseload.period with each row's year and uploads.as_of of case "
            "uploads, makes period NOT NULL after filling it, and notes refresh_needed",
    "0009": "notes refresh_needed ('kpis': the new judge_need_ratio's cells) in meta",
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ), timeout=300)


def _demo_slice() -> dict[str, pd.DataFrame]:
    demo = synthetic.generate("small", seed=0, as_of=DEMO_AS_OF)
    courts = demo["courts"]
    courts = courts[courts["region_code"].isin(SLICE_REGIONS)
                    | courts["court_code"].isin(SLICE_COURTS)]
    codes = set(courts["court_code"])
    out = {"regions": demo["regions"], "courts": courts}
    for kind in ("cases", "caseload", "resources", "surveys", "targets"):
        frame = demo[kind]
        out[kind] = frame[frame["court_code"].fillna("").isin(codes | {""})]
    assert len(out["cases"]) and len(out["caseload"]) and len(out["targets"])
    return out


def _new_database(dialect: str, folder: Path, pg_reason) -> tuple[Engine, Callable[[], None]]:
    """An empty database (no schema) of ``dialect`` and the function that removes it."""
    if dialect == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'db.sqlite'}")
        return engine, engine.dispose

    from tests.conftest import _pg_engine

    engine, admin, schema = _pg_engine(pg_reason)

    def drop() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return engine, drop


def _tables(engine: Engine) -> dict[str, Table]:
    meta = MetaData()
    meta.reflect(bind=engine)
    return dict(meta.tables)


def _rows(engine: Engine, table: Table, columns: list[str]) -> Counter:
    with engine.connect() as conn:
        return Counter(tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns))))


def _unpacked_rows(engine: Engine, table: str, columns: list[str]) -> Counter:
    """A packed table's rows as they were before 0012, one per (cell, days)."""
    cell = PACKED[table]
    with engine.connect() as conn:
        stored = frames.read_sql(conn, f"SELECT {', '.join(cell)}, counts FROM {table}")
    long = counts.unpack(stored, cell)
    return Counter(tuple(r) for r in long[columns].astype(object).itertuples(index=False))


def _version(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


@dataclass
class Reference:
    """A database built at the head from the demo slice, the way a new one is."""

    dialect: str
    engine: Engine
    tables: dict[str, Table]


# One xdist worker runs this whole module (--dist loadgroup in ./dev): its module-wide
# fixtures are built once, not once per worker.
pytestmark = pytest.mark.xdist_group("upgrades")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def reference(request, tmp_path_factory, pg_reason) -> Iterator[Reference]:
    engine, drop = _new_database(request.param, tmp_path_factory.mktemp("reference"),
                                 pg_reason)
    try:
        init_db(engine)
        reports = load_frames(engine, _demo_slice())
        assert [r.status for r in reports] == ["loaded"] * len(reports), \
            [(r.filename, r.errors[:1]) for r in reports if r.status != "loaded"]
        yield Reference(request.param, engine, _tables(engine))
    finally:
        drop()


def _own_rows(conn, tables: dict[str, Table]) -> None:
    """Rows of the tables a load does not fill, where the revision has them."""
    at = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    if "users" in tables:
        users = tables["users"]
        conn.execute(users.insert(), [
            {"username": "old-admin", "password_hash": "scrypt:32768:8:1$salt$hash",
             "role": "admin", "court_code": None, "active": True, "language": "kk",
             "token_hash": "ab" * 32, "session_version": 3, "created_at": at},
            {"username": "old-judge", "password_hash": "scrypt:32768:8:1$salt$other",
             "role": "judge", "court_code": "KZ35-D01", "active": False, "language": None,
             "token_hash": None, "session_version": 1, "created_at": at},
        ])
        conn.execute(tables["audit_log"].insert(), [
            {"at": at, "username": "old-admin", "action": "sign_in", "detail": "",
             "address": "10.0.0.7"},
            {"at": at, "username": "old-admin", "action": "user_add",
             "detail": "old-judge as judge — «судья»", "address": None},
        ])
        conn.execute(tables["target_changes"].insert(), [
            {"at": at, "username": "old-admin", "kpi": "clearance_rate", "year": 2025,
             "court_code": "KZ35-D01", "old_target": None, "new_target": 100.0,
             "old_tolerance": None, "new_tolerance": 2.5},
        ])
    if "user_sessions" in tables:
        admin_id = conn.execute(select(tables["users"].c.id).where(
            tables["users"].c.username == "old-admin")).scalar_one()
        conn.execute(tables["user_sessions"].insert(), [
            {"id_hash": "cd" * 32, "user_id": admin_id, "session_version": 3,
             "created": 1741064767.25, "last_seen": 1741065767.5, "address": "10.0.0.7"},
        ])
    if "import_profiles" in tables:
        conn.execute(tables["import_profiles"].insert(), [
            {"name": "Karaganda export", "body": '{"columns": {"Номер дела": "case_id"}}',
             "saved_by": "old-admin", "saved_at": 1741064767.0},
        ])
    if "annotations" in tables:
        conn.execute(tables["annotations"].insert(), [
            {"level": "court", "code": "KZ35-D01", "year": 2024, "kpi": "",
             "text": "Two judges on leave from May.", "created_by": "old-admin",
             "created_at": at, "updated_by": "old-admin", "updated_at": at},
        ])


def _fill(engine: Engine, tables: dict[str, Table], ref: Reference) -> None:
    """Every table of the old revision with the reference's rows (the columns it has),
    then the old revision's own rows of accounts, audit, sessions, profiles and notes."""
    with engine.begin() as conn, ref.engine.connect() as source:
        for name, table in tables.items():
            if name == "alembic_version" or name not in ref.tables:
                continue
            columns = [c.name for c in table.columns]
            if name in PACKED and "days" in columns:
                # The layout before 0012: a row per (cell, days).
                stored = frames.read_sql(
                    source, f"SELECT {', '.join(PACKED[name])}, counts FROM {name}")
                batch = counts.unpack(stored, PACKED[name])[columns].astype(object).to_dict(
                    "records")
            else:
                rows = source.execute(select(*(ref.tables[name].c[c] for c in columns)))
                batch = [dict(r._mapping) for r in rows]
            if batch:
                conn.execute(table.insert(), batch)
            if conn.dialect.name == "postgresql" and "id" in table.primary_key.columns:
                # Rows copied with their ids: the sequence goes on after them, as it
                # would have in the old database.
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"MAX(id)) FROM {name} HAVING MAX(id) IS NOT NULL"))
        _own_rows(conn, tables)


def _sorted_table(engine: Engine, table: str) -> pd.DataFrame:
    key = [c.name for c in _tables(engine)[table].primary_key.columns]
    with engine.connect() as conn:
        return frames.read_sql(conn, f"SELECT * FROM {table} ORDER BY {', '.join(key)}")


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrade_keeps_data_and_kpis(reference, revision, tmp_path, pg_reason):
    engine, drop = _new_database(reference.dialect, tmp_path, pg_reason)
    try:
        upgrade_to(engine, revision)
        tables = _tables(engine)
        assert _version(engine) == revision
        _fill(engine, tables, reference)
        before = {name: _rows(engine, table, [c.name for c in table.columns])
                  for name, table in tables.items() if name != "alembic_version"}
        assert before["cases"] and before["kpi_values"]
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()

        init = run("data", "init", "--db", url)
        assert init.returncode == 0, init.stdout + init.stderr
        assert _version(engine) == HEAD
        after = _tables(engine)
        assert set(after) == set(reference.tables) | {"alembic_version"}
        for name, rows in before.items():
            columns = [c.name for c in tables[name].columns]
            if name in PACKED and "counts" in after[name].columns:
                kept = _unpacked_rows(engine, name, columns)
            else:
                kept = _rows(engine, after[name], columns)
            lost = rows - kept
            assert not lost, f"{name}: {sum(lost.values())} rows lost or changed by init"
            assert kept == rows, f"{name}: init added rows"

        refresh = run("data", "refresh", "--db", url)
        assert refresh.returncode == 0, refresh.stdout + refresh.stderr
        with engine.connect() as got, reference.engine.connect() as want:
            pd.testing.assert_frame_equal(repository.kpi_values(got),
                                          repository.kpi_values(want),
                                          check_exact=False, rtol=1e-9)
        for name in DERIVED:
            pd.testing.assert_frame_equal(_sorted_table(engine, name),
                                          _sorted_table(reference.engine, name),
                                          check_exact=False, rtol=1e-9, obj=name)
    finally:
        drop()


# Operations of a migration that can lose the rows a table holds, or the values of a
# column; raw SQL with one of these words too.
LOSSY = {"drop_table", "drop_column", "alter_column", "rename_table", "drop_table_comment"}
LOSSY_SQL = ("DROP ", "DELETE ", "TRUNCATE ", "ALTER ", "UPDATE ")


def _lossy_operations(path: str) -> list[str]:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    upgrade = next(node for node in tree.body
                   if isinstance(node, ast.FunctionDef) and node.name == "upgrade")
    found = []
    for node in ast.walk(upgrade):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        keywords = {k.arg: k.value for k in node.keywords}
        if name in LOSSY:
            found.append(f"line {node.lineno}: {name}")
        elif name == "execute" and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str)
                and any(w in a.value.upper() for w in LOSSY_SQL)
                for a in ast.walk(node)):
            found.append(f"line {node.lineno}: execute of SQL that changes or drops rows")
        elif name == "add_column":
            # A NOT NULL column without a server default fails on a table with rows.
            column = next((a for a in node.args if isinstance(a, ast.Call)), None)
            col_kw = {k.arg: k.value for k in column.keywords} if column else keywords
            nullable = col_kw.get("nullable")
            if (isinstance(nullable, ast.Constant) and nullable.value is False
                    and "server_default" not in col_kw):
                found.append(f"line {node.lineno}: add_column NOT NULL without a default")
    return found


def test_no_migration_can_lose_data():
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [script.get_revision(r) for r in REVISIONS]
    assert script.get_current_head() == HEAD and len(set(REVISIONS)) == len(REVISIONS)
    unchecked = {}
    for rev in revisions:
        assert rev is not None and rev.path is not None
        found = _lossy_operations(rev.path)
        if found and not {rev.revision} & {*REFUSES, *NEW_VALUES_ONLY, *CONVERTS}:
            unchecked[rev.revision] = found
    assert not unchecked, (
        "these migrations can lose data: make each check at the start of upgrade(), "
        "before changing anything, whether the data can be kept, refuse with a sentence "
        f"saying why when it cannot, test that, and list it in REFUSES: {unchecked}")

