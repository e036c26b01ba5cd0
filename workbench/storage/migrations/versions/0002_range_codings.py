"""codings are ranges of a document; ids never reused; project settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

* ``codings`` belong to a document (``document_id``), not to a segment: the segment's
  document is copied in, ``start``/``end``/``text`` were already document offsets and stay
  as they are; ``segment_id`` and ``is_span`` go. Every coding keeps its uuid, code, coder,
  codebook version, memo and timestamps. Unique per (document, code, coder, start, end).
* On SQLite, cases, documents, turns, segments, codings and unanchored codings are rebuilt
  with ``AUTOINCREMENT``, so ids of deleted rows are never handed out again (PostgreSQL
  sequences never go back anyway). The workbench runs this with foreign keys switched off
  and checks them before committing (see ``storage/engine.py``).
* ``project_settings``: project-wide settings (e.g. the overlap rule).
"""

from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_REBUILT = ("cases", "documents", "turns", "segments", "unanchored_codings")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    sqlite = _sqlite()
    recreate: Literal["always", "auto"] = "always" if sqlite else "auto"
    with op.batch_alter_table("codings") as batch:
        batch.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE codings SET document_id = "
        "(SELECT segments.document_id FROM segments WHERE segments.id = codings.segment_id)"
    )
    with op.batch_alter_table("codings", recreate=recreate,
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint("uq_codings_segment_code_coder", type_="unique")
        batch.drop_index("ix_codings_coder_segment")
        if not sqlite:
            batch.drop_constraint("fk_codings_segment_id_segments", type_="foreignkey")
        batch.drop_column("segment_id")
        batch.drop_column("is_span")
        batch.alter_column("document_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_codings_document_id_documents", "documents",
                                 ["document_id"], ["id"])
        batch.create_unique_constraint(
            "uq_codings_range", ["document_id", "code_id", "coder_id", "start", "end"])
        batch.create_index("ix_codings_document_start", ["document_id", "start"])
        batch.create_index("ix_codings_coder_document", ["coder_id", "document_id"])
    if sqlite:
        for table in _REBUILT:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    op.create_table(
        "project_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_project_settings")),
    )


def downgrade() -> None:
    raise NotImplementedError(
        "codings that run across segments cannot go back to one segment each; restore the "
        "backup copy made before the migration instead."
    )
