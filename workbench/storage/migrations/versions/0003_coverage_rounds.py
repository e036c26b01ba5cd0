"""coder coverage of documents; named reliability rounds

Revision ID: 0003a
Revises: 0002
Create Date: 2026-12-02

* ``coder_coverage``: per coder and document the status (``not_started``, ``in_progress``,
  ``done``), the furthest segment index the coder reached, a note (why "done" was forced)
  and when it changed. Agreement counts a coder only on the documents they covered.
* ``reliability_rounds``: a named choice of coders and documents (JSON lists) to reuse in
  agreement calls.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coder_coverage",
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("furthest_idx", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"],
                                name=op.f("fk_coder_coverage_coder_id_coders")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_coder_coverage_document_id_documents")),
        sa.PrimaryKeyConstraint("coder_id", "document_id", name=op.f("pk_coder_coverage")),
    )
    op.create_table(
        "reliability_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("coders", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reliability_rounds")),
        sa.UniqueConstraint("name", name=op.f("uq_reliability_rounds_name")),
    )


def downgrade() -> None:
    op.drop_table("reliability_rounds")
    op.drop_table("coder_coverage")
