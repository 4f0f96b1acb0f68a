"""The restore drill: ``python -m data backup`` and ``restore`` as a person runs them, on
SQLite and PostgreSQL, into a new empty database; then everything must be the same.
And the refusals: not a backup, truncated, the other database kind, a full target."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from data.accounts import users
from data.accounts.access import Viewer
from data.demo.loading import load_demo
from data.edits import annotations
from data.edits.annotations import Note
from data.edits.targets_edit import TargetEdit, apply_edits
from data.ingest.undo import undo
from data.publish import releases
from data.store.backup import check
from data.store.db import init_db, make_engine
from layouts import open_data
from tests.conftest import DEMO_AS_OF, PG_URL, _pg_engine

ROOT = Path(__file__).resolve().parent.parent
STAFF = Viewer("sta", "staff")
ANALYST = Viewer("ana", "analyst")
PASSWORD = "a long drill password 1"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ), timeout=600)


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def current_schema(engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar())


@pytest.fixture
def scratch(tmp_path):
    """Makes new empty databases of a kind like ``engine``'s (SQLite file, or a new
    PostgreSQL database with the schema the backup holds); drops them afterwards."""
    made: list[str] = []
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")

    def new(like, schema: str | None = None) -> str:
        if like.dialect.name == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.sqlite'}"
        name = f"r_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        made.append(name)
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        return f"{url}?options=-csearch_path%3D{schema or current_schema(like)}"

    yield new
    if made:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def rows_of(engine) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            out[name] = sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
    return out


def open_data_members(engine, number: int) -> dict[str, bytes]:
    with engine.connect() as conn:
        release = releases.get(conn, number)
        frames = {"values": releases.values(conn, number),
                  "outlook": releases.outlook(conn, number),
                  "units": releases.units(conn, number)}
    # The ZIP's own member dates are the time of zipping: compare what it holds.
    archive = zipfile.ZipFile(io.BytesIO(open_data.bundle_zip(release, frames)))
    return {name: archive.read(name) for name in archive.namelist()}


def upload_id(engine, kind: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT MAX(id) FROM uploads WHERE kind = :k AND "
                                     "status = 'loaded'"), {"k": kind}).scalar_one())


@pytest.fixture
def world(engine):
    """The small demo data, an undone upload, a target edit, a note, a release, users."""
    load_demo(engine, "small", seed=0, as_of=DEMO_AS_OF)
    undo(engine, upload_id(engine, "targets"), user="ana")
    apply_edits(engine, [TargetEdit("clearance_rate", 2026, "", 97.5, 2.0)], "sta")
    annotations.add(engine, Note("national", "", 2024, "", "Drill: courts merged"), ANALYST)
    releases.publish(engine, 2025, "drill release", STAFF)
    with engine.begin() as conn:
        users.add_user(conn, "drill-admin", "admin", PASSWORD, None)
        users.add_user(conn, "drill-analyst", "analyst", PASSWORD, None)
    return engine


def test_restore_drill(world, scratch, tmp_path):
    source_url = url_of(world)
    target_url = scratch(world)
    file = tmp_path / "court-kpi.backup"

    start = time.perf_counter()
    done = run("data", "backup", str(file), "--db", source_url)
    took_backup = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert "newest release" in done.stdout and "#1 (2025)" in done.stdout
    assert "backing up" in done.stderr  # the progress line
    start = time.perf_counter()
    back = run("data", "restore", str(file), "--db", target_url)
    took_restore = time.perf_counter() - start
    assert back.returncode == 0, back.stderr
    print(f"\n{world.dialect.name}: backup {took_backup:.1f} s, restore {took_restore:.1f} s"
          f" ({file.stat().st_size // 1024} KiB)")
    # The end check names the same counts, upload and release on both sides.
    assert back.stdout.splitlines()[1:] == done.stdout.splitlines()[1:]

    restored = make_engine(target_url)
    try:
        before, after = rows_of(world), rows_of(restored)
        assert sorted(before) == sorted(after)
        for name in before:
            assert before[name] == after[name], name
        assert sum(len(rows) for rows in after.values()) > 90_000

        values = [run("kpi", "values", "--format", "csv", "--db", url)
                  for url in (source_url, target_url)]
        assert values[0].returncode == 0 and values[0].stdout.count("\n") > 1000
        assert values[0].stdout == values[1].stdout

        assert open_data_members(world, 1) == open_data_members(restored, 1)

        with restored.begin() as conn:
            signed = users.authenticate(conn, "drill-admin", PASSWORD)
            assert signed is not None and signed.role == "admin"
            assert users.authenticate(conn, "drill-admin", "wrong") is None

        # Ids go on where they stopped, and an earlier upload can still be undone.
        report = undo(restored, upload_id(restored, "surveys"), user="ana")
        assert report.upload_id == upload_id(world, "surveys")
        with restored.connect() as conn:
            status = conn.execute(text("SELECT status FROM uploads WHERE id = :i"),
                                  {"i": report.upload_id}).scalar()
        assert status == "undone"
        with restored.begin() as conn:
            users.add_user(conn, "after-restore", "staff", PASSWORD, None)
            ids = [r[0] for r in conn.execute(text("SELECT id FROM users ORDER BY id"))]
        assert ids == [1, 2, 3]  # the two drill accounts, then the new one
    finally:
        restored.dispose()


def _state(url: str) -> object:
    """What a person would see of a target: nothing, or its tables and counts."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.exists():
            return None
    eng = make_engine(url)
    try:
        if eng.dialect.name == "postgresql":
            with eng.connect() as conn:
                if conn.execute(text("SELECT current_schema()")).scalar() is None:
                    return None
        return inspect(eng).get_table_names() and check(eng).table()
    finally:
        eng.dispose()


def _refused(file: Path, url: str) -> str:
    before = _state(url)
    done = run("data", "restore", str(file), "--db", url)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert _state(url) == before
    line = done.stderr.strip()
    assert line.startswith("error: ") and line.endswith(".") and "\n" not in line
    return line


def test_bad_backups_and_a_full_target_are_refused(engine, scratch, tmp_path):
    url = url_of(engine)
    good = tmp_path / "good.backup"
    assert run("data", "backup", str(good), "--db", url).returncode == 0

    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(4096))
    assert "not a Court KPI backup" in _refused(noise, scratch(engine))
    empty = tmp_path / "empty.backup"
    empty.write_bytes(b"")
    assert "not a Court KPI backup" in _refused(empty, scratch(engine))

    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 1000, 60):
        short = tmp_path / f"short-{cut}.backup"
        short.write_bytes(data[:cut])
        assert "truncated" in _refused(short, scratch(engine)) or cut == 60

    # The database the backup came from holds data: never overwritten.
    assert "already holds Court KPI data" in _refused(good, url)
    # A missing file.
    assert "no file" in _refused(tmp_path / "missing.backup", scratch(engine))


@pytest.mark.postgres
def test_the_other_kind_and_another_schema_are_refused(pg_reason, scratch, tmp_path):
    pg, admin, schema = _pg_engine(pg_reason)
    lite = make_engine(f"sqlite:///{tmp_path / 'lite.sqlite'}")
    try:
        init_db(pg)
        init_db(lite)
        pg_file, lite_file = tmp_path / "pg.backup", tmp_path / "lite.backup"
        assert run("data", "backup", str(pg_file), "--db", url_of(pg)).returncode == 0
        assert run("data", "backup", str(lite_file), "--db", url_of(lite)).returncode == 0
        assert pg_file.read_bytes()[:5] == b"PGDMP"
        assert lite_file.read_bytes()[:16] == b"SQLite format 3\x00"

        assert "is a SQLite backup" in _refused(lite_file, scratch(pg))
        assert "is a PostgreSQL backup" in _refused(pg_file, scratch(lite))
        # Another schema than the backup's: refused, it says which one to use.
        other = scratch(pg, schema=f"o_{uuid.uuid4().hex[:8]}")
        assert f"holds the schema {schema}" in _refused(pg_file, other)
        # The backup's schema in a new database: restored.
        done = run("data", "restore", str(pg_file), "--db", scratch(pg))
        assert done.returncode == 0, done.stderr
    finally:
        pg.dispose()
        lite.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
