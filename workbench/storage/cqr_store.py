"""CQR domains, core ideas (with ranges and versions) and auditor's comments: the only SQL
for them. Callers run these in one transaction with the audit rows
(:mod:`workbench.storage.audit_log`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from workbench.storage.audit_log import new_id, now
from workbench.storage.schema import (
    codes,
    cqr_audit_comments,
    cqr_core_idea_ranges,
    cqr_core_idea_versions,
    cqr_core_ideas,
    cqr_domain_codes,
    cqr_domains,
    documents,
)

__all__ = [
    "StoredRange",
    "comment_row",
    "comment_rows",
    "core_idea_row",
    "core_idea_rows",
    "core_idea_versions",
    "domain_rows",
    "insert_comment",
    "insert_core_idea",
    "insert_domain",
    "mark_core_idea_deleted",
    "respond_comment",
    "set_domain_codes",
    "update_core_idea",
    "update_domain",
]


@dataclass(frozen=True)
class StoredRange:
    """A range as stored: the document's id and name, offsets, text, coding uuid."""

    document_id: int
    document: str
    start: int
    end: int
    text: str
    coding_uuid: str | None = None

    def as_json(self) -> list[object]:
        """``[document, start, end, coding_uuid]`` (what a version row keeps)."""
        return [self.document, self.start, self.end, self.coding_uuid]


# -- domains ------------------------------------------------------------------------------
def domain_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every listed domain (retired ones too), in position order, with its code keys."""
    rows = [dict(r) for r in conn.execute(
        select(cqr_domains).order_by(cqr_domains.c.position, cqr_domains.c.id)).mappings()]
    links = conn.execute(
        select(cqr_domain_codes.c.domain_id, codes.c.key)
        .join(codes, codes.c.id == cqr_domain_codes.c.code_id)
        .order_by(codes.c.position, codes.c.id)).all()
    by_domain: dict[int, list[str]] = {}
    for domain_id, key in links:
        by_domain.setdefault(int(domain_id), []).append(str(key))
    for row in rows:
        row["codes"] = by_domain.get(int(row["id"]), [])
    return rows


def insert_domain(conn: Connection, *, key: str, name: str, description: str) -> int:
    """Add a listed domain at the end of the list; its id."""
    position = conn.execute(select(func.coalesce(func.max(cqr_domains.c.position), -1))
                            ).scalar()
    return new_id(conn.execute(insert(cqr_domains).values(
        key=key, name=name, description=description, position=int(position or 0) + 1,
        created_at=now())))


def update_domain(conn: Connection, domain_id: int, **values: object) -> None:
    """Change a listed domain's name, description or ``retired_at``."""
    conn.execute(update(cqr_domains).where(cqr_domains.c.id == domain_id).values(**values))


def set_domain_codes(conn: Connection, domain_id: int, code_ids: Sequence[int]) -> None:
    """Replace the codes (categories) of a listed domain."""
    conn.execute(delete(cqr_domain_codes).where(cqr_domain_codes.c.domain_id == domain_id))
    if code_ids:
        conn.execute(insert(cqr_domain_codes),
                     [{"domain_id": domain_id, "code_id": c} for c in dict.fromkeys(code_ids)])


# -- core ideas ---------------------------------------------------------------------------
def _ranges_json(ranges: Sequence[StoredRange]) -> str:
    return json.dumps([r.as_json() for r in ranges])


def _write_ranges(conn: Connection, idea_id: int, ranges: Sequence[StoredRange]) -> None:
    conn.execute(delete(cqr_core_idea_ranges)
                 .where(cqr_core_idea_ranges.c.core_idea_id == idea_id))
    if ranges:
        conn.execute(insert(cqr_core_idea_ranges), [
            {"core_idea_id": idea_id, "document_id": r.document_id, "start": r.start,
             "end": r.end, "text": r.text, "coding_uuid": r.coding_uuid} for r in ranges])


def _write_version(conn: Connection, idea_id: int, version: int, text: str,
                   ranges: Sequence[StoredRange], author: str, at: dt.datetime) -> None:
    conn.execute(insert(cqr_core_idea_versions).values(
        core_idea_id=idea_id, version=version, text=text, ranges=_ranges_json(ranges),
        author=author, at=at))


def insert_core_idea(conn: Connection, *, uuid: str, case_unit: str, case_key: str,
                     domain_key: str, text: str, author: str,
                     ranges: Sequence[StoredRange]) -> int:
    """Store a new core idea (version 1, its ranges and its first version row); its id."""
    at = now()
    idea_id = new_id(conn.execute(insert(cqr_core_ideas).values(
        uuid=uuid, case_unit=case_unit, case_key=case_key, domain_key=domain_key, text=text,
        author=author, version=1, created_at=at, updated_at=at)))
    _write_ranges(conn, idea_id, ranges)
    _write_version(conn, idea_id, 1, text, ranges, author, at)
    return idea_id


def update_core_idea(conn: Connection, idea_id: int, *, text: str, author: str,
                     version: int, ranges: Sequence[StoredRange]) -> None:
    """Store an edit as ``version`` (text, ranges and a version row)."""
    at = now()
    conn.execute(update(cqr_core_ideas).where(cqr_core_ideas.c.id == idea_id)
                 .values(text=text, version=version, updated_at=at))
    _write_ranges(conn, idea_id, ranges)
    _write_version(conn, idea_id, version, text, ranges, author, at)


def mark_core_idea_deleted(conn: Connection, idea_id: int) -> None:
    """Mark a core idea deleted (its versions and ranges stay for the record)."""
    at = now()
    conn.execute(update(cqr_core_ideas).where(cqr_core_ideas.c.id == idea_id)
                 .values(deleted_at=at, updated_at=at))


def _ranges_of(conn: Connection, idea_ids: Sequence[int]) -> dict[int, list[StoredRange]]:
    if not idea_ids:
        return {}
    rows = conn.execute(
        select(cqr_core_idea_ranges.c.core_idea_id, cqr_core_idea_ranges.c.document_id,
               documents.c.name, cqr_core_idea_ranges.c.start, cqr_core_idea_ranges.c.end,
               cqr_core_idea_ranges.c.text, cqr_core_idea_ranges.c.coding_uuid)
        .join(documents, documents.c.id == cqr_core_idea_ranges.c.document_id)
        .where(cqr_core_idea_ranges.c.core_idea_id.in_(list(idea_ids)))
        .order_by(cqr_core_idea_ranges.c.id)).all()
    out: dict[int, list[StoredRange]] = {}
    for row in rows:
        out.setdefault(int(row[0]), []).append(StoredRange(
            int(row[1]), str(row[2]), int(row[3]), int(row[4]), str(row[5]),
            None if row[6] is None else str(row[6])))
    return out


def core_idea_row(conn: Connection, uuid: str, *, lock: bool = False
                  ) -> dict[str, Any] | None:
    """One core idea by uuid (deleted ones too) with its ``ranges``, or None. ``lock``
    takes the row ``FOR UPDATE`` on PostgreSQL (SQLite's write transactions are already
    exclusive), so two edits of one idea take turns instead of both writing version n+1."""
    stmt = select(cqr_core_ideas).where(cqr_core_ideas.c.uuid == uuid)
    if lock:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["ranges"] = _ranges_of(conn, [int(found["id"])]).get(int(found["id"]), [])
    return found


def core_idea_rows(conn: Connection, *, include_deleted: bool = False
                   ) -> list[dict[str, Any]]:
    """Every core idea (oldest first) with its ``ranges``."""
    stmt = select(cqr_core_ideas).order_by(cqr_core_ideas.c.id)
    if not include_deleted:
        stmt = stmt.where(cqr_core_ideas.c.deleted_at.is_(None))
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    ranges = _ranges_of(conn, [int(r["id"]) for r in rows])
    for row in rows:
        row["ranges"] = ranges.get(int(row["id"]), [])
    return rows


def core_idea_versions(conn: Connection, idea_id: int) -> list[dict[str, Any]]:
    """Every version of a core idea, oldest first (``ranges`` decoded)."""
    rows = conn.execute(select(cqr_core_idea_versions)
                        .where(cqr_core_idea_versions.c.core_idea_id == idea_id)
                        .order_by(cqr_core_idea_versions.c.version)).mappings()
    return [{**row, "ranges": json.loads(row["ranges"])} for row in rows]


# -- auditor's comments -------------------------------------------------------------------
def insert_comment(conn: Connection, *, uuid: str, target_kind: str, target_key: str,
                   author: str, text: str) -> None:
    """Store an open comment."""
    conn.execute(insert(cqr_audit_comments).values(
        uuid=uuid, target_kind=target_kind, target_key=target_key, author=author, text=text,
        created_at=now(), status="open"))


def respond_comment(conn: Connection, uuid: str, *, status: str, reason: str,
                    responded_by: str) -> bool:
    """Record the team's answer to an open comment; False when it was not open."""
    return bool(conn.execute(
        update(cqr_audit_comments)
        .where(cqr_audit_comments.c.uuid == uuid, cqr_audit_comments.c.status == "open")
        .values(status=status, reason=reason, responded_by=responded_by,
                responded_at=now())).rowcount)


def comment_row(conn: Connection, uuid: str) -> dict[str, Any] | None:
    """One comment by uuid, or None."""
    row = conn.execute(select(cqr_audit_comments).where(cqr_audit_comments.c.uuid == uuid)
                       ).mappings().first()
    return None if row is None else dict(row)


def comment_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every comment, oldest first."""
    return [dict(r) for r in conn.execute(
        select(cqr_audit_comments).order_by(cqr_audit_comments.c.id)).mappings()]
