"""coder roles and the owner of what an audited action touched

Revision ID: 0006d
Revises: 0005d
Create Date: 2026-12-03

* ``coders.role``: ``coder`` (every existing coder) or ``reviewer``. Only a reviewer sees
  other coders' codings in the coding panel and may change or remove them.
* ``audit.owner``: whose coding an audited action touched, beside ``actor`` (who acted);
  empty for the rows written before, which were always the owner's own actions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006d"
down_revision = "0005d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coders") as batch:
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=False,
                                   server_default="coder"))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("owner")
    with op.batch_alter_table("coders") as batch:
        batch.drop_column("role")
