"""Engine and schema: where the database is, how to open it, and how to create it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = ROOT / "instance" / "court_kpi.sqlite"


def database_url(url: str | None = None) -> str:
    """``url``, else $DATABASE_URL, else the embedded SQLite file in ``instance/``.

    ``postgresql://`` is taken to mean psycopg 3, as SQLAlchemy 2.1 does.
    """
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the pages read while a load writes; the busy timeout makes a second
    # writer wait instead of failing; foreign keys are not used (checked in code).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for ``url`` (see database_url); SQLite files get their folder created."""
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine | None = None):
    """The Alembic configuration of the migrations in ``migrations/``, run on ``engine``
    (env.py takes it from here); without one it serves to read the migrations only."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def migration_revisions() -> list[str]:
    """Every migration's revision id, oldest first: the last is the head, each one before
    it a schema an earlier release left (tests/test_upgrades.py upgrades from each)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def upgrade_to(engine: Engine, revision: str) -> None:
    """Migrate the schema up to ``revision`` and no further, without what init_db adds
    after the migrations (default targets, instance id): a database as the release of
    that revision created it, for the tests of upgrading from it. Use init_db otherwise."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


class MigrationRefused(RuntimeError):
    """A migration that would lose data refuses before changing anything; the message
    says why and what to do (``python -m data init`` prints it, exit 1)."""


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration; install default targets."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    from data.store.default_targets import install_default_targets

    install_default_targets(engine)
    from data.store.workload_inputs import install_workload_defaults

    install_workload_defaults(engine)
    _ensure_instance_id(engine)


def _ensure_instance_id(engine: Engine) -> None:
    """A random id for this database, so caches shared between databases (one Redis for
    several deployments or test runs) never mix their entries."""
    import uuid

    from sqlalchemy import text

    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM meta WHERE key = 'instance_id'")).first() is None:
            conn.execute(text("INSERT INTO meta (key, value) VALUES ('instance_id', :v)"),
                         {"v": uuid.uuid4().hex})


def instance_id(engine: Engine) -> str:
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(text("SELECT value FROM meta WHERE key = 'instance_id'")).first()
    return row[0] if row else "none"


def schema_ready(engine: Engine) -> bool:
    return inspect(engine).has_table("uploads")
