"""workload: the case weights (an upload kind), the judge year and its changes

Revision ID: 0009
Revises: 0008

Only new tables. The shipped illustrative weights and judge year are installed by
``data.store.workload_inputs`` (``python -m data init``), never over a set value.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_weights",
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("court_level", sa.String(20), primary_key=True),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean()),
        sa.Column("upload_id", sa.Integer()),
    )
    op.create_index("ix_case_weights_upload_id", "case_weights", ["upload_id"])
    op.create_table(
        "judge_year",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "judge_year_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("old_days", sa.Float()),
        sa.Column("new_days", sa.Float(), nullable=False),
        sa.Column("old_hours", sa.Float()),
        sa.Column("new_hours", sa.Float(), nullable=False),
        sa.Column("undo_of", sa.Integer()),
    )


def downgrade() -> None:
    op.drop_table("judge_year_changes")
    op.drop_table("judge_year")
    op.drop_index("ix_case_weights_upload_id", "case_weights")
    op.drop_table("case_weights")
