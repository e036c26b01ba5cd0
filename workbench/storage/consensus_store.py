"""Consensus decisions (the only SQL for them): insert, supersede, read current and history.

Rows are never updated except to mark a row superseded (``superseded_by``, ``superseded_at``)
by its revision, or, when the document is re-imported with changed text, to move its range
onto the new text (:func:`reanchor_decision`; a range that cannot be placed is set NULL and
marked stale in ``rests_on["stale"]``), and never deleted (a document's removal cascades).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, exists, func, insert, select, update

from workbench.storage.audit_log import new_id
from workbench.storage.schema import (
    coders,
    codes,
    codings,
    consensus_decisions,
    documents,
    recode_queue,
)

__all__ = [
    "DECISION_COLUMNS",
    "any_decision",
    "coding_ranges",
    "current_decision_keys",
    "decision_rows",
    "decisions_frame",
    "decisions_of_document",
    "insert_decision",
    "latest_revision",
    "reanchor_decision",
    "stale_reason",
    "supersede",
    "voting_codings",
]

#: Columns of :func:`decisions_frame`, in order.
DECISION_COLUMNS = ("decision_id", "item_id", "document", "code", "kind", "start", "end",
                    "new_code", "decided_by", "decided_at", "rests_on", "votes", "k",
                    "reason", "revision", "superseded_by", "superseded_at", "stale_reason")


def stale_reason(rests_on: Mapping[str, Any]) -> str:
    """Why a decision's range could not follow a re-import ("" when it did or had none)."""
    stale = rests_on.get("stale")
    return str(stale.get("reason", "")) if isinstance(stale, Mapping) else ""


def insert_decision(conn: Connection, *, item_key: str, document_id: int, code_id: int,
                    kind: str, start: int | None, end: int | None, new_code_id: int | None,
                    decided_by: str, decided_at: dt.datetime, rests_on: Mapping[str, Any],
                    votes: int, of_k: int, reason: str, revision: int) -> int:
    """Store one decision row; returns its id."""
    result = conn.execute(insert(consensus_decisions).values(
        item_key=item_key, document_id=document_id, code_id=code_id, kind=kind, start=start,
        end=end, new_code_id=new_code_id, decided_by=decided_by, decided_at=decided_at,
        rests_on=json.dumps(dict(rests_on), sort_keys=True), votes=votes, of_k=of_k,
        reason=reason, revision=revision))
    return new_id(result)


def supersede(conn: Connection, decision_id: int, by: int, at: dt.datetime) -> bool:
    """Mark a current decision superseded by revision ``by``; False when it was not current
    (another revision came first)."""
    changed = conn.execute(
        update(consensus_decisions)
        .where(consensus_decisions.c.id == decision_id,
               consensus_decisions.c.superseded_by.is_(None))
        .values(superseded_by=by, superseded_at=at)).rowcount
    return bool(changed)


def latest_revision(conn: Connection, item_key: str) -> int:
    """Highest revision stored for an item (0 when none)."""
    value = conn.execute(select(func.max(consensus_decisions.c.revision))
                         .where(consensus_decisions.c.item_key == item_key)).scalar()
    return int(value or 0)


def any_decision(conn: Connection) -> bool:
    """Whether the project holds any current (not superseded) decision."""
    return conn.execute(select(consensus_decisions.c.id)
                        .where(consensus_decisions.c.superseded_by.is_(None)).limit(1)
                        ).first() is not None


def decision_rows(conn: Connection, *, current_only: bool = True,
                  documents_: Sequence[str] | None = None,
                  item_key: str | None = None,
                  decision_id: int | None = None) -> list[tuple[Any, ...]]:
    """Decisions as row tuples (:data:`DECISION_COLUMNS`), oldest first; ``rests_on``
    parsed (what :func:`decisions_frame` holds, without building a frame)."""
    new = codes.alias("new_code")
    stmt = (
        select(consensus_decisions.c.id, consensus_decisions.c.item_key, documents.c.name,
               codes.c.key, consensus_decisions.c.kind, consensus_decisions.c.start,
               consensus_decisions.c.end, new.c.key.label("new_code"),
               consensus_decisions.c.decided_by, consensus_decisions.c.decided_at,
               consensus_decisions.c.rests_on, consensus_decisions.c.votes,
               consensus_decisions.c.of_k, consensus_decisions.c.reason,
               consensus_decisions.c.revision, consensus_decisions.c.superseded_by,
               consensus_decisions.c.superseded_at)
        .join(documents, documents.c.id == consensus_decisions.c.document_id)
        .join(codes, codes.c.id == consensus_decisions.c.code_id)
        .outerjoin(new, new.c.id == consensus_decisions.c.new_code_id)
        .order_by(consensus_decisions.c.id)
    )
    if current_only:
        stmt = stmt.where(consensus_decisions.c.superseded_by.is_(None))
    if documents_ is not None:
        stmt = stmt.where(documents.c.name.in_(list(documents_)))
    if item_key is not None:
        stmt = stmt.where(consensus_decisions.c.item_key == item_key)
    if decision_id is not None:
        stmt = stmt.where(consensus_decisions.c.id == decision_id)
    rests = DECISION_COLUMNS.index("rests_on")
    out = []
    for row in conn.execute(stmt).all():
        parsed = json.loads(row[rests])
        out.append((*row[:rests], parsed, *row[rests + 1:], stale_reason(parsed)))
    return out


def decisions_frame(conn: Connection, *, current_only: bool = True,
                    documents_: Sequence[str] | None = None,
                    item_key: str | None = None,
                    decision_id: int | None = None) -> pd.DataFrame:
    """Decisions as a frame (:data:`DECISION_COLUMNS`), oldest first; ``rests_on`` parsed."""
    rows = decision_rows(conn, current_only=current_only, documents_=documents_,
                         item_key=item_key, decision_id=decision_id)
    frame = pd.DataFrame(rows, columns=list(DECISION_COLUMNS))
    for column in ("start", "end", "superseded_by"):
        frame[column] = frame[column].astype("Int64")
    return frame


def coding_ranges(conn: Connection, uuids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``uuid -> (start, end)`` of those of ``uuids`` that are codings now."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in range(0, len(uuids), 500):
        rows = conn.execute(select(codings.c.uuid, codings.c.start, codings.c.end)
                            .where(codings.c.uuid.in_(list(uuids[chunk:chunk + 500]))))
        found.update({str(r.uuid): (int(r.start), int(r.end)) for r in rows})
    return found


def voting_codings(conn: Connection, *, documents_: Sequence[str],
                   coder_names: Sequence[str],
                   code_keys: Sequence[str] | None = None) -> pd.DataFrame:
    """What the consensus items need of the codings, in one query (no segment or case
    columns): ``coding_uuid``, ``document``, ``code``, ``coder``, ``start``, ``end``,
    ``pending_recode``, unordered; ``code_keys`` narrows it to those codes."""
    pending = exists().where(recode_queue.c.coding_uuid == codings.c.uuid,
                             recode_queue.c.resolved_at.is_(None))
    stmt = (
        select(codings.c.uuid, documents.c.name, codes.c.key, coders.c.name,
               codings.c.start, codings.c.end, pending)
        .join(documents, documents.c.id == codings.c.document_id)
        .join(codes, codes.c.id == codings.c.code_id)
        .join(coders, coders.c.id == codings.c.coder_id)
        .where(documents.c.name.in_(list(documents_)), coders.c.name.in_(list(coder_names)))
    )
    if code_keys is not None:
        stmt = stmt.where(codes.c.key.in_(list(code_keys)))
    rows = [tuple(row) for row in conn.execute(stmt).all()]
    frame = pd.DataFrame(rows, columns=["coding_uuid", "document", "code", "coder", "start",
                                        "end", "pending_recode"])
    frame["start"] = frame["start"].astype("int64")
    frame["end"] = frame["end"].astype("int64")
    frame["pending_recode"] = frame["pending_recode"].astype(bool)
    return frame


def current_decision_keys(conn: Connection, *, documents_: Sequence[str]
                          ) -> dict[str, tuple[int, str, bool]]:
    """Item key -> (decision id, decided by, stale) of the current decisions on
    ``documents_``: one lean query (no JSON parsed), for a view that checks on every key
    what others settled. ``stale``: a re-import could not place the decision's range."""
    marked = consensus_decisions.c.rests_on.like('%"stale": {%')  # json.dumps of rests_on
    stmt = (
        select(consensus_decisions.c.item_key, consensus_decisions.c.id,
               consensus_decisions.c.decided_by, marked)
        .join(documents, documents.c.id == consensus_decisions.c.document_id)
        .where(consensus_decisions.c.superseded_by.is_(None),
               documents.c.name.in_(list(documents_)))
    )
    return {str(key): (int(id_), str(who), bool(stale))
            for key, id_, who, stale in conn.execute(stmt).all()}


def decisions_of_document(conn: Connection, document_id: int) -> list[dict[str, Any]]:
    """Every decision row of a document (current and superseded): ``id``, ``start``,
    ``end``, ``rests_on`` (parsed), oldest first; what a re-import re-anchors."""
    stmt = (select(consensus_decisions.c.id, consensus_decisions.c.start,
                   consensus_decisions.c.end, consensus_decisions.c.rests_on)
            .where(consensus_decisions.c.document_id == document_id)
            .order_by(consensus_decisions.c.id))
    return [{"id": int(id_), "start": None if start is None else int(start),
             "end": None if end is None else int(end), "rests_on": json.loads(rests)}
            for id_, start, end, rests in conn.execute(stmt).all()]


def reanchor_decision(conn: Connection, decision_id: int, *, start: int | None,
                      end: int | None, rests_on: Mapping[str, Any]) -> None:
    """Move a decision's range onto a re-imported text (None, None: it could not be placed,
    ``rests_on["stale"]`` says why) and store the codings' new offsets in ``rests_on``."""
    conn.execute(update(consensus_decisions).where(consensus_decisions.c.id == decision_id)
                 .values(start=start, end=end,
                         rests_on=json.dumps(dict(rests_on), sort_keys=True)))
