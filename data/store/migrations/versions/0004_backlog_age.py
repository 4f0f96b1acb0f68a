"""backlog age and time-to-disposition percentiles (CourTools measure 4)

Revision ID: 0004
Revises: 0003

The table is derived: it is filled from the cases table by the refresh
(data/refresh.py, data/backlog.py). ``python -m data refresh`` fills it for a
database that already holds cases.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backlog_age",
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("courts", sa.Integer(), nullable=False),
        sa.Column("pending_total", sa.BigInteger(), nullable=False),
        sa.Column("age_le_3m", sa.BigInteger(), nullable=False),
        sa.Column("age_3_6m", sa.BigInteger(), nullable=False),
        sa.Column("age_6_12m", sa.BigInteger(), nullable=False),
        sa.Column("age_1_2y", sa.BigInteger(), nullable=False),
        sa.Column("age_gt_2y", sa.BigInteger(), nullable=False),
        sa.Column("over_term", sa.BigInteger(), nullable=False),
        sa.Column("resolved", sa.BigInteger(), nullable=False),
        sa.Column("p50_days", sa.Float(), nullable=True),
        sa.Column("p75_days", sa.Float(), nullable=True),
        sa.Column("p90_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("level", "code", "year", "category"),
    )
    op.create_index("ix_backlog_age_year_level", "backlog_age", ["year", "level"])


def downgrade() -> None:
    op.drop_table("backlog_age")
