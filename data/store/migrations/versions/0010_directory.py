"""directory accounts: where each account comes from (local or the directory) and its
e-mail address (bulk accounts, issue 33)

Revision ID: 0010
Revises: 0009

Every account that exists before this revision was made by hand with a password kept
here, so the new ``source`` column is "local" for each of them (a server default, so
nothing already there changes); ``email`` starts empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=False,
                                   server_default="local"))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
        batch.drop_column("source")
