"""SQLAlchemy 2 models: uploaded tables, derived tables, uploads and their history.

Uploaded tables keep natural keys from the data contract and the id of the upload
that last wrote each row, which is what makes an upload undoable: rows an upload
inserted carry its id; rows it replaced are kept, as they were, in ``row_history``.
Derived tables (facts, durations, kpi_values) are recomputed from the uploaded ones
and never edited by hand.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from data.store.schema import KINDS, Kind
from data.store.schema import Column as ContractColumn


class Base(DeclarativeBase):
    pass


CODE = String(64)
NAME = String(300)


def _sql_type(col: ContractColumn) -> TypeEngine:
    types: dict[str, TypeEngine] = {
        "text": String(col.sql_length), "int": BigInteger() if col.big else Integer(),
        "decimal": Float(), "date": Date(), "bool": Boolean()}
    return types[col.type]


def _upload_table(kind: Kind) -> Table:
    """The table of an upload kind, from its record in data.store.schema: its columns,
    its key, an index on each code it refers to outside the key, and the upload id."""
    outside_key = {r.column for r in kind.references if r.column not in kind.key}
    columns: list = [
        Column(c.name, _sql_type(c), nullable=not (c.required or c.name in kind.key),
               index=c.name in outside_key, default="" if c.name in kind.blank_key else None)
        for c in kind.columns
    ]
    columns += [Column(name, Boolean, default=value) for name, value in kind.written]
    columns.append(PrimaryKeyConstraint(*kind.key))
    if kind.clustered:
        # WITHOUT ROWID: on SQLite the primary key is the table, one b-tree instead of
        # two (loading 1 M cases writes half as much).
        columns += [Column("upload_id", Integer), Index(f"ix_{kind.table}_upload", "upload_id")]
        return Table(kind.table, Base.metadata, *columns, sqlite_with_rowid=False)
    columns.append(Column("upload_id", Integer, index=True))
    return Table(kind.table, Base.metadata, *columns)


# Uploaded tables: declared once, by the upload kinds.
UPLOAD_TABLES: dict[str, Table] = {k.name: _upload_table(k) for k in KINDS.values()}


# Mapped classes of the uploaded tables the code selects from (columns typed for mypy).
class Region(Base):
    __table__ = UPLOAD_TABLES["regions"]
    region_code: Mapped[str]


class Court(Base):
    __table__ = UPLOAD_TABLES["courts"]
    court_code: Mapped[str]
    region_code: Mapped[str]


class Resources(Base):
    __table__ = UPLOAD_TABLES["resources"]


class YearlyFacts:
    """The yearly facts of the data contract, shared by uploaded and derived rows.

    The four stock-and-flow counts are always there; NULL in the others means the
    fact was not reported (never 0).
    """

    pending_start: Mapped[int] = mapped_column(BigInteger)
    incoming: Mapped[int] = mapped_column(BigInteger)
    resolved: Mapped[int] = mapped_column(BigInteger)
    pending_end: Mapped[int] = mapped_column(BigInteger)
    resolved_on_time: Mapped[int | None] = mapped_column(BigInteger)
    pending_over_limit: Mapped[int | None] = mapped_column(BigInteger)
    appealed: Mapped[int | None] = mapped_column(BigInteger)
    reversed_or_modified: Mapped[int | None] = mapped_column(BigInteger)
    e_filed: Mapped[int | None] = mapped_column(BigInteger)
    hearings_total: Mapped[int | None] = mapped_column(BigInteger)
    hearings_video: Mapped[int | None] = mapped_column(BigInteger)
    published: Mapped[int | None] = mapped_column(BigInteger)


class Fact(YearlyFacts, Base):
    """Yearly facts per (court, year, category), derived from cases or a caseload row."""

    __tablename__ = "facts"
    court_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    region_code: Mapped[str] = mapped_column(CODE)
    source: Mapped[str] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_facts_year_region", "year", "region_code"),
        Index("ix_facts_year_category", "year", "category"),
    )


class Duration(Base):
    """How many cases resolved in a (court, year, category) took how many days: the
    (days, n) pairs packed in ``counts`` (data.store.counts, migration 0012)."""

    __tablename__ = "durations"
    court_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    region_code: Mapped[str] = mapped_column(CODE)
    counts: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_durations_year_region", "year", "region_code"),
                      {"sqlite_with_rowid": False})


class PartFact(YearlyFacts, Base):
    """Facts of months m1..m2 of a year per (court, category): one month each when
    derived from cases; a month, a quarter or the year as an aggregate report gave
    them. Every period of periods.md is composed from these rows."""

    __tablename__ = "part_facts"
    court_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    m1: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    m2: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(CODE)
    source: Mapped[str] = mapped_column(String(10))

    __table_args__ = (Index("ix_part_facts_year_region", "year", "region_code"),
                      {"sqlite_with_rowid": False})


class MonthDuration(Base):
    """How many cases resolved in a month of a (court, category) took how many days:
    the (days, n) pairs packed in ``counts`` (data.store.counts, migration 0012)."""

    __tablename__ = "month_durations"
    court_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    region_code: Mapped[str] = mapped_column(CODE)
    counts: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_month_durations_year_region", "year", "region_code"),
                      {"sqlite_with_rowid": False})


class CourtAsOf(Base):
    """The day a court's data are as of (periods.md "Data freshness"): the latest as-of
    date of its case uploads, or the end of the latest period of its aggregate rows."""

    __tablename__ = "court_as_of"
    court_code: Mapped[str] = mapped_column(CODE, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)


class KpiCell:
    """One KPI for one unit (court, region, nation), year and category: the key and the
    figures, declared once for the computed cells and the published ones."""

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    kpi: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    coverage: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)


class KpiValue(KpiCell, Base):
    """A precomputed KPI cell."""

    __tablename__ = "kpi_values"

    __table_args__ = (
        Index("ix_kpi_values_kpi_year", "kpi", "year", "category", "level"),
        Index("ix_kpi_values_year_level", "year", "level", "category"),
    )


class Upload(Base):
    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    user: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(20), default="cli")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="loaded")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    # JSON list of {line, column, value, message}.
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    # JSON {"format": ..., "encoding": ..., "delimiter": ..., "date_format": ...}.
    detected: Mapped[str] = mapped_column(Text, default="{}")
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(String(120))
    # Case uploads: the day the data were extracted (periods.md); NULL for other kinds.
    as_of: Mapped[dt.date | None] = mapped_column(Date)


class RowHistory(Base):
    """A row as it was before an upload replaced it (JSON of its columns)."""

    __tablename__ = "row_history"
    # SQLite autoincrements only an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(Integer, index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    # The upload that had written the old row (NULL: shipped default or demo seed).
    prev_upload_id: Mapped[int | None] = mapped_column(Integer, index=True)
    row: Mapped[str] = mapped_column(Text)


class Meta(Base):
    """Facts about the data set itself, e.g. synthetic=true for demo data."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """A person who signs in. Passwords and API tokens are stored only as hashes."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # Judges only: the court they belong to.
    court_code: Mapped[str | None] = mapped_column(CODE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(5))
    # SHA-256 of the API token; the token itself is shown once and never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Bumped on password reset, role change or disable, so older sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Where the account comes from: "local" (password kept here, hashed) or "directory"
    # (LDAP / Active Directory: no password kept; role and court read at every sign-in).
    source: Mapped[str] = mapped_column(String(20), default="local", server_default="local")
    email: Mapped[str | None] = mapped_column(String(254))


class AuditEvent(Base):
    """Who did what, when, from where: logins, uploads, undos, target and user changes."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_action_at", "action", "at"),)


class TargetChange(Base):
    """One edit of a target from the targets page or a targets upload: old and new values."""

    __tablename__ = "target_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(120))
    kpi: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    court_code: Mapped[str] = mapped_column(CODE)
    old_target: Mapped[float | None] = mapped_column(Float)
    new_target: Mapped[float | None] = mapped_column(Float)
    old_tolerance: Mapped[float | None] = mapped_column(Float)
    new_tolerance: Mapped[float | None] = mapped_column(Float)


class JudgeYear(Base):
    """The time one judge has for cases in a year (where-to-act.md section 2): one row."""

    __tablename__ = "judge_year"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[float] = mapped_column(Float)
    hours: Mapped[float] = mapped_column(Float)
    illustrative: Mapped[bool] = mapped_column(Boolean)


class JudgeYearChange(Base):
    """One change of the judge year, from the page or the CLI: old and new values.
    ``undo_of``: the change this one undid."""

    __tablename__ = "judge_year_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(120))
    old_days: Mapped[float | None] = mapped_column(Float)
    new_days: Mapped[float] = mapped_column(Float)
    old_hours: Mapped[float | None] = mapped_column(Float)
    new_hours: Mapped[float] = mapped_column(Float)
    undo_of: Mapped[int | None] = mapped_column(Integer)


class UserSession(Base):
    """A signed-in browser session, so that signing out really ends it.

    The browser's cookie holds a random id; only its SHA-256 is kept here. Times are
    seconds since the epoch, compared in Python the same way on SQLite and PostgreSQL.
    """

    __tablename__ = "user_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    # The account's session_version when signing in: a later bump ends the session too.
    session_version: Mapped[int] = mapped_column(Integer)
    created: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float, index=True)
    address: Mapped[str | None] = mapped_column(String(64))


class BacklogAge(Base):
    """The backlog's age on 31 Dec and the time to disposition (data/backlog.py).

    One row per unit (court, region, nation), year and category (or ``all``), derived
    from case rows only: no row where a unit has no case-level data for the year.
    """

    __tablename__ = "backlog_age"
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    courts: Mapped[int] = mapped_column(Integer)
    pending_total: Mapped[int] = mapped_column(BigInteger)
    age_le_3m: Mapped[int] = mapped_column(BigInteger)
    age_3_6m: Mapped[int] = mapped_column(BigInteger)
    age_6_12m: Mapped[int] = mapped_column(BigInteger)
    age_1_2y: Mapped[int] = mapped_column(BigInteger)
    age_gt_2y: Mapped[int] = mapped_column(BigInteger)
    over_term: Mapped[int] = mapped_column(BigInteger)
    resolved: Mapped[int] = mapped_column(BigInteger)
    # NULL when no case was resolved in the year.
    p50_days: Mapped[float | None] = mapped_column(Float)
    p75_days: Mapped[float | None] = mapped_column(Float)
    p90_days: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_backlog_age_year_level", "year", "level"),)


class ImportProfile(Base):
    """A saved mapping of a court's own column names and words (data/profiles.py)."""

    __tablename__ = "import_profiles"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    body: Mapped[str] = mapped_column(Text)  # the profile as JSON, as exported
    saved_by: Mapped[str] = mapped_column(String(120))
    saved_at: Mapped[float] = mapped_column(Float)


class Annotation(Base):
    """A note on a court-year, region-year or national year, optionally for one KPI
    ("2024: courts No. 2 and 3 merged"): data/annotations.py."""

    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(CODE)
    year: Mapped[int] = mapped_column(Integer)
    kpi: Mapped[str] = mapped_column(String(64), default="")  # "" = the unit's year as a whole
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_annotations_unit_year", "level", "code", "year"),)


class Release(Base):
    """A published year (data/releases.py): the figures of that moment, frozen and
    numbered; ``id`` is the release number people cite."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    horizon: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Cells of the previous release whose value this one changed (data.publish.releases.revised).
    revised: Mapped[int] = mapped_column(Integer, default=0)
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReleaseUnit(Base):
    """The nation, a region or a court as named when the release was published."""

    __tablename__ = "release_units"
    release_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    region_code: Mapped[str | None] = mapped_column(CODE)
    name_kk: Mapped[str | None] = mapped_column(NAME)
    name_ru: Mapped[str | None] = mapped_column(NAME)
    name_en: Mapped[str | None] = mapped_column(NAME)


class ReleaseValue(KpiCell, Base):
    """A KPI cell as published: value, volumes, target and status of that moment."""

    __tablename__ = "release_values"
    release_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float | None] = mapped_column(Float)
    illustrative: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))


class ReleaseOutlook(Base):
    """The outlook to the horizon of one series (kpi.outlook) as published."""

    __tablename__ = "release_outlook"
    release_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    kpi: Mapped[str] = mapped_column(String(64), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)
    last_value: Mapped[float | None] = mapped_column(Float)
    slope: Mapped[float | None] = mapped_column(Float)
    projected: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    outlook: Mapped[str] = mapped_column(String(20))
