"""Read-side queries that return tidy pandas DataFrames."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, and_, exists, func, select

from workbench.storage.codebook_store import retired_shortcuts
from workbench.storage.schema import (
    audit,
    case_attributes,
    cases,
    codebook_versions,
    coders,
    codes,
    codings,
    documents,
    memos,
    recode_queue,
    segments,
    themes,
    time_marks,
    turns,
    unanchored_codings,
)

__all__ = [
    "CASE_COLUMNS",
    "SEGMENT_COLUMNS",
    "cases_frame",
    "coding_counts",
    "codings_frame",
    "memos_frame",
    "recode_queue_frame",
    "retired_codes_frame",
    "segments_frame",
    "time_marks_frame",
    "turns_frame",
    "unanchored_frame",
]

CASE_COLUMNS = ["dyad", "session", "perspective", "participant", "interview_date", "outcome_group"]
SEGMENT_COLUMNS = [
    "segment_id", "document", "turn_index", "segment_index", "speaker", "role",
    "start", "end", "text", "video_time",
]


def _case_cols() -> list[Any]:
    return [
        cases.c.id.label("case_id"),
        cases.c.dyad,
        cases.c.session,
        cases.c.perspective,
        cases.c.participant,
        cases.c.interview_date,
        cases.c.outcome_group,
    ]


def _with_extra_attributes(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    extra = pd.read_sql(select(case_attributes), conn)
    if not extra.empty and not frame.empty:
        wide = extra.pivot(index="case_id", columns="name", values="value")
        wide = wide[[c for c in wide.columns if c not in frame.columns]]
        frame = frame.merge(wide, left_on="case_id", right_index=True, how="left")
    return frame.drop(columns=["case_id"])


def _filters(
    stmt: Select, documents_: Sequence[str] | None, perspectives: Sequence[str] | None
) -> Select:
    if documents_ is not None:
        stmt = stmt.where(documents.c.name.in_(list(documents_)))
    if perspectives is not None:
        stmt = stmt.where(cases.c.perspective.in_(list(perspectives)))
    return stmt


def cases_frame(conn: Connection) -> pd.DataFrame:
    """One row per document with all case attributes."""
    stmt = select(documents.c.name.label("document"), *_case_cols()).join(
        cases, cases.c.id == documents.c.case_id
    ).order_by(documents.c.name)
    return _with_extra_attributes(conn, pd.read_sql(stmt, conn))


def turns_frame(conn: Connection, document: str) -> pd.DataFrame:
    """The turns of one document in order."""
    stmt = (
        select(turns.c.idx.label("turn_index"), turns.c.speaker, turns.c.role, turns.c.start,
               turns.c.end, turns.c.video_time, turns.c.stop_index)
        .join(documents, documents.c.id == turns.c.document_id)
        .where(documents.c.name == document)
        .order_by(turns.c.idx)
    )
    return pd.read_sql(stmt, conn)


def time_marks_frame(conn: Connection, document: str) -> pd.DataFrame:
    """Every session time of one document, in text order: each timed turn's start
    (``inner`` False) and the time marks inside turns (``inner`` True)."""
    turn_rows = turns_frame(conn, document)
    timed = turn_rows[turn_rows.video_time.notna()]
    starts = pd.DataFrame({"turn_index": timed.turn_index, "position": timed.start,
                           "seconds": timed.video_time, "inner": False})
    stmt = (
        select(time_marks.c.position, time_marks.c.seconds)
        .join(documents, documents.c.id == time_marks.c.document_id)
        .where(documents.c.name == document)
        .order_by(time_marks.c.position)
    )
    inner = pd.read_sql(stmt, conn)
    owner = np.searchsorted(turn_rows.start.to_numpy(), inner.position.to_numpy(), "right") - 1
    inner = inner.assign(turn_index=turn_rows.turn_index.to_numpy()[owner] if len(inner)
                         else np.array([], dtype=np.int64), inner=True)
    out = pd.concat([starts, inner[["turn_index", "position", "seconds", "inner"]]],
                    ignore_index=True)
    out = out.astype({"turn_index": "int64", "position": "int64", "seconds": "float64",
                      "inner": "bool"})
    return out.sort_values("position", kind="stable").reset_index(drop=True)


def segments_frame(
    conn: Connection,
    *,
    documents_: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    perspectives: Sequence[str] | None = None,
    speakers: Sequence[str] | None = None,
    uncoded_by: int | None = None,
    with_attributes: bool = True,
) -> pd.DataFrame:
    """Segments (one row each) with their case attributes, in document order."""
    stmt = (
        select(
            segments.c.id.label("segment_id"),
            documents.c.name.label("document"),
            segments.c.turn_idx.label("turn_index"),
            segments.c.idx.label("segment_index"),
            segments.c.speaker,
            segments.c.role,
            segments.c.start,
            segments.c.end,
            segments.c.text,
            segments.c.video_time,
            *_case_cols(),
        )
        .join(documents, documents.c.id == segments.c.document_id)
        .join(cases, cases.c.id == documents.c.case_id)
        .order_by(documents.c.name, segments.c.idx)
    )
    stmt = _filters(stmt, documents_, perspectives)
    if roles is not None:
        stmt = stmt.where(segments.c.role.in_(list(roles)))
    if speakers is not None:
        stmt = stmt.where(segments.c.speaker.in_(list(speakers)))
    if uncoded_by is not None:
        stmt = stmt.where(
            ~exists().where(and_(codings.c.document_id == segments.c.document_id,
                                 codings.c.coder_id == uncoded_by,
                                 codings.c.start < segments.c.end,
                                 codings.c.end > segments.c.start))
        )
    frame = pd.read_sql(stmt, conn)
    if not with_attributes:
        return frame[SEGMENT_COLUMNS]
    return _with_extra_attributes(conn, frame)


def codings_frame(
    conn: Connection,
    *,
    documents_: Sequence[str] | None = None,
    perspectives: Sequence[str] | None = None,
    coder_names: Sequence[str] | None = None,
    with_attributes: bool = True,
) -> pd.DataFrame:
    """Codings (one row each): the document range, code, theme, coder and case attributes.

    Columns: ``coding_uuid``, ``document``, ``start``, ``end``, ``text``, ``code``,
    ``code_name``, ``parent_code``, ``theme``, ``theme_name``, ``coder``, ``memo``,
    ``codebook_version``, ``made_as``, ``made_as_name``, ``pending_recode``, ``created_at``,
    ``updated_at`` and the case attributes. ``made_as``/``made_as_name`` are the key and name
    the code had in the codebook version the coding was made under (before any rename,
    merge or recode; see :func:`_made_as_then`); ``code``/``code_name`` are what it is now.
    Which segments a coding touches is derived by the caller
    (:mod:`workbench.analysis.overlap`).
    """
    parent = codes.alias("parent")
    made = codes.alias("made_as")
    pending = exists().where(recode_queue.c.coding_uuid == codings.c.uuid,
                             recode_queue.c.resolved_at.is_(None))
    stmt = (
        select(
            codings.c.uuid.label("coding_uuid"),
            documents.c.name.label("document"),
            codings.c.start,
            codings.c.end,
            codings.c.text,
            codes.c.key.label("code"),
            codes.c.name.label("code_name"),
            parent.c.key.label("parent_code"),
            themes.c.key.label("theme"),
            themes.c.name.label("theme_name"),
            coders.c.name.label("coder"),
            codings.c.memo,
            codings.c.codebook_version_id.label("codebook_version"),
            func.coalesce(made.c.id, codes.c.id).label("made_as_row"),
            pending.label("pending_recode"),
            codings.c.created_at,
            codings.c.updated_at,
            *_case_cols(),
        )
        .join(documents, documents.c.id == codings.c.document_id)
        .join(cases, cases.c.id == documents.c.case_id)
        .join(codes, codes.c.id == codings.c.code_id)
        .outerjoin(made, made.c.id == codings.c.made_as_code_id)
        .outerjoin(parent, parent.c.id == codes.c.parent_id)
        .join(themes, themes.c.id == codes.c.theme_id)
        .join(coders, coders.c.id == codings.c.coder_id)
        .order_by(documents.c.name, codings.c.start, codings.c.end, codes.c.position,
                  coders.c.name)
    )
    stmt = _filters(stmt, documents_, perspectives)
    if coder_names is not None:
        stmt = stmt.where(coders.c.name.in_(list(coder_names)))
    frame = pd.read_sql(stmt, conn)
    frame["pending_recode"] = frame["pending_recode"].astype(bool)
    then = _made_as_then(conn, frame[["made_as_row", "codebook_version"]])
    at = frame.columns.get_loc("made_as_row")
    frame = frame.drop(columns=["made_as_row"])
    frame.insert(at, "made_as", then["made_as"].to_numpy())
    frame.insert(at + 1, "made_as_name", then["made_as_name"].to_numpy())
    if not with_attributes:
        return frame.drop(columns=["case_id", *CASE_COLUMNS])
    return _with_extra_attributes(conn, frame)


def _made_as_then(conn: Connection, made: pd.DataFrame) -> pd.DataFrame:
    """The key and name each coding's code had when the coding was made.

    ``made`` holds, per coding, the code row it was made under (``made_as_row``) and its
    codebook version. A rename keeps the code row and changes its key, so the key the row
    had at version ``v`` is found by undoing, newest first, the ``rename_code`` audit events
    of versions after ``v`` (and after the row was created: keys are unique at any time, so
    an event renaming to the row's key then is the row's). The name is the one that key had
    in version ``v``'s stored content. Returns columns ``made_as`` and ``made_as_name``,
    aligned with ``made`` (by position).
    """
    if made.empty:
        return pd.DataFrame({"made_as": pd.Series([], dtype=object),
                             "made_as_name": pd.Series([], dtype=object)})
    made = made.astype("int64")
    pairs = made.drop_duplicates()
    row_ids = [int(i) for i in pairs["made_as_row"].unique()]
    rows = {int(r.id): r for r in conn.execute(
        select(codes.c.id, codes.c.key, codes.c.name, codes.c.first_version_id)
        .where(codes.c.id.in_(row_ids))).all()}
    renames = sorted(
        ((int(d["version"]), str(d["old_key"]), str(d["new_key"]))
         for d in (json.loads(text) for text in conn.execute(
             select(audit.c.detail).where(audit.c.entity == "code",
                                          audit.c.action == "rename_code")).scalars())),
        reverse=True)
    version_ids = [int(v) for v in pairs["codebook_version"].unique()]
    names: dict[int, dict[str, str]] = {}
    for vid, content in conn.execute(select(codebook_versions.c.id, codebook_versions.c.content)
                                     .where(codebook_versions.c.id.in_(version_ids))).all():
        names[int(vid)] = {c["key"]: c["name"] for c in json.loads(content)["codes"]}
    keys, labels = [], []
    for row_id, version in pairs.itertuples(index=False):
        row = rows[int(row_id)]
        key = str(row.key)
        for at, old, new in renames:
            if at <= version or at <= int(row.first_version_id):
                break
            if new == key:
                key = old
        keys.append(key)
        labels.append(names.get(int(version), {}).get(key, str(row.name)))
    pairs = pairs.assign(made_as=keys, made_as_name=labels)
    return made.merge(pairs, on=["made_as_row", "codebook_version"], how="left")[
        ["made_as", "made_as_name"]]


def memos_frame(conn: Connection) -> pd.DataFrame:
    """Memos on the project, documents, segments and codes, oldest first."""
    stmt = (
        select(memos.c.uuid.label("memo_uuid"), coders.c.name.label("coder"),
               memos.c.target_kind, memos.c.target_key, memos.c.text, memos.c.created_at,
               memos.c.updated_at)
        .join(coders, coders.c.id == memos.c.coder_id)
        .order_by(memos.c.id)
    )
    return pd.read_sql(stmt, conn)


def recode_queue_frame(conn: Connection) -> pd.DataFrame:
    """Codings of split codes waiting to be recoded: the passage, its coder, the code it
    was made under and the candidate codes with their definitions."""
    stmt = (
        select(
            recode_queue.c.coding_uuid,
            documents.c.name.label("document"),
            codings.c.start,
            codings.c.end,
            codings.c.text,
            coders.c.name.label("coder"),
            codes.c.key.label("from_code"),
            codes.c.definition.label("from_definition"),
            recode_queue.c.candidates,
            codings.c.memo,
            recode_queue.c.created_at,
        )
        .join(codings, codings.c.uuid == recode_queue.c.coding_uuid)
        .join(documents, documents.c.id == codings.c.document_id)
        .join(coders, coders.c.id == codings.c.coder_id)
        .join(codes, codes.c.id == recode_queue.c.from_code_id)
        .where(recode_queue.c.resolved_at.is_(None))
        .order_by(documents.c.name, codings.c.start, coders.c.name)
    )
    frame = pd.read_sql(stmt, conn)
    definitions = dict(conn.execute(select(codes.c.key, codes.c.definition)).all())
    frame["candidates"] = [json.loads(c) for c in frame["candidates"]]
    frame["candidate_definitions"] = [{k: definitions.get(k, "") for k in c}
                                      for c in frame["candidates"]]
    return frame


def coding_counts(conn: Connection) -> dict[str, int]:
    """Code key -> number of codings (every coder; retired codes included; codes without
    codings left out)."""
    stmt = (select(codes.c.key, func.count(codings.c.id))
            .join(codings, codings.c.code_id == codes.c.id).group_by(codes.c.key))
    return {str(key): int(n) for key, n in conn.execute(stmt).all()}


def retired_codes_frame(conn: Connection) -> pd.DataFrame:
    """Codes taken out of the codebook (retired, merged or split), most recently retired
    first: ``code``, ``code_name``, ``theme``, ``theme_name``, ``definition``,
    ``retired_version``, ``n_codings`` (the codings still on the retired code) and
    ``shortcut`` (the palette shortcut it had when retired, ``""`` for none)."""
    counts = (select(codings.c.code_id, func.count(codings.c.id).label("n"))
              .group_by(codings.c.code_id).subquery())
    stmt = (
        select(
            codes.c.key.label("code"),
            codes.c.name.label("code_name"),
            themes.c.key.label("theme"),
            themes.c.name.label("theme_name"),
            codes.c.definition,
            codes.c.retired_version_id.label("retired_version"),
            func.coalesce(counts.c.n, 0).label("n_codings"),
        )
        .join(themes, themes.c.id == codes.c.theme_id)
        .outerjoin(counts, counts.c.code_id == codes.c.id)
        .where(codes.c.retired_version_id.is_not(None))
        .order_by(codes.c.retired_version_id.desc(), codes.c.key)
    )
    frame = pd.read_sql(stmt, conn)
    frame["retired_version"] = frame["retired_version"].astype("int64")
    frame["n_codings"] = frame["n_codings"].astype("int64")
    shortcuts = retired_shortcuts(conn)
    frame["shortcut"] = [shortcuts.get(str(k), "") for k in frame["code"]]
    return frame


def unanchored_frame(conn: Connection) -> pd.DataFrame:
    """Codings kept aside because an edited transcript no longer holds their text."""
    stmt = (
        select(
            unanchored_codings.c.uuid.label("coding_uuid"),
            documents.c.name.label("document"),
            codes.c.key.label("code"),
            coders.c.name.label("coder"),
            unanchored_codings.c.text,
            unanchored_codings.c.context_before,
            unanchored_codings.c.context_after,
            unanchored_codings.c.memo,
            unanchored_codings.c.reason,
            unanchored_codings.c.unanchored_at,
        )
        .join(documents, documents.c.id == unanchored_codings.c.document_id)
        .join(codes, codes.c.id == unanchored_codings.c.code_id)
        .join(coders, coders.c.id == unanchored_codings.c.coder_id)
        .order_by(unanchored_codings.c.id)
    )
    return pd.read_sql(stmt, conn)
