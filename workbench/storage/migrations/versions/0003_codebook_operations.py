"""codebook operations: what each coding was made as; the recode queue

Revision ID: 0003b
Revises: 0002
Create Date: 2026-12-02

* ``codings.made_as_code_id``: the code a coding was made under when a merge or a recode
  moved it to another code (NULL: it was made under the code it has now).
* ``recode_queue``: codings of a split code waiting for a coder to choose one of the new
  codes (``candidates``: a JSON list of code keys); ``resolved_at`` is set once recoded.
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0003b"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    recreate: Literal["always", "auto"] = "always" if sqlite else "auto"
    with op.batch_alter_table("codings", recreate=recreate,
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("made_as_code_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_codings_made_as_code_id_codes", "codes",
                                 ["made_as_code_id"], ["id"])
    op.create_table(
        "recode_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coding_uuid", sa.String(length=36), nullable=False),
        sa.Column("from_code_id", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["from_code_id"], ["codes.id"],
                                name=op.f("fk_recode_queue_from_code_id_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recode_queue")),
        sa.UniqueConstraint("coding_uuid", name=op.f("uq_recode_queue_coding_uuid")),
    )


def downgrade() -> None:
    op.drop_table("recode_queue")
    with op.batch_alter_table("codings", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("fk_codings_made_as_code_id_codes", type_="foreignkey")
        batch.drop_column("made_as_code_id")
