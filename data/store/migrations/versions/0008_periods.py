"""periods: facts of months (or an aggregate report's quarter or year), their durations,
each court's as-of date, the as-of date of case uploads and the period of caseload rows

Revision ID: 0008
Revises: 0007

The new tables are derived: on a database with data the migration leaves a note in
``meta`` and ``data.derive.refresh.ready`` fills them with a full refresh right after
upgrading (``python -m data init`` and the app's start run it). Case
uploads made before this revision get the as-of date periods.md gives an upload without
one: the last day of the month of the latest date among its rows.
"""

import calendar
import datetime as dt
import warnings

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FACTS = ("pending_start", "incoming", "resolved", "pending_end", "resolved_on_time",
          "pending_over_limit", "appealed", "reversed_or_modified", "e_filed",
          "hearings_total", "hearings_video", "published")


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    op.create_table(
        "part_facts",
        sa.Column("court_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("m1", sa.Integer(), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("m2", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(64), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        *(sa.Column(c, sa.BigInteger(), nullable=c not in _FACTS[:4]) for c in _FACTS),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_part_facts_year_region", "part_facts", ["year", "region_code"])
    op.create_table(
        "month_durations",
        sa.Column("court_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("month", sa.Integer(), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("days", sa.Integer(), primary_key=True),
        sa.Column("region_code", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_month_durations_year_region", "month_durations",
                    ["year", "month", "region_code"])
    op.create_table(
        "court_as_of",
        sa.Column("court_code", sa.String(64), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
    )
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("as_of", sa.Date(), nullable=True))
    # A caseload row's period: its year's code for every row loaded before.
    with op.batch_alter_table("caseload") as batch:
        batch.add_column(sa.Column("period", sa.String(64), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE caseload SET period = CAST(year AS VARCHAR(8))"))
    with warnings.catch_warnings(), \
            op.batch_alter_table("caseload", recreate="always") as batch:
        # SQLAlchemy notes that the copy's key differs from the reflected one: it should.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        batch.alter_column("period", existing_type=sa.String(64), nullable=False)
        if conn.dialect.name == "postgresql":
            batch.drop_constraint("caseload_pkey", type_="primary")
        batch.create_primary_key("caseload_pkey", ["court_code", "year", "category", "period"])
    latest = conn.execute(sa.text(
        "SELECT upload_id, MAX(filed_date), MAX(resolved_date) FROM cases "
        "WHERE upload_id IS NOT NULL GROUP BY upload_id")).all()
    for upload_id, filed, resolved in latest:
        days = [d for d in (_as_date(filed), _as_date(resolved)) if d is not None]
        if not days:
            continue
        last = max(days)
        as_of = last.replace(day=calendar.monthrange(last.year, last.month)[1])
        conn.execute(sa.text("UPDATE uploads SET as_of = :a WHERE id = :i"),
                     {"a": as_of, "i": upload_id})
    # The derived tables are filled after the upgrade (data.derive.refresh.ready).
    has_data = conn.execute(sa.text(
        "SELECT 1 FROM cases UNION ALL SELECT 1 FROM caseload LIMIT 1")).first()
    if has_data is not None:
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'refresh_needed'"))
        conn.execute(sa.text(
            "INSERT INTO meta (key, value) VALUES ('refresh_needed', '0008')"))


def downgrade() -> None:
    with op.batch_alter_table("caseload", recreate="always") as batch:
        batch.drop_constraint("caseload_pkey", type_="primary")
        batch.create_primary_key("caseload_pkey", ["court_code", "year", "category"])
        batch.drop_column("period")
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("as_of")
    op.drop_table("court_as_of")
    op.drop_table("month_durations")
    op.drop_table("part_facts")
