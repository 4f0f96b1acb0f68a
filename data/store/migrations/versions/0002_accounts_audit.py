"""accounts, audit log and target changes

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("court_code", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(5), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_users_token_hash", "users", ["token_hash"])
    op.create_table(
        "audit_log",
        sa.Column("id", ID_BIG, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_action_at", "audit_log", ["action", "at"])
    op.create_table(
        "target_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(120), nullable=False),
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("court_code", sa.String(64), nullable=False),
        sa.Column("old_target", sa.Float(), nullable=True),
        sa.Column("new_target", sa.Float(), nullable=True),
        sa.Column("old_tolerance", sa.Float(), nullable=True),
        sa.Column("new_tolerance", sa.Float(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("target_changes")
    op.drop_index("ix_audit_action_at", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_users_token_hash", "users")
    op.drop_table("users")
