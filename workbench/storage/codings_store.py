"""Coders, codings (ranges of a document), memos, unanchored codings and coder positions."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workbench.errors import ConflictError
from workbench.storage.audit_log import new_id, now, record
from workbench.storage.schema import (
    coder_positions,
    coders,
    codes,
    codings,
    documents,
    memos,
    unanchored_codings,
)

__all__ = [
    "StoredCoding",
    "add_coder",
    "code_ids",
    "coder_ids",
    "coding_by_uuid",
    "codings_of_document",
    "codings_overlapping",
    "delete_coding",
    "drop_unanchored",
    "get_position",
    "insert_coding",
    "insert_unanchored",
    "last_position",
    "restore_codings",
    "restore_if_free",
    "save_memo",
    "set_position",
    "take_codings_of_document",
    "unanchored_of_document",
    "unanchored_rows",
    "update_coding_memo",
]


@dataclass(frozen=True)
class StoredCoding:
    """A coding row: a range ``[start, end)`` of one document, with its keys."""

    uuid: str
    document_id: int
    code_id: int
    coder_id: int
    codebook_version_id: int
    start: int
    end: int
    text: str
    memo: str
    created_at: dt.datetime
    updated_at: dt.datetime

    def row(self) -> dict[str, object]:
        """The values to insert this coding again (same uuid and timestamps)."""
        return {
            "uuid": self.uuid, "document_id": self.document_id, "code_id": self.code_id,
            "coder_id": self.coder_id, "codebook_version_id": self.codebook_version_id,
            "start": self.start, "end": self.end, "text": self.text, "memo": self.memo,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }


def coder_ids(conn: Connection) -> dict[str, int]:
    """Coder name -> id."""
    return dict(conn.execute(select(coders.c.name, coders.c.id)).all())


def code_ids(conn: Connection, *, include_retired: bool = False) -> dict[str, int]:
    """Code key -> id (retired codes only when asked)."""
    stmt = select(codes.c.key, codes.c.id)
    if not include_retired:
        stmt = stmt.where(codes.c.retired_version_id.is_(None))
    return dict(conn.execute(stmt).all())


def add_coder(conn: Connection, name: str, *, actor: str, role: str = "coder") -> int:
    """Register a coder (idempotent: an existing coder keeps her role); returns the id."""
    existing = conn.execute(select(coders.c.id).where(coders.c.name == name)).scalar()
    if existing is not None:
        return int(existing)
    coder_id = new_id(conn.execute(insert(coders).values(name=name, created_at=now(),
                                                         role=role)))
    record(conn, actor=actor, action="add_coder", entity="coder", key=name,
           detail={"role": role})
    return int(coder_id)


def coder_roles(conn: Connection) -> dict[str, str]:
    """Coder name -> role (``coder`` or ``reviewer``)."""
    return dict(conn.execute(select(coders.c.name, coders.c.role)).all())


def set_coder_role(conn: Connection, name: str, role: str, *, actor: str) -> bool:
    """Change a registered coder's role; False if it already was ``role``."""
    before = conn.execute(select(coders.c.role).where(coders.c.name == name)).scalar()
    if before == role:
        return False
    conn.execute(update(coders).where(coders.c.name == name).values(role=role))
    record(conn, actor=actor, action="set_coder_role", entity="coder", key=name,
           detail={"role": role, "before": before})
    return True


_RANGE_KEY = ("document_id", "code_id", "coder_id", "start", "end")


def _insert_ignoring_duplicate(conn: Connection, values: dict[str, object]) -> bool:
    """INSERT the coding unless the same coder has the same code on the same range; True if
    a row was added. ``ON CONFLICT DO NOTHING`` on both backends, so a concurrent writer
    that inserted the same coding first is no error."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(codings).values(**values).on_conflict_do_nothing(
        index_elements=list(_RANGE_KEY)).returning(codings.c.id)
    return conn.execute(stmt).first() is not None  # rowcount is unreliable here (psycopg)


def insert_coding(
    conn: Connection,
    *,
    document_id: int,
    code_id: int,
    coder_id: int,
    version_id: int,
    start: int,
    end: int,
    text: str,
    memo: str,
) -> tuple[str, bool]:
    """Insert a range coding; if this coder already has this code on exactly this range,
    keep that one. Returns ``(uuid, created)``.

    Raises :class:`ConflictError` if the existing coding keeps vanishing under concurrent
    removals (three tries).
    """
    key = {"document_id": document_id, "code_id": code_id, "coder_id": coder_id,
           "start": start, "end": end}
    for _ in range(3):
        new_uuid = str(uuidlib.uuid4())
        stamp = now()
        if _insert_ignoring_duplicate(conn, {
            **key, "uuid": new_uuid, "codebook_version_id": version_id, "text": text,
            "memo": memo, "created_at": stamp, "updated_at": stamp,
        }):
            return new_uuid, True
        existing = conn.execute(
            select(codings.c.uuid).where(*(codings.c[k] == v for k, v in key.items()))
        ).scalar()
        if existing is not None:
            return str(existing), False
    raise ConflictError(
        "another session kept adding and removing the same coding while this one was being "
        "stored; nothing was changed. Try again."
    )


def delete_coding(conn: Connection, coding_uuid: str) -> StoredCoding | None:
    """Delete the coding with this uuid; returns it, or None when no row was deleted (it was
    already gone, e.g. removed in another session)."""
    row = conn.execute(delete(codings).where(codings.c.uuid == coding_uuid)
                       .returning(*codings.c)).first()
    return None if row is None else _stored(row)


def coding_by_uuid(conn: Connection, coding_uuid: str) -> StoredCoding | None:
    """The coding with this uuid, or None."""
    row = conn.execute(select(codings).where(codings.c.uuid == coding_uuid)).first()
    return None if row is None else _stored(row)


def codings_overlapping(
    conn: Connection, *, document_id: int, code_id: int, coder_id: int, start: int, end: int
) -> list[StoredCoding]:
    """This coder's codings of this code whose range overlaps ``[start, end)``."""
    rows = conn.execute(
        select(codings).where(
            codings.c.document_id == document_id, codings.c.code_id == code_id,
            codings.c.coder_id == coder_id, codings.c.start < end, codings.c.end > start,
        ).order_by(codings.c.start, codings.c.end)
    ).all()
    return [_stored(r) for r in rows]


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
        document_id=r["document_id"],
        code_id=r["code_id"],
        coder_id=r["coder_id"],
        codebook_version_id=r["codebook_version_id"],
        start=r["start"],
        end=r["end"],
        text=r["text"],
        memo=r["memo"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def codings_of_document(conn: Connection, document_id: int) -> list[StoredCoding]:
    """All codings of a document, oldest first."""
    rows = conn.execute(
        select(codings).where(codings.c.document_id == document_id).order_by(codings.c.id)
    ).all()
    return [_stored(r) for r in rows]


def take_codings_of_document(conn: Connection, document_id: int) -> list[StoredCoding]:
    """Remove and return a document's codings (to re-anchor them on its new text)."""
    found = codings_of_document(conn, document_id)
    if found:
        conn.execute(delete(codings).where(codings.c.document_id == document_id))
    return found


def restore_if_free(conn: Connection, values: dict[str, object]) -> bool:
    """Insert a coding that keeps its uuid unless its coder has the same code on the same
    range already (or the uuid is taken); True if it was inserted."""
    if conn.execute(select(codings.c.id).where(codings.c.uuid == values["uuid"])).first():
        return False
    return _insert_ignoring_duplicate(conn, values)


def restore_codings(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Insert codings that keep their uuid and timestamps (after re-anchoring or undo)."""
    if rows:
        conn.execute(insert(codings), list(rows))


def unanchored_of_document(conn: Connection, document_id: int) -> list[dict[str, Any]]:
    """The unanchored codings of a document (rows as mappings), oldest first."""
    rows = conn.execute(select(unanchored_codings)
                        .where(unanchored_codings.c.document_id == document_id)
                        .order_by(unanchored_codings.c.id)).mappings().all()
    return [dict(r) for r in rows]


def unanchored_rows(conn: Connection, uuids: Sequence[str] | None = None,
                    document_id: int | None = None) -> list[dict[str, Any]]:
    """Unanchored codings (all, or those with these uuids / of this document)."""
    stmt = select(unanchored_codings).order_by(unanchored_codings.c.id)
    if uuids is not None:
        stmt = stmt.where(unanchored_codings.c.uuid.in_(list(uuids)))
    if document_id is not None:
        stmt = stmt.where(unanchored_codings.c.document_id == document_id)
    return [dict(r) for r in conn.execute(stmt).mappings().all()]


def drop_unanchored(conn: Connection, uuids: Sequence[str]) -> int:
    """Delete unanchored rows (they were placed again); returns how many."""
    if not uuids:
        return 0
    return int(conn.execute(delete(unanchored_codings)
                            .where(unanchored_codings.c.uuid.in_(list(uuids)))).rowcount)


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
