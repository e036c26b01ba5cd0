"""Table definitions (SQLAlchemy Core). The migrations in ``migrations/versions`` create them.

Change the schema only together with a new migration; a test checks that the migrated
database matches this metadata.

Rows of ``cases``, ``documents``, ``turns``, ``segments``, ``codings`` and
``unanchored_codings`` use ``AUTOINCREMENT`` on SQLite (PostgreSQL sequences never go back):
an id, once handed out, is never handed out again after a delete, so a stale id held by a
coder's panel can only fail, never point at other text.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "audit",
    "case_attributes",
    "cases",
    "codebook_versions",
    "coder_coverage",
    "coder_positions",
    "coders",
    "codes",
    "codings",
    "consensus_decisions",
    "cqr_audit_comments",
    "cqr_core_idea_ranges",
    "cqr_core_idea_versions",
    "cqr_core_ideas",
    "cqr_domain_codes",
    "cqr_domains",
    "documents",
    "memos",
    "metadata",
    "project_settings",
    "recode_queue",
    "refi_identities",
    "reliability_rounds",
    "segments",
    "themes",
    "time_marks",
    "turns",
    "unanchored_codings",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("dyad", String(100), nullable=False),
    Column("session", Integer, nullable=False),
    Column("perspective", String(20), nullable=False),
    Column("participant", String(100)),
    Column("interview_date", Date),
    Column("outcome_group", String(100)),
    sqlite_autoincrement=True,
)

case_attributes = Table(
    "case_attributes",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("source", Text, nullable=False, default=""),
    Column("segment_unit", String(20), nullable=False),
    Column("imported_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    sqlite_autoincrement=True,
)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("speaker", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("video_time", Float),
    Column("stop_index", Integer),
    UniqueConstraint("document_id", "idx"),
    sqlite_autoincrement=True,
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("turn_id", ForeignKey("turns.id", ondelete="CASCADE"), nullable=False),
    Column("turn_idx", Integer, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("speaker", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("video_time", Float),
    UniqueConstraint("document_id", "idx"),
    sqlite_autoincrement=True,
)

time_marks = Table(
    "time_marks",
    metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("seconds", Float, nullable=False),
)
"""Session times inside turns: where a later caption cue of a turn begins (offsets in the
document text); a turn's own time is ``turns.video_time``."""

codebook_versions = Table(
    "codebook_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("loaded_at", TS, nullable=False),
)

themes = Table(
    "themes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("colour", String(7), nullable=False),
    Column("position", Integer, nullable=False, default=0),
)

codes = Table(
    "codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("theme_id", ForeignKey("themes.id"), nullable=False),
    Column("parent_id", ForeignKey("codes.id")),
    Column("definition", Text, nullable=False),
    Column("inclusion", Text, nullable=False, default=""),
    Column("exclusion", Text, nullable=False, default=""),
    Column("example", Text, nullable=False, default=""),
    Column("colour", String(7), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("first_version_id", ForeignKey("codebook_versions.id"), nullable=False),
    Column("retired_version_id", ForeignKey("codebook_versions.id")),
)

coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    # "coder" or "reviewer" (CODER_ROLES): only a reviewer sees and edits others' codings
    Column("role", String(20), nullable=False, server_default="coder"),
)

codings = Table(
    "codings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("code_id", ForeignKey("codes.id"), nullable=False),
    Column("coder_id", ForeignKey("coders.id"), nullable=False),
    Column("codebook_version_id", ForeignKey("codebook_versions.id"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("memo", Text, nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    UniqueConstraint("document_id", "code_id", "coder_id", "start", "end",
                     name="uq_codings_range"),
    Index("ix_codings_document_start", "document_id", "start"),
    Index("ix_codings_coder_document", "coder_id", "document_id"),
    Index("ix_codings_code", "code_id"),
    # the code the coding was made under, when a merge or a recode moved it (NULL: code_id)
    Column("made_as_code_id", ForeignKey("codes.id")),
    sqlite_autoincrement=True,
)

recode_queue = Table(
    "recode_queue",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coding_uuid", String(36), nullable=False, unique=True),
    Column("from_code_id", ForeignKey("codes.id"), nullable=False),
    Column("candidates", Text, nullable=False),  # JSON list of code keys
    Column("created_at", TS, nullable=False),
    Column("resolved_at", TS),
)

unanchored_codings = Table(
    "unanchored_codings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", ForeignKey("codes.id"), nullable=False),
    Column("coder_id", ForeignKey("coders.id"), nullable=False),
    Column("codebook_version_id", ForeignKey("codebook_versions.id"), nullable=False),
    Column("old_start", Integer, nullable=False),
    Column("old_end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("context_before", Text, nullable=False, default=""),
    Column("context_after", Text, nullable=False, default=""),
    Column("memo", Text, nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("unanchored_at", TS, nullable=False),
    sqlite_autoincrement=True,
)

memos = Table(
    "memos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("coder_id", ForeignKey("coders.id"), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_key", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_memos_target", "target_kind", "target_key"),
)

coder_positions = Table(
    "coder_positions",
    metadata,
    Column("coder_id", ForeignKey("coders.id"), primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_idx", Integer, nullable=False),
    Column("updated_at", TS, nullable=False),
)

#: Statuses of a coder's coverage of a document.
COVERAGE_STATUSES = ("not_started", "in_progress", "done")
CODER_ROLES = ("coder", "reviewer")

coder_coverage = Table(
    "coder_coverage",
    metadata,
    Column("coder_id", ForeignKey("coders.id"), primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("furthest_idx", Integer),
    Column("note", Text, nullable=False, default=""),
    Column("updated_at", TS, nullable=False),
)

reliability_rounds = Table(
    "reliability_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("coders", Text, nullable=False),
    Column("documents", Text, nullable=False),
    Column("created_at", TS, nullable=False),
)

project_settings = Table(
    "project_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", TS, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("entity", String(50), nullable=False),
    Column("entity_key", String(200), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    # whose coding the action touched, when it was not the actor's own (else NULL/actor)
    Column("owner", String(100)),
)

refi_identities = Table(
    "refi_identities",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("local_key", String(200), primary_key=True),
    Column("guid", String(40)),
    Column("description", Text),
    Column("detail", Text, nullable=False, default="{}"),
)
"""What a REFI-QDA import read for an object (kind ``document``, ``code``, ``theme``, ``user``
or ``set``; key: document name, code or theme key, coder name, set name): the file's GUID
(NULL for objects the import made up), the Description exactly as read (NULL when the element
had none) and a JSON detail (see :mod:`workbench.storage.refi_store`). Exports reuse them."""

#: Kinds of a consensus decision.
DECISION_KINDS = ("apply", "reject", "adjust", "recode")

consensus_decisions = Table(
    "consensus_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    # the item decided: document | code | digest of the codings and coders it rests on
    Column("item_key", String(400), nullable=False),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", ForeignKey("codes.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("start", Integer),
    Column("end", Integer),
    Column("new_code_id", ForeignKey("codes.id")),
    Column("decided_by", String(100), nullable=False),
    Column("decided_at", TS, nullable=False),
    Column("rests_on", Text, nullable=False),  # JSON: counted coders and codings
    Column("votes", Integer, nullable=False),
    Column("of_k", Integer, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("revision", Integer, nullable=False),
    Column("superseded_by", Integer),
    Column("superseded_at", TS),
    UniqueConstraint("item_key", "revision", name="uq_consensus_decisions_revision"),
    Index("ix_consensus_decisions_document", "document_id", "superseded_by"),
    sqlite_autoincrement=True,
)

# -- CQR (Consensual Qualitative Research): domains, core ideas, audit ---------------------
cqr_domains = Table(
    "cqr_domains",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False, default=0),
    Column("created_at", TS, nullable=False),
    Column("retired_at", TS),
    sqlite_autoincrement=True,
)
"""A separate list of CQR domains (used instead of the codebook's themes once one is
active)."""

cqr_domain_codes = Table(
    "cqr_domain_codes",
    metadata,
    Column("domain_id", ForeignKey("cqr_domains.id", ondelete="CASCADE"), primary_key=True),
    Column("code_id", ForeignKey("codes.id"), primary_key=True),
)
"""Which codes (categories) a listed domain holds."""

cqr_core_ideas = Table(
    "cqr_core_ideas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("case_unit", String(20), nullable=False),
    Column("case_key", String(200), nullable=False),
    Column("domain_key", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("deleted_at", TS),
    Index("ix_cqr_core_ideas_case_domain", "case_unit", "case_key", "domain_key"),
    sqlite_autoincrement=True,
)

cqr_core_idea_ranges = Table(
    "cqr_core_idea_ranges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("core_idea_id", ForeignKey("cqr_core_ideas.id", ondelete="CASCADE"),
           nullable=False),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("coding_uuid", String(36)),
    Index("ix_cqr_core_idea_ranges_idea", "core_idea_id"),
)
"""The passages a core idea rests on (a range of a document's text, or a coding's)."""

cqr_core_idea_versions = Table(
    "cqr_core_idea_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("core_idea_id", ForeignKey("cqr_core_ideas.id", ondelete="CASCADE"),
           nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("ranges", Text, nullable=False),  # JSON list of [document, start, end, coding_uuid]
    Column("author", String(100), nullable=False),
    Column("at", TS, nullable=False),
    UniqueConstraint("core_idea_id", "version", name="uq_cqr_core_idea_versions_version"),
)
"""Every version of a core idea (the first and each edit), append-only by use."""

cqr_audit_comments = Table(
    "cqr_audit_comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("target_kind", String(20), nullable=False),
    Column("target_key", String(200), nullable=False),
    Column("author", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("responded_by", String(100)),
    Column("responded_at", TS),
    Index("ix_cqr_audit_comments_target", "target_kind", "target_key"),
)
"""An auditor's comments on a domain, core idea or category, and the team's response."""

Index("ix_segments_document_role", segments.c.document_id, segments.c.role)
Index("ix_audit_entity", audit.c.entity, audit.c.entity_key)
