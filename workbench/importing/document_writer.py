"""Store one segmented transcript in its own transaction: add it, or replace it and re-anchor.

A new document is inserted with its case, turns and segments; a changed one has its turns
and segments replaced and its codings re-anchored on the new text
(:mod:`workbench.importing.reanchor`); codings that cannot be placed are kept in
``unanchored_codings`` and reported. Either way the audit event is written in the same
transaction. Used by both ways of storing an import (:mod:`workbench.importing.storage_sink`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from workbench.importing.reanchor import Placement, context_of, reanchor
from workbench.model import ImportReport, ParsedTranscript, SegmentDraft, UnanchoredCoding
from workbench.storage import codings_store as cs
from workbench.storage.audit_log import now, record
from workbench.storage.documents_store import (
    document_by_name,
    document_name,
    insert_document,
    replace_document_content,
    segment_ids_by_index,
)
from workbench.storage.engine import Store

__all__ = ["DocumentWriter"]


class DocumentWriter:
    """Stores segmented transcripts in ``store`` as ``actor``, one transaction each."""

    def __init__(self, store: Store, actor: str = "system"):
        self.store = store
        self.actor = actor

    def write(
        self, transcript: ParsedTranscript, drafts: list[SegmentDraft], unit: str
    ) -> ImportReport:
        """Store ``transcript`` with its segments ``drafts``; the report says what happened."""
        with self.store.transaction() as conn:
            stored = document_by_name(conn, transcript.name)
            if stored is None:
                insert_document(conn, transcript, drafts, unit)
                record(conn, actor=self.actor, action="import", entity="document",
                       key=transcript.name,
                       detail={"segments": len(drafts), "source": transcript.source})
                return ImportReport(transcript.name, "added", len(drafts),
                                    warnings=transcript.warnings)
            old = cs.take_codings_of_document(conn, stored.id)
            replace_document_content(conn, stored.id, transcript, drafts, unit)
            placed, lost = self._reanchor(conn, stored.id, stored.text, transcript.text, old, drafts)
            record(conn, actor=self.actor, action="reimport", entity="document",
                   key=transcript.name,
                   detail={"segments": len(drafts), "reanchored": placed,
                           "unanchored": [u.uuid for u in lost]})
        return ImportReport(transcript.name, "updated", len(drafts), reanchored=placed,
                            unanchored=tuple(lost), warnings=transcript.warnings)

    def _reanchor(
        self,
        conn: Connection,
        document_id: int,
        old_text: str,
        new_text: str,
        old: list[cs.StoredCoding],
        drafts: list[SegmentDraft],
    ) -> tuple[int, list[UnanchoredCoding]]:
        if not old:
            return 0, []
        segment_ids = segment_ids_by_index(conn, document_id)
        code_keys = {v: k for k, v in cs.code_ids(conn, include_retired=True).items()}
        coder_names = {v: k for k, v in cs.coder_ids(conn).items()}
        placements = reanchor(old_text, new_text, [(c.start, c.end, c.text) for c in old], drafts)
        restored: list[dict[str, object]] = []
        taken: set[tuple[int, int, int]] = set()
        lost_rows: list[dict[str, object]] = []
        lost: list[UnanchoredCoding] = []
        for coding, place in zip(old, placements, strict=True):
            if isinstance(place, Placement):
                key = (segment_ids[place.segment_index], coding.code_id, coding.coder_id)
                if key not in taken:
                    taken.add(key)
                    restored.append({
                        "uuid": coding.uuid, "segment_id": key[0], "code_id": coding.code_id,
                        "coder_id": coding.coder_id,
                        "codebook_version_id": coding.codebook_version_id,
                        "start": place.start, "end": place.end, "text": coding.text,
                        "is_span": place.is_span, "memo": coding.memo,
                        "created_at": coding.created_at, "updated_at": coding.updated_at,
                    })
                    continue
                reason = "another coding of the same code by the same coder landed on its segment"
            else:
                reason = place
            before, after = context_of(old_text, coding.start, coding.end)
            lost_rows.append({
                "uuid": coding.uuid, "document_id": document_id, "code_id": coding.code_id,
                "coder_id": coding.coder_id, "codebook_version_id": coding.codebook_version_id,
                "old_start": coding.start, "old_end": coding.end, "text": coding.text,
                "context_before": before, "context_after": after, "memo": coding.memo,
                "reason": reason, "created_at": coding.created_at, "unanchored_at": now(),
            })
            lost.append(UnanchoredCoding(
                uuid=coding.uuid, document="", code=code_keys[coding.code_id],
                coder=coder_names[coding.coder_id], text=coding.text, memo=coding.memo,
                reason=reason,
            ))
        cs.restore_codings(conn, restored)
        cs.insert_unanchored(conn, lost_rows)
        name = document_name(conn, document_id)
        lost = [UnanchoredCoding(u.uuid, str(name), u.code, u.coder, u.text, u.memo, u.reason)
                for u in lost]
        return len(restored), lost
