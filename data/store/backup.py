"""Backups of the whole database and their restore (``python -m data backup|restore``).

SQLite: SQLite's online backup API copies the pages of a consistent snapshot, safe while
the app runs, into the backup file (a plain SQLite file, journal mode DELETE); a restore
copies the pages back into the target file with the same API, in one transaction.

PostgreSQL: ``pg_dump --format=custom`` of the one schema the URL points at (its
``options=-csearch_path=...``, else the server's current schema); a restore is
``pg_restore --single-transaction --exit-on-error`` into the same-named schema of the
target, so a failed or interrupted restore leaves the target as empty as it was. A
backup restored into a schema of another name is refused with a sentence: restore it
into a scratch database whose URL names the backup's schema (``ALTER SCHEMA ... RENAME``
afterwards if another name is wanted). Connection parameters go to the programs as
arguments and ``PGPASSWORD``, never through a shell.

Every refusal (not a backup, truncated, the other database kind, a schema newer than
this code, a target that already holds data) is a BackupError with a sentence, raised
before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import URL

from data.store.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDMP_MAGIC = b"PGDMP"

Progress = Callable[[str], None]


class BackupError(Exception):
    """A refusal or failure, said in a sentence. ``code``: the exit code (2 for input a
    person can fix, 1 for a tool or server that failed)."""

    def __init__(self, sentence: str, code: int = 2):
        super().__init__(sentence)
        self.code = code


@dataclass
class Check:
    """What a database holds: rows per table, the newest upload and release."""

    counts: list[tuple[str, int]]
    upload: tuple[int, str, str] | None  # id, file, when
    release: tuple[int, int] | None  # number, year
    revision: str | None

    def table(self) -> str:
        width = max([len(name) for name, _ in self.counts] + [14])
        lines = [f"{'table':<{width}}  {'rows':>9}"]
        lines += [f"{name:<{width}}  {n:>9}" for name, n in self.counts]
        up = (f"#{self.upload[0]} {self.upload[1]} ({self.upload[2]})" if self.upload
              else "none")
        rel = f"#{self.release[0]} ({self.release[1]})" if self.release else "none"
        lines += [f"{'newest upload':<{width}}  {up}",
                  f"{'newest release':<{width}}  {rel}",
                  f"{'schema version':<{width}}  {self.revision or 'none'}"]
        return "\n".join(lines)


# --- what the code knows -----------------------------------------------------------


def _tables() -> list[str]:
    return sorted([*Base.metadata.tables, "alembic_version"])


def known_revisions() -> list[str]:
    """The migrations this code knows, oldest first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(cfg)
                                              .walk_revisions()))]


def _check_revision(revision: str | None, what: str) -> None:
    if revision is None:
        raise BackupError(f"{what} holds no Court KPI database (no schema version).")
    if revision not in known_revisions():
        raise BackupError(f"{what} is of schema version {revision}, newer than this "
                          f"version of Court KPI knows (up to {known_revisions()[-1]}); "
                          "update Court KPI first, then restore.")


def check(engine: Engine) -> Check:
    """Row counts of the Court KPI tables present, newest upload and release."""
    present = set(inspect(engine).get_table_names())
    counts: list[tuple[str, int]] = []
    upload = release = revision = None
    with engine.connect() as conn:
        for name in _tables():
            if name in present:
                counts.append((name, int(conn.execute(
                    text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())))
        if "uploads" in present:
            row = conn.execute(text("SELECT id, filename, created_at FROM uploads "
                                    "ORDER BY id DESC LIMIT 1")).first()
            if row is not None:
                upload = (int(row[0]), str(row[1]), str(row[2])[:19])
        if "releases" in present:
            row = conn.execute(text("SELECT id, year FROM releases ORDER BY id DESC "
                                    "LIMIT 1")).first()
            if row is not None:
                release = (int(row[0]), int(row[1]))
        if "alembic_version" in present:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return Check(counts, upload, release, revision)


def _holds_data(engine: Engine, schema: str | None = None) -> list[str]:
    """The Court KPI tables of the target that have rows."""
    present = set(inspect(engine).get_table_names(schema=schema))
    full = []
    with engine.connect() as conn:
        for name in _tables():
            if name in present:
                qualified = f'"{schema}"."{name}"' if schema else f'"{name}"'
                if conn.execute(text(f"SELECT 1 FROM {qualified} LIMIT 1")).first():
                    full.append(name)
    return full


def _refuse_full(engine: Engine, schema: str | None = None) -> None:
    full = _holds_data(engine, schema)
    if full:
        raise BackupError(
            f"The target database {_shown(engine)} already holds Court KPI data "
            f"({len(full)} table(s) with rows, e.g. {full[0]}); a backup is restored "
            "only into an empty database. Nothing was written.")


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# --- the file ------------------------------------------------------------------------


def kind_of_file(path: Path) -> str:
    """'sqlite' or 'postgresql' by the file's first bytes; BackupError otherwise."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError as exc:
        raise BackupError(f"There is no file {path}.") from exc
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from exc
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Court KPI backup (neither a SQLite database nor a "
                      "pg_dump custom-format file). Nothing was written.")


def _sqlite_file_ok(path: Path) -> str | None:
    """The file's schema revision after checking it is whole; BackupError if not."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        raise BackupError(f"{path} is truncated (shorter than a SQLite header). "
                          "Nothing was written.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if page_size < 512 or pages == 0 or size < page_size * pages:
        raise BackupError(f"{path} is truncated or damaged: its header promises "
                          f"{page_size * pages} bytes, the file has {size}. "
                          "Nothing was written.")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            problems = [r[0] for r in db.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged ({problems[0]}). Nothing was written.")
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables:
                return None
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged ({exc}). Nothing was written.") from exc


def _sqlite_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        raise BackupError(f"{_shown(engine)} is not a SQLite database file.")
    return Path(db).resolve()


# --- SQLite --------------------------------------------------------------------------


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection, say: Progress,
                verb: str) -> None:
    total = src.execute("PRAGMA page_count").fetchone()[0]
    step = max(64, total // 20)
    shown = [-1]

    def progress(_status: int, remaining: int, pages: int) -> None:
        share = int(100 * (pages - remaining) / max(pages, 1))
        if share // 25 != shown[0] // 25:
            shown[0] = share
            say(f"{verb}: {share} % of {pages} pages")

    src.backup(dst, pages=step, progress=progress)


def backup_sqlite(engine: Engine, path: Path, say: Progress) -> Check:
    source = _sqlite_path(engine)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    if path.resolve() == source:
        raise BackupError("The backup file cannot be the database itself.")
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(tmp)) as dst:
            _copy_pages(src, dst, say, f"backing up {source.name}")
            # One self-contained file: no -wal beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        _sqlite_file_ok(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    backed = create_engine(f"sqlite:///{path.resolve()}")
    try:
        return check(backed)
    finally:
        backed.dispose()


def restore_sqlite(path: Path, engine: Engine, say: Progress) -> None:
    _check_revision(_sqlite_file_ok(path), str(path))
    target = _sqlite_path(engine)
    if target == path.resolve():
        raise BackupError("The target database cannot be the backup file itself.")
    if target.exists():
        _refuse_full(engine)
    engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src, \
            contextlib.closing(sqlite3.connect(target, timeout=30)) as dst:
        # The destination is written in one transaction: interrupted, it stays as it was.
        _copy_pages(src, dst, say, f"restoring into {target.name}")
        dst.execute("PRAGMA journal_mode=WAL")


# --- PostgreSQL ----------------------------------------------------------------------


def url_schema(url: URL) -> str | None:
    """The schema named by ``options=-csearch_path=...`` (or ``-c search_path=``)."""
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = " ".join(options)
    if not options:
        return None
    found = re.search(r"-c\s*search_path\s*=\s*([^\s]+)", unquote(options))
    if not found:
        return None
    first = found.group(1).split(",")[0].strip().strip('"')
    return first or None


def _schema(engine: Engine) -> tuple[str, bool]:
    """The schema the URL points at and whether it exists."""
    with engine.connect() as conn:
        current = conn.execute(text("SELECT current_schema()")).scalar()
    if current:
        return str(current), True
    return url_schema(engine.url) or "public", False


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or "postgres", "--no-password"]
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # Options such as search_path must not reach pg_dump's own session.
    env.pop("PGOPTIONS", None)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install "
                          "postgresql-client).", code=1)
    return found


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=False, check=False)


def _err(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def backup_postgresql(engine: Engine, path: Path, say: Progress) -> Check:
    schema, exists = _schema(engine)
    if not exists:
        raise BackupError(f"The schema {schema} does not exist in {_shown(engine)}.")
    args, env = _pg_args(engine.url)
    tmp = path.with_name(f".{path.name}.partial")
    say(f"backing up schema {schema} of {_shown(engine)} with pg_dump")
    try:
        done = _run([_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                     "--no-privileges", "--schema", schema, "--file", str(tmp)], env)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {_err(done)}", code=1)
        _pg_file_ok(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return check(engine)


def _pg_toc(path: Path) -> list[str]:
    done = _run([_tool("pg_restore"), "--list", str(path)])
    if done.returncode != 0:
        raise BackupError(f"{path} is truncated or damaged: pg_restore cannot read its "
                          f"contents ({_err(done)}). "
                          "Nothing was written.")
    return done.stdout.decode("utf-8", "replace").splitlines()


# Lines of ``pg_restore --list``: "282; 1259 213650 TABLE s alembic_version postgres".
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(?P<schema>\S+) \S+")
_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT) - (SCHEMA )?\S+")


def _pg_file_ok(path: Path) -> tuple[str, str | None, list[str]]:
    """The backup's schema and revision, and its table of contents, after reading the
    whole file (a truncated one fails here); BackupError if it is not whole."""
    toc = _pg_toc(path)
    schemas = {m["schema"] for line in toc if (m := _TOC_TABLE.match(line))}
    if len(schemas) != 1:
        raise BackupError(f"{path} is not a Court KPI backup (it holds "
                          f"{len(schemas)} schemas' tables). Nothing was written.")
    schema = schemas.pop()
    # Reading every byte (to no output) finds a truncated or damaged file.
    whole = _run([_tool("pg_restore"), "--exit-on-error", "--file", os.devnull, str(path)])
    if whole.returncode != 0:
        raise BackupError(f"{path} is truncated or damaged ({_err(whole)}). "
                          "Nothing was written.")
    data = _run([_tool("pg_restore"), "--data-only", "--table", "alembic_version",
                 "--file", "-", str(path)])
    revision = None
    lines = data.stdout.decode("utf-8", "replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            if lines[i + 1] != "\\.":
                revision = lines[i + 1].split("\t")[0]
            break
    return schema, revision, toc


def restore_postgresql(path: Path, engine: Engine, say: Progress) -> None:
    schema, revision, toc = _pg_file_ok(path)
    _check_revision(revision, str(path))
    target, exists = _schema(engine)
    if target != schema:
        raise BackupError(
            f"{path} holds the schema {schema}, and the target URL points at the schema "
            f"{target}. Restore it into a database whose URL names the schema {schema} "
            f"(…?options=-csearch_path%3D{schema}), e.g. a new database; rename the "
            "schema afterwards with ALTER SCHEMA if you need another name. "
            "Nothing was written.")
    if exists:
        _refuse_full(engine, schema)
    args, env = _pg_args(engine.url)
    # An existing (empty) schema is kept: its own CREATE SCHEMA and COMMENT are left out.
    keep = [line for line in toc if not (exists and _TOC_SCHEMA.match(line))]
    engine.dispose()
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
        listing.write("\n".join(keep) + "\n")
    say(f"restoring schema {schema} into {_shown(engine)} with pg_restore")
    try:
        done = _run([_tool("pg_restore"), *args, "--no-owner", "--no-privileges",
                     "--single-transaction", "--exit-on-error", "--clean", "--if-exists",
                     "--use-list", listing.name, str(path)], env)
    finally:
        os.unlink(listing.name)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing was restored: {_err(done)}", code=1)


# --- the commands ----------------------------------------------------------------------


def backup(engine: Engine, path: Path, say: Progress) -> Check:
    """Write a backup of ``engine``'s database to ``path``; the check of the backup."""
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name for the backup.")
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent} for the backup.")
    name = engine.dialect.name
    if name == "sqlite":
        return backup_sqlite(engine, path, say)
    if name == "postgresql":
        return backup_postgresql(engine, path, say)
    raise BackupError(f"Backups of {name} databases are not supported.")


def restore(path: Path, engine: Engine, say: Progress) -> Check:
    """Restore the backup at ``path`` into ``engine``'s empty database; its check."""
    kind = kind_of_file(path)
    name = engine.dialect.name
    if kind != name:
        words = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"{path} is a {words[kind]} backup and the target is a "
                          f"{words.get(name, name)} database; restore it into a "
                          f"{words[kind]} database. Nothing was written.")
    if kind == "sqlite":
        restore_sqlite(path, engine, say)
    else:
        restore_postgresql(path, engine, say)
    return check(engine)
