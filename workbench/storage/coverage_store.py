"""Coder coverage of documents and named reliability rounds (the only SQL for them)."""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from workbench.storage.audit_log import now
from workbench.storage.schema import (
    coder_coverage,
    coders,
    documents,
    reliability_rounds,
    segments,
)

__all__ = [
    "coverage_frame",
    "coverage_row",
    "n_segments",
    "note_visit",
    "read_round",
    "round_names",
    "write_coverage",
    "write_round",
]


def coverage_row(conn: Connection, *, coder_id: int, document_id: int
                 ) -> tuple[str, int | None, str] | None:
    """``(status, furthest_idx, note)`` of one coder on one document, or None."""
    row = conn.execute(
        select(coder_coverage.c.status, coder_coverage.c.furthest_idx, coder_coverage.c.note)
        .where(coder_coverage.c.coder_id == coder_id,
               coder_coverage.c.document_id == document_id)
    ).first()
    if row is None:
        return None
    return str(row[0]), None if row[1] is None else int(row[1]), str(row[2])


def note_visit(conn: Connection, *, coder_id: int, document_id: int, segment_idx: int) -> None:
    """Raise the furthest segment index a coder reached (status unchanged; new rows start
    as ``not_started``)."""
    changed = conn.execute(
        update(coder_coverage)
        .where(coder_coverage.c.coder_id == coder_id,
               coder_coverage.c.document_id == document_id)
        .values(furthest_idx=func.coalesce(
            func.max(coder_coverage.c.furthest_idx, segment_idx)
            if conn.dialect.name == "sqlite"
            else func.greatest(coder_coverage.c.furthest_idx, segment_idx), segment_idx))
    ).rowcount
    if not changed:
        conn.execute(insert(coder_coverage).values(
            coder_id=coder_id, document_id=document_id, status="not_started",
            furthest_idx=segment_idx, note="", updated_at=now()))


def write_coverage(conn: Connection, *, coder_id: int, document_id: int, status: str,
                   note: str) -> None:
    """Set a coder's status on a document (keeping the furthest index)."""
    changed = conn.execute(
        update(coder_coverage)
        .where(coder_coverage.c.coder_id == coder_id,
               coder_coverage.c.document_id == document_id)
        .values(status=status, note=note, updated_at=now())
    ).rowcount
    if not changed:
        conn.execute(insert(coder_coverage).values(
            coder_id=coder_id, document_id=document_id, status=status, furthest_idx=None,
            note=note, updated_at=now()))


def n_segments(conn: Connection, document_id: int) -> int:
    """Number of segments of a document."""
    return int(conn.execute(select(func.count()).select_from(segments)
                            .where(segments.c.document_id == document_id)).scalar() or 0)


def coverage_frame(conn: Connection) -> pd.DataFrame:
    """Every stored coverage row: coder, document, status, furthest_idx, note, updated_at."""
    rows = conn.execute(
        select(coders.c.name.label("coder"), documents.c.name.label("document"),
               coder_coverage.c.status, coder_coverage.c.furthest_idx, coder_coverage.c.note,
               coder_coverage.c.updated_at)
        .join(coders, coders.c.id == coder_coverage.c.coder_id)
        .join(documents, documents.c.id == coder_coverage.c.document_id)
        .order_by(coders.c.name, documents.c.name)
    ).all()
    return pd.DataFrame(rows, columns=["coder", "document", "status", "furthest_idx", "note",
                                       "updated_at"])


def write_round(conn: Connection, name: str, coder_names: list[str],
                document_names: list[str]) -> bool:
    """Store or replace a round; True when it replaced an existing one."""
    values = {"coders": json.dumps(coder_names), "documents": json.dumps(document_names)}
    changed = conn.execute(update(reliability_rounds)
                           .where(reliability_rounds.c.name == name).values(**values)).rowcount
    if not changed:
        conn.execute(insert(reliability_rounds).values(name=name, created_at=now(), **values))
    return bool(changed)


def read_round(conn: Connection, name: str) -> tuple[list[str], list[str]] | None:
    """``(coders, documents)`` of a stored round, or None."""
    row = conn.execute(select(reliability_rounds.c.coders, reliability_rounds.c.documents)
                       .where(reliability_rounds.c.name == name)).first()
    if row is None:
        return None
    return list(json.loads(row[0])), list(json.loads(row[1]))


def round_names(conn: Connection) -> pd.DataFrame:
    """Every stored round: name, coders, documents, created_at."""
    rows = conn.execute(select(reliability_rounds.c.name, reliability_rounds.c.coders,
                               reliability_rounds.c.documents, reliability_rounds.c.created_at)
                        .order_by(reliability_rounds.c.name)).all()
    return pd.DataFrame(
        [(r[0], json.loads(r[1]), json.loads(r[2]), r[3]) for r in rows],
        columns=["name", "coders", "documents", "created_at"])
