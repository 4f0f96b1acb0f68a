"""releases: published years, their units, KPI cells and outlook, frozen (issue 14)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_KEY = [sa.Column("release_id", sa.Integer(), primary_key=True),
        sa.Column("level", sa.String(10), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True)]


def _key() -> list[sa.Column]:
    return [c.copy() for c in _KEY]


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("revised", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(120), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "release_units", *_key(),
        sa.Column("region_code", sa.String(64)),
        sa.Column("name_kk", sa.String(300)),
        sa.Column("name_ru", sa.String(300)),
        sa.Column("name_en", sa.String(300)),
    )
    op.create_table(
        "release_values", *_key(),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("kpi", sa.String(64), primary_key=True),
        *(sa.Column(c, sa.Float()) for c in ("value", "coverage", "numerator", "denominator",
                                             "target", "tolerance")),
        sa.Column("illustrative", sa.Boolean()),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_table(
        "release_outlook", *_key(),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("kpi", sa.String(64), primary_key=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer()),
        *(sa.Column(c, sa.Float()) for c in ("last_value", "slope", "projected", "lower",
                                             "upper", "target")),
        sa.Column("outlook", sa.String(20), nullable=False),
    )


def downgrade() -> None:
    for table in ("release_outlook", "release_values", "release_units", "releases"):
        op.drop_table(table)
