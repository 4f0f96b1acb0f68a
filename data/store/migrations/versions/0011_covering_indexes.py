"""covering indexes for the medians: duration counts merged by year (and month) for the
nation or a region are read from an index alone

Revision ID: 0011
Revises: 0010

A refresh and the in-year pages merge the duration counts of every court of a region or
the nation in SQL (SUM(n) GROUP BY category, days). With the year-and-region index the
database looked up every row of the table for ``n``; measured on the national demo
(405 courts, 10.35 M cases, SQLite), the nation's four years of counts took 0.49 s and
the nation's months 2.75 s, 0.06 s and 0.30 s from these indexes (a region's months:
1.29 s, then 0.06 s). Only indexes change; no value.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_durations_year_region", "durations")
    op.create_index("ix_durations_year_days", "durations", ["year", "category", "days", "n"])
    op.create_index("ix_durations_year_region_days", "durations",
                    ["year", "region_code", "category", "days", "n"])
    op.drop_index("ix_month_durations_year_region", "month_durations")
    op.create_index("ix_month_durations_year_days", "month_durations",
                    ["year", "month", "category", "days", "n"])
    op.create_index("ix_month_durations_year_region_days", "month_durations",
                    ["year", "region_code", "month", "category", "days", "n"])


def downgrade() -> None:
    op.drop_index("ix_month_durations_year_region_days", "month_durations")
    op.drop_index("ix_month_durations_year_days", "month_durations")
    op.create_index("ix_month_durations_year_region", "month_durations",
                    ["year", "month", "region_code"])
    op.drop_index("ix_durations_year_region_days", "durations")
    op.drop_index("ix_durations_year_days", "durations")
    op.create_index("ix_durations_year_region", "durations", ["year", "region_code"])
