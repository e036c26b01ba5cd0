"""time marks inside turns (every caption cue's start)

Revision ID: 0005d
Revises: 0004
Create Date: 2026-12-02

* ``time_marks``: per document, the offsets in its text where a later caption cue of a
  turn begins, with the cue's start in seconds. Documents imported before keep their turn
  times; re-importing a caption file adds its marks.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005d"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_marks",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_time_marks_document_id_documents")),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_time_marks")),
    )


def downgrade() -> None:
    op.drop_table("time_marks")
