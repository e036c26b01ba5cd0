"""Coders, codings, memos, unanchored codings and coder positions in the database."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from workbench.storage.audit_log import new_id, now, record
from workbench.storage.schema import (
    coder_positions,
    coders,
    codes,
    codings,
    documents,
    memos,
    segments,
    unanchored_codings,
)

__all__ = [
    "StoredCoding",
    "add_coder",
    "code_ids",
    "coder_ids",
    "codings_of_document",
    "delete_coding",
    "get_position",
    "insert_coding",
    "insert_unanchored",
    "last_position",
    "restore_codings",
    "save_memo",
    "set_position",
]


@dataclass(frozen=True)
class StoredCoding:
    """A coding row with the keys needed to move it between segments."""

    uuid: str
    segment_id: int
    code_id: int
    coder_id: int
    codebook_version_id: int
    start: int
    end: int
    text: str
    is_span: bool
    memo: str
    created_at: dt.datetime
    updated_at: dt.datetime


def coder_ids(conn: Connection) -> dict[str, int]:
    """Coder name -> id."""
    return dict(conn.execute(select(coders.c.name, coders.c.id)).all())


def code_ids(conn: Connection, *, include_retired: bool = False) -> dict[str, int]:
    """Code key -> id (retired codes only when asked)."""
    stmt = select(codes.c.key, codes.c.id)
    if not include_retired:
        stmt = stmt.where(codes.c.retired_version_id.is_(None))
    return dict(conn.execute(stmt).all())


def add_coder(conn: Connection, name: str, *, actor: str) -> int:
    """Register a coder (idempotent); returns the id."""
    existing = conn.execute(select(coders.c.id).where(coders.c.name == name)).scalar()
    if existing is not None:
        return int(existing)
    coder_id = new_id(conn.execute(insert(coders).values(name=name, created_at=now())))
    record(conn, actor=actor, action="add_coder", entity="coder", key=name)
    return int(coder_id)


def insert_coding(
    conn: Connection,
    *,
    segment_id: int,
    code_id: int,
    coder_id: int,
    version_id: int,
    start: int,
    end: int,
    text: str,
    is_span: bool,
    memo: str,
) -> tuple[str, bool]:
    """Insert a coding; if this coder already applied this code here, keep it.

    Returns ``(uuid, created)``. A savepoint keeps the caller's transaction usable when a
    concurrent writer inserted the same coding first.
    """
    existing = conn.execute(
        select(codings.c.uuid).where(
            codings.c.segment_id == segment_id,
            codings.c.code_id == code_id,
            codings.c.coder_id == coder_id,
        )
    ).scalar()
    if existing is not None:
        return str(existing), False
    new_uuid = str(uuidlib.uuid4())
    stamp = now()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(codings).values(
                    uuid=new_uuid,
                    segment_id=segment_id,
                    code_id=code_id,
                    coder_id=coder_id,
                    codebook_version_id=version_id,
                    start=start,
                    end=end,
                    text=text,
                    is_span=is_span,
                    memo=memo,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    except IntegrityError:
        existing = conn.execute(
            select(codings.c.uuid).where(
                codings.c.segment_id == segment_id,
                codings.c.code_id == code_id,
                codings.c.coder_id == coder_id,
            )
        ).scalar_one()
        return str(existing), False
    return new_uuid, True


def delete_coding(conn: Connection, *, segment_id: int, code_id: int, coder_id: int) -> StoredCoding | None:
    """Delete one coder's coding of a code on a segment; returns what was deleted."""
    row = conn.execute(
        select(codings).where(
            codings.c.segment_id == segment_id,
            codings.c.code_id == code_id,
            codings.c.coder_id == coder_id,
        )
    ).first()
    if row is None:
        return None
    conn.execute(delete(codings).where(codings.c.id == row.id))
    return _stored(row)


def update_coding_memo(conn: Connection, coding_uuid: str, memo: str) -> bool:
    """Set the memo of a coding; False when no such coding exists."""
    result = conn.execute(
        update(codings).where(codings.c.uuid == coding_uuid).values(memo=memo, updated_at=now())
    )
    return bool(result.rowcount)


def _stored(row: object) -> StoredCoding:
    r = row._mapping  # type: ignore[attr-defined]
    return StoredCoding(
        uuid=r["uuid"],
        segment_id=r["segment_id"],
        code_id=r["code_id"],
        coder_id=r["coder_id"],
        codebook_version_id=r["codebook_version_id"],
        start=r["start"],
        end=r["end"],
        text=r["text"],
        is_span=bool(r["is_span"]),
        memo=r["memo"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def codings_of_document(conn: Connection, document_id: int) -> list[StoredCoding]:
    """All codings on a document's segments."""
    rows = conn.execute(
        select(codings)
        .join(segments, segments.c.id == codings.c.segment_id)
        .where(segments.c.document_id == document_id)
        .order_by(codings.c.id)
    ).all()
    return [_stored(r) for r in rows]


def take_codings_of_document(conn: Connection, document_id: int) -> list[StoredCoding]:
    """Remove and return a document's codings (to re-anchor them on new segments)."""
    found = codings_of_document(conn, document_id)
    if found:
        segment_ids = select(segments.c.id).where(segments.c.document_id == document_id)
        conn.execute(delete(codings).where(codings.c.segment_id.in_(segment_ids)))
    return found


def restore_codings(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Insert codings that keep their uuid and timestamps (after re-anchoring)."""
    if rows:
        conn.execute(insert(codings), list(rows))


def insert_unanchored(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Keep codings that could not be re-anchored, with the reason."""
    if rows:
        conn.execute(insert(unanchored_codings), list(rows))


def save_memo(
    conn: Connection, *, coder_id: int, target_kind: str, target_key: str, text: str
) -> str:
    """Create or replace a coder's memo on a target; returns its uuid."""
    row = conn.execute(
        select(memos.c.uuid).where(
            and_(memos.c.coder_id == coder_id, memos.c.target_kind == target_kind,
                 memos.c.target_key == target_key)
        )
    ).scalar()
    stamp = now()
    if row is not None:
        conn.execute(update(memos).where(memos.c.uuid == row).values(text=text, updated_at=stamp))
        return str(row)
    new_uuid = str(uuidlib.uuid4())
    conn.execute(
        insert(memos).values(uuid=new_uuid, coder_id=coder_id, target_kind=target_kind,
                             target_key=target_key, text=text, created_at=stamp, updated_at=stamp)
    )
    return new_uuid


def set_position(conn: Connection, *, coder_id: int, document_id: int, segment_idx: int) -> None:
    """Remember where a coder is in a document."""
    found = conn.execute(
        update(coder_positions)
        .where(coder_positions.c.coder_id == coder_id, coder_positions.c.document_id == document_id)
        .values(segment_idx=segment_idx, updated_at=now())
    )
    if not found.rowcount:
        conn.execute(
            insert(coder_positions).values(coder_id=coder_id, document_id=document_id,
                                           segment_idx=segment_idx, updated_at=now())
        )


def get_position(conn: Connection, *, coder_id: int, document_id: int) -> int | None:
    """The segment index where a coder last was in a document, or None."""
    value = conn.execute(
        select(coder_positions.c.segment_idx).where(
            coder_positions.c.coder_id == coder_id, coder_positions.c.document_id == document_id
        )
    ).scalar()
    return None if value is None else int(value)


def last_position(conn: Connection, *, coder_id: int) -> tuple[str, int] | None:
    """The document name and segment index a coder visited most recently, or None."""
    row = conn.execute(
        select(documents.c.name, coder_positions.c.segment_idx)
        .join(documents, documents.c.id == coder_positions.c.document_id)
        .where(coder_positions.c.coder_id == coder_id)
        .order_by(coder_positions.c.updated_at.desc(), documents.c.name)
        .limit(1)
    ).first()
    return None if row is None else (str(row[0]), int(row[1]))


def document_ids(conn: Connection) -> dict[str, int]:
    """Document name -> id."""
    return dict(conn.execute(select(documents.c.name, documents.c.id)).all())
