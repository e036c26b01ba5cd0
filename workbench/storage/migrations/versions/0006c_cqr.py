"""CQR: domains, core ideas with their ranges and versions, auditor's comments

Revision ID: 0006c
Revises: 0005d
Create Date: 2026-12-03

* ``cqr_domains`` and ``cqr_domain_codes``: a separate list of CQR domains and the codes
  (categories) each holds; without one, the codebook's themes are the domains.
* ``cqr_core_ideas``, ``cqr_core_idea_ranges``, ``cqr_core_idea_versions``: the team's
  core ideas per case and domain, the passages they rest on, and every version.
* ``cqr_audit_comments``: an auditor's comments and the team's response (accepted or
  rejected, with a reason).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006c"
down_revision = "0005d"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cqr_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retired_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqr_domains")),
        sa.UniqueConstraint("key", name=op.f("uq_cqr_domains_key")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "cqr_domain_codes",
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["domain_id"], ["cqr_domains.id"], ondelete="CASCADE",
                                name=op.f("fk_cqr_domain_codes_domain_id_cqr_domains")),
        sa.ForeignKeyConstraint(["code_id"], ["codes.id"],
                                name=op.f("fk_cqr_domain_codes_code_id_codes")),
        sa.PrimaryKeyConstraint("domain_id", "code_id", name=op.f("pk_cqr_domain_codes")),
    )
    op.create_table(
        "cqr_core_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("case_unit", sa.String(20), nullable=False),
        sa.Column("case_key", sa.String(200), nullable=False),
        sa.Column("domain_key", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("deleted_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqr_core_ideas")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cqr_core_ideas_uuid")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_cqr_core_ideas_case_domain", "cqr_core_ideas",
                    ["case_unit", "case_key", "domain_key"])
    op.create_table(
        "cqr_core_idea_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("core_idea_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("coding_uuid", sa.String(36)),
        sa.ForeignKeyConstraint(["core_idea_id"], ["cqr_core_ideas.id"], ondelete="CASCADE",
                                name=op.f("fk_cqr_core_idea_ranges_core_idea_id_cqr_core_ideas")),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"],
                                name=op.f("fk_cqr_core_idea_ranges_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqr_core_idea_ranges")),
    )
    op.create_index("ix_cqr_core_idea_ranges_idea", "cqr_core_idea_ranges", ["core_idea_id"])
    op.create_table(
        "cqr_core_idea_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("core_idea_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["core_idea_id"], ["cqr_core_ideas.id"], ondelete="CASCADE",
            name=op.f("fk_cqr_core_idea_versions_core_idea_id_cqr_core_ideas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqr_core_idea_versions")),
        sa.UniqueConstraint("core_idea_id", "version",
                            name=op.f("uq_cqr_core_idea_versions_version")),
    )
    op.create_table(
        "cqr_audit_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_key", sa.String(200), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("responded_by", sa.String(100)),
        sa.Column("responded_at", TS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cqr_audit_comments")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cqr_audit_comments_uuid")),
    )
    op.create_index("ix_cqr_audit_comments_target", "cqr_audit_comments",
                    ["target_kind", "target_key"])


def downgrade() -> None:
    op.drop_index("ix_cqr_audit_comments_target", table_name="cqr_audit_comments")
    op.drop_table("cqr_audit_comments")
    op.drop_table("cqr_core_idea_versions")
    op.drop_index("ix_cqr_core_idea_ranges_idea", table_name="cqr_core_idea_ranges")
    op.drop_table("cqr_core_idea_ranges")
    op.drop_index("ix_cqr_core_ideas_case_domain", table_name="cqr_core_ideas")
    op.drop_table("cqr_core_ideas")
    op.drop_table("cqr_domain_codes")
    op.drop_table("cqr_domains")
