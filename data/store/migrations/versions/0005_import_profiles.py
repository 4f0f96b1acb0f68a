"""import profiles: saved mappings of a court's own column names and words

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_profiles",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(120), nullable=False),
        sa.Column("saved_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_profiles")
