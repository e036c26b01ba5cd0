"""REFI-QDA identities kept from imports (GUIDs, descriptions, sets)

Revision ID: 0006a
Revises: 0005d
Create Date: 2026-12-03

* ``refi_identities``: per imported object (document, code, theme, user, set) the GUID
  and Description of the REFI-QDA file it came from, and a JSON detail, so that an export
  gives them back. Projects imported before have none; their exports keep derived GUIDs.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006a"
down_revision = "0005d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refi_identities",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_key", sa.String(length=200), nullable=False),
        sa.Column("guid", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "local_key", name=op.f("pk_refi_identities")),
    )


def downgrade() -> None:
    op.drop_table("refi_identities")
