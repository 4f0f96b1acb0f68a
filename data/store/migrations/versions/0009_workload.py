"""workload: the case weights (an upload kind), the judge year and its changes

Revision ID: 0009
Revises: 0008

New tables. The shipped illustrative weights and judge year are installed by
``data.store.workload_inputs`` (``python -m data init``), never over a set value; with
data loaded, the KPI cells are recomputed after the upgrade for the new KPI.
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
    # judge_need_ratio is a new KPI: an installation with data gets its cells computed
    # after the upgrade (data.derive.refresh.ready: the KPI cells only, unless an earlier
    # migration of the same upgrade asked for the whole refresh).
    conn = op.get_bind()
    has_data = conn.execute(sa.text(
        "SELECT 1 FROM cases UNION ALL SELECT 1 FROM caseload LIMIT 1")).first()
    asked = conn.execute(sa.text("SELECT 1 FROM meta WHERE key = 'refresh_needed'")).first()
    if has_data is not None and asked is None:
        conn.execute(sa.text(
            "INSERT INTO meta (key, value) VALUES ('refresh_needed', 'kpis')"))


def downgrade() -> None:
    op.drop_table("judge_year_changes")
    op.drop_table("judge_year")
    op.drop_index("ix_case_weights_upload_id", "case_weights")
    op.drop_table("case_weights")
