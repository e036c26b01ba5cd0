"""Cases, documents, turns and segments in the database."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy import text as sql

from workbench.errors import StorageError
from workbench.model import ParsedTranscript, Segment, SegmentDraft
from workbench.storage.audit_log import new_id, now
from workbench.storage.schema import (
    case_attributes,
    cases,
    documents,
    segments,
    time_marks,
    turns,
)

__all__ = [
    "DocumentRow",
    "document_by_name",
    "document_by_sha",
    "document_fingerprint",
    "document_name",
    "document_source",
    "highest_id",
    "insert_document",
    "lock_document",
    "lock_document_named",
    "locked_segment_bounds",
    "replace_document_content",
    "segment_bounds",
    "segment_by_id",
    "segment_ids_by_index",
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


def document_source(conn: Connection, name: str) -> str | None:
    """The import source of the stored document called ``name``, or None (no document)."""
    value = conn.execute(select(documents.c.source).where(documents.c.name == name)).first()
    return None if value is None else str(value.source or "")


def document_by_sha(conn: Connection, sha256: str) -> str | None:
    """The name of a stored document with this content fingerprint, or None."""
    return conn.execute(
        select(documents.c.name).where(documents.c.sha256 == sha256).limit(1)
    ).scalar()


def document_fingerprint(conn: Connection, name: str) -> tuple[str, str] | None:
    """``(sha256, segment_unit)`` of the stored document called ``name``, or None."""
    row = conn.execute(
        select(documents.c.sha256, documents.c.segment_unit).where(documents.c.name == name)
    ).first()
    return None if row is None else (row.sha256, row.segment_unit)


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


_TURN_COLUMNS = ("document_id", "idx", "speaker", "role", "start", "end", "video_time",
                 "stop_index")
_SEGMENT_COLUMNS = ("document_id", "turn_id", "turn_idx", "idx", "speaker", "role", "start",
                    "end", "text", "video_time")

# SQLite: a document's turns and its segments each go in as one JSON array expanded by
# ``json_each`` inside a single INSERT ... SELECT. The driver runs such a statement without
# holding Python's GIL, so a large import's spaCy work (main thread) and its storage (worker
# thread) overlap; a row-by-row ``executemany`` takes and releases the GIL for every row,
# and each time waits for the busy main thread to let go of it.
#
# Only integers and text cross JSON, because SQLite re-parses JSON numbers to about 15
# digits: a turn carries the number of its video time in a small VALUES table whose times
# are bound as exact doubles, and a segment takes speaker, role and video time from its
# stored turn. A SegmentDraft is (turn_index, index, start, end, text).
_SQLITE_TURNS = """
WITH times(slot, video_time) AS (VALUES {values})
INSERT INTO turns (document_id, idx, speaker, role, start, "end", video_time, stop_index)
SELECT ?, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
       json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
       json_extract(j.value, '$[4]'), times.video_time, json_extract(j.value, '$[6]')
FROM json_each(?) AS j LEFT JOIN times ON times.slot = json_extract(j.value, '$[5]')
ORDER BY j.key
"""
_SQLITE_SEGMENTS = """
INSERT INTO segments (document_id, turn_id, turn_idx, idx, speaker, role, start, "end", text,
                      video_time)
SELECT t.document_id, t.id, t.idx, json_extract(j.value, '$[1]'), t.speaker, t.role,
       json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
       json_extract(j.value, '$[4]'), t.video_time
FROM json_each(?) AS j
JOIN turns AS t ON t.document_id = ? AND t.idx = json_extract(j.value, '$[0]')
ORDER BY j.key
"""
_MAX_TIMES = 10_000  # bound parameters per statement stay far below SQLite's 32,766


def _write_turns_and_segments(
    conn: Connection, document_id: int, parsed: ParsedTranscript, drafts: Sequence[SegmentDraft]
) -> None:
    marks = [{"document_id": document_id, "position": position, "seconds": seconds}
             for turn in parsed.turns for position, seconds in turn.time_marks]
    if marks:
        conn.execute(insert(time_marks), marks)
    if conn.dialect.name != "sqlite" or marks:  # segments with inner times: per segment
        _write_with_core(conn, document_id, parsed, drafts)
        return
    slots: dict[float, int] = {}
    rows = [(t.index, t.speaker, t.role, t.start, t.end,
             None if t.video_time is None else slots.setdefault(t.video_time, len(slots)),
             t.stop_index) for t in parsed.turns]
    if len(slots) > _MAX_TIMES:
        _write_with_core(conn, document_id, parsed, drafts)
        return
    times: list[object] = [value for pair in slots.items() for value in pair[::-1]]
    statement = _SQLITE_TURNS.format(values=", ".join(["(?, ?)"] * len(slots)) or "(NULL, NULL)")
    conn.exec_driver_sql(statement, (*times, document_id, json.dumps(rows, ensure_ascii=False)))
    if not drafts:
        return
    written = conn.exec_driver_sql(
        _SQLITE_SEGMENTS, (json.dumps(drafts, ensure_ascii=False), document_id)
    ).rowcount
    if written != len(drafts):  # only if a draft names a turn the document does not have
        raise _orphan_segments(parsed.name)


def _orphan_segments(name: str) -> StorageError:
    return StorageError(
        f"{name}: a segment refers to a turn the transcript does not have, so nothing of "
        "this document was stored. This is a bug in the workbench: please report it."
    )


def _write_with_core(conn: Connection, document_id: int, parsed: ParsedTranscript,
                     drafts: Sequence[SegmentDraft]) -> None:
    """Turns and segments through SQLAlchemy Core (PostgreSQL and other databases)."""
    if parsed.turns:
        conn.execute(insert(turns), [
            dict(zip(_TURN_COLUMNS, (document_id, t.index, t.speaker, t.role, t.start, t.end,
                                     t.video_time, t.stop_index), strict=True))
            for t in parsed.turns
        ])
    turn_ids = dict(
        conn.execute(select(turns.c.idx, turns.c.id).where(turns.c.document_id == document_id)).all()
    )
    per_turn = [(turn_ids[t.index], t.speaker, t.role, t) for t in parsed.turns]
    rows = []
    for turn_index, index, start, end, text in drafts:
        if not 0 <= turn_index < len(per_turn):
            raise _orphan_segments(parsed.name)
        turn_id, speaker, role, turn = per_turn[turn_index]
        video_time = turn.time_at(start) if turn.time_marks else turn.video_time
        rows.append(dict(zip(_SEGMENT_COLUMNS, (document_id, turn_id, turn_index, index, speaker,
                                                role, start, end, text, video_time), strict=True)))
    if rows:
        conn.execute(insert(segments), rows)


def insert_document(
    conn: Connection, parsed: ParsedTranscript, drafts: Sequence[SegmentDraft], unit: str
) -> int:
    """Store a new case, document, turns and segments; returns the document id."""
    case_id = new_id(conn.execute(
        insert(cases).values(key=parsed.name, **_case_values(parsed))
    ))
    _write_case_attributes(conn, case_id, parsed)
    stamp = now()
    document_id = new_id(conn.execute(
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
    ))
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
    conn.execute(delete(time_marks).where(time_marks.c.document_id == document_id))
    conn.execute(
        update(documents)
        .where(documents.c.id == document_id)
        .values(text=parsed.text, sha256=parsed.sha256, source=parsed.source,
                segment_unit=unit, updated_at=now())
    )
    _write_turns_and_segments(conn, document_id, parsed, drafts)


def document_name(conn: Connection, document_id: int) -> str:
    """The name of the document with this id."""
    return str(conn.execute(select(documents.c.name).where(documents.c.id == document_id)).scalar_one())


def segment_ids_by_index(conn: Connection, document_id: int) -> dict[int, int]:
    """Segment index -> segment id for one document."""
    rows = conn.execute(
        select(segments.c.idx, segments.c.id).where(segments.c.document_id == document_id)
    ).all()
    return {int(idx): int(sid) for idx, sid in rows}


def segment_bounds(conn: Connection, segment_id: int) -> tuple[int, int, int, str] | None:
    """``(document_id, start, end, text)`` of a segment, or None when there is no such
    segment."""
    row = conn.execute(
        select(segments.c.document_id, segments.c.start, segments.c.end, segments.c.text)
        .where(segments.c.id == segment_id)
    ).first()
    if row is None:
        return None
    return int(row.document_id), int(row.start), int(row.end), str(row.text)


def lock_document(conn: Connection, document_id: int, *, exclusive: bool) -> DocumentRow | None:
    """Read a document row and lock it until the transaction ends; None if it is gone.

    On PostgreSQL, coding takes a shared lock (``FOR SHARE``: codings of one document go on
    in parallel) and re-importing takes an exclusive one (``FOR UPDATE``), so a coding and a
    re-import of the same document never interleave: the coding either lands before the
    re-import (and is re-anchored by it) or after it (and sees the new text). On SQLite a
    write transaction already holds the database's one write lock (``BEGIN IMMEDIATE``).
    """
    stmt = select(documents).where(documents.c.id == document_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=not exclusive)
    return _row(conn.execute(stmt).first())


def lock_document_named(conn: Connection, name: str, *, exclusive: bool) -> DocumentRow | None:
    """:func:`lock_document` for the document called ``name``; None if there is none."""
    found = document_by_name(conn, name)
    return None if found is None else lock_document(conn, found.id, exclusive=exclusive)


def locked_segment_bounds(
    conn: Connection, segment_id: int, locked: set[int] | None = None
) -> tuple[int, int, int, str] | None:
    """:func:`segment_bounds` with the segment's document locked (shared) first, read again
    after the lock because a re-import may have just committed. ``locked`` holds the ids of
    documents this transaction already locked (it is updated)."""
    bounds = segment_bounds(conn, segment_id)
    if bounds is None or (locked is not None and bounds[0] in locked):
        return bounds
    doc = lock_document(conn, bounds[0], exclusive=False)
    if doc is not None and locked is not None:
        locked.add(doc.id)
    return segment_bounds(conn, segment_id)


def highest_id(conn: Connection, table: Table) -> int:
    """The highest id ever handed out in ``table`` (deleted rows included), 0 if none.

    Ids are never reused (AUTOINCREMENT on SQLite, sequences on PostgreSQL), so an id at
    or below this that finds no row is a row that was deleted: a stale id, not a typo.
    """
    if conn.dialect.name == "sqlite":
        value = conn.execute(sql("SELECT seq FROM sqlite_sequence WHERE name = :name"),
                             {"name": table.name}).scalar()
    elif conn.dialect.name == "postgresql":
        value = conn.execute(
            sql("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                 f"FROM {table.name}_id_seq")
        ).scalar()
    else:  # pragma: no cover - other databases: the highest id still stored
        value = conn.execute(select(func.max(table.c.id))).scalar()
    return int(value or 0)


def segment_by_id(conn: Connection, segment_id: int) -> Segment | None:
    """One stored segment, or None."""
    row = conn.execute(
        select(segments, documents.c.name.label("document"))
        .join(documents, documents.c.id == segments.c.document_id)
        .where(segments.c.id == segment_id)
    ).first()
    if row is None:
        return None
    return Segment(
        id=row.id, document=row.document, turn_index=row.turn_idx, index=row.idx,
        speaker=row.speaker, role=row.role, start=row.start, end=row.end, text=row.text,
        video_time=row.video_time,
    )
