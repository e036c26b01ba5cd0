"""Cases, documents, turns and segments in the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select, update

from workbench.model import ParsedTranscript, SegmentDraft
from workbench.storage.audit_log import now
from workbench.storage.schema import case_attributes, cases, documents, segments, turns

__all__ = [
    "DocumentRow",
    "document_by_name",
    "document_by_sha",
    "insert_document",
    "replace_document_content",
]


class DocumentRow:
    """The stored identity of a document (id, name, sha256, text)."""

    __slots__ = ("id", "name", "sha256", "text", "unit")

    def __init__(self, id: int, name: str, sha256: str, text: str, unit: str):
        self.id = id
        self.name = name
        self.sha256 = sha256
        self.text = text
        self.unit = unit


def _row(result: object) -> DocumentRow | None:
    if result is None:
        return None
    return DocumentRow(
        result.id, result.name, result.sha256, result.text, result.segment_unit  # type: ignore[attr-defined]
    )


def document_by_name(conn: Connection, name: str) -> DocumentRow | None:
    """The stored document called ``name``, or None."""
    return _row(conn.execute(select(documents).where(documents.c.name == name)).first())


def document_by_sha(conn: Connection, sha256: str) -> DocumentRow | None:
    """A stored document with this content fingerprint, or None."""
    return _row(conn.execute(select(documents).where(documents.c.sha256 == sha256)).first())


def _case_values(parsed: ParsedTranscript) -> dict[str, object]:
    a = parsed.attributes
    return {
        "dyad": a.dyad,
        "session": a.session,
        "perspective": a.perspective,
        "participant": a.participant,
        "interview_date": a.interview_date,
        "outcome_group": a.outcome_group,
    }


def _write_case_attributes(conn: Connection, case_id: int, parsed: ParsedTranscript) -> None:
    conn.execute(delete(case_attributes).where(case_attributes.c.case_id == case_id))
    rows = [{"case_id": case_id, "name": k, "value": v} for k, v in parsed.attributes.extra.items()]
    if rows:
        conn.execute(insert(case_attributes), rows)


def _write_turns_and_segments(
    conn: Connection, document_id: int, parsed: ParsedTranscript, drafts: Sequence[SegmentDraft]
) -> None:
    conn.execute(
        insert(turns),
        [
            {
                "document_id": document_id,
                "idx": t.index,
                "speaker": t.speaker,
                "role": t.role,
                "start": t.start,
                "end": t.end,
                "video_time": t.video_time,
                "stop_index": t.stop_index,
            }
            for t in parsed.turns
        ],
    )
    turn_ids = dict(
        conn.execute(select(turns.c.idx, turns.c.id).where(turns.c.document_id == document_id)).all()
    )
    by_index = parsed.turns
    if drafts:
        conn.execute(
            insert(segments),
            [
                {
                    "document_id": document_id,
                    "turn_id": turn_ids[d.turn_index],
                    "turn_idx": d.turn_index,
                    "idx": d.index,
                    "speaker": by_index[d.turn_index].speaker,
                    "role": by_index[d.turn_index].role,
                    "start": d.start,
                    "end": d.end,
                    "text": d.text,
                    "video_time": by_index[d.turn_index].video_time,
                }
                for d in drafts
            ],
        )


def insert_document(
    conn: Connection, parsed: ParsedTranscript, drafts: Sequence[SegmentDraft], unit: str
) -> int:
    """Store a new case, document, turns and segments; returns the document id."""
    case_id = conn.execute(
        insert(cases).values(key=parsed.name, **_case_values(parsed))
    ).inserted_primary_key[0]
    _write_case_attributes(conn, case_id, parsed)
    stamp = now()
    document_id = conn.execute(
        insert(documents).values(
            name=parsed.name,
            case_id=case_id,
            text=parsed.text,
            sha256=parsed.sha256,
            source=parsed.source,
            segment_unit=unit,
            imported_at=stamp,
            updated_at=stamp,
        )
    ).inserted_primary_key[0]
    _write_turns_and_segments(conn, document_id, parsed, drafts)
    return int(document_id)


def replace_document_content(
    conn: Connection,
    document_id: int,
    parsed: ParsedTranscript,
    drafts: Sequence[SegmentDraft],
    unit: str,
) -> None:
    """Replace text, attributes, turns and segments of a stored document.

    The caller must have moved the document's codings away first (they reference segments).
    """
    case_id = conn.execute(
        select(documents.c.case_id).where(documents.c.id == document_id)
    ).scalar_one()
    conn.execute(update(cases).where(cases.c.id == case_id).values(**_case_values(parsed)))
    _write_case_attributes(conn, case_id, parsed)
    conn.execute(delete(segments).where(segments.c.document_id == document_id))
    conn.execute(delete(turns).where(turns.c.document_id == document_id))
    conn.execute(
        update(documents)
        .where(documents.c.id == document_id)
        .values(text=parsed.text, sha256=parsed.sha256, source=parsed.source,
                segment_unit=unit, updated_at=now())
    )
    _write_turns_and_segments(conn, document_id, parsed, drafts)
