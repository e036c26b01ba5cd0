"""consensus decisions with provenance

Revision ID: 0006b
Revises: 0005d
Create Date: 2026-12-03

* ``consensus_decisions``: one row per decision on a disagreement item (a document, a code
  and the codings of the chosen coders that overlap there): the kind (``apply``,
  ``reject``, ``adjust``, ``recode``), the resulting range and new code, who decided and
  when, the codings it rests on (JSON), the votes ``n`` of ``k``, the reason and the
  revision number. A revision adds a row and marks the old one ``superseded_by``/``_at``;
  rows are never deleted, so the history stays.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006b"
down_revision = "0005d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consensus_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=400), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("new_code_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rests_on", sa.Text(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("of_k", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_consensus_decisions_document_id_documents")),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"],
                                name=op.f("fk_consensus_decisions_code_id_codes")),
        sa.ForeignKeyConstraint(["new_code_id"], ["codes.id"],
                                name=op.f("fk_consensus_decisions_new_code_id_codes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_decisions")),
        sa.UniqueConstraint("item_key", "revision", name="uq_consensus_decisions_revision"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_consensus_decisions_document", "consensus_decisions",
                    ["document_id", "superseded_by"])


def downgrade() -> None:
    op.drop_index("ix_consensus_decisions_document", table_name="consensus_decisions")
    op.drop_table("consensus_decisions")
