"""Retrieve coded passages: a code, or a combination of codes, listed in context.

Pure functions over DataFrames (never imports ``Project``; :mod:`workbench.retrieval` is
the project-level layer). A query is a small tree of frozen dataclasses:

* ``Code("x")`` — every coding of code ``x``.
* ``Or(a, b)`` (``a | b``) — the codings behind ``a`` and those behind ``b``.
* ``And(a, b, within=...)`` (``a & b``: same turn) — the codings behind ``a`` that have a
  coding behind ``b`` *near* them, together with those codings behind ``b`` that have a
  coding behind ``a`` near them. So "X and Y in the same turn" returns the X ranges and
  the Y ranges of the turns holding both.
* ``Not(a, b, within=...)`` (``a - b``: same turn) — "a and not b": the codings behind
  ``a`` that have *no* coding behind ``b`` near them.

*Near* is decided on the segment table (a segment is a sentence inside a turn, or a
whole turn). A range *touches* the segments it shares a character with (a range lying
only on a speaker label or white space is placed on the next segment):

* ``within="turn"`` (the default) — the two ranges touch a common turn (a range that runs
  over several turns is in each of them);
* ``within="segment"`` — they touch a common segment;
* ``within=N`` (an int >= 0) — the segment distance between them is at most N: with
  ``[f1, l1]`` and ``[f2, l2]`` the first and last segment indexes they touch,
  ``max(0, max(f1, f2) - min(l1, l2)) <= N``; ``0`` is the same as ``"segment"``, ``1``
  also accepts neighbouring sentences (which may be in another turn, e.g. the
  interviewer's question before an answer).

Ranges in different documents are never near. With ``same_coder=True`` only codings of
the same coder count as near (for a pooled source: "one coder saw both"); by default any
coder's do.

:func:`retrieve_passages` evaluates a query over a codings frame (one row per coding:
``document``, ``start``, ``end``, ``code``, ``coder``; ``coding_uuid`` when present) and
turns the codings that satisfy it into **passages**: codings of one document whose ranges
overlap (share at least one character) are merged into one passage, ``[min start, max
end)``; ranges that only touch end to start stay separate. Each passage lists the codes,
coders and coding uuids behind it (sorted tuples) and where it lies (see
:func:`~workbench.analysis._passages.describe_rows` for the context columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._passages import (
    SegmentIndex,
    check_context,
    describe_rows,
    require_frame,
)
from workbench.errors import RetrievalError

__all__ = [
    "PASSAGE_COLUMNS",
    "And",
    "Code",
    "Not",
    "Or",
    "Query",
    "Within",
    "query_codes",
    "retrieve_passages",
]

Within: TypeAlias = Literal["turn", "segment"] | int

#: Columns of :func:`retrieve_passages`, in order.
PASSAGE_COLUMNS: tuple[str, ...] = (
    "document", "start", "end", "text", "speaker", "role", "turn_index", "segment_index",
    "last_segment", "video_time", "codes", "coders", "coding_uuids", "n_codings", "context",
    "context_start", "context_end",
)

_CODING_COLUMNS = ("document", "start", "end", "code", "coder")


class _Ops:
    """``&`` (same turn), ``|`` and ``-`` (and not, same turn) between queries."""

    def __and__(self, other: Query) -> And:
        return And(self, other)  # type: ignore[arg-type]

    def __or__(self, other: Query) -> Or:
        return Or(self, other)  # type: ignore[arg-type]

    def __sub__(self, other: Query) -> Not:
        return Not(self, other)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Code(_Ops):
    """Every coding of the code with this key."""

    key: str

    def __str__(self) -> str:
        return self.key


def _within_text(within: Within) -> str:
    if within == "turn":
        return "in the same turn"
    if within == "segment" or within == 0:
        return "in the same segment"
    return f"within {within} segment{'s' if within != 1 else ''}"


@dataclass(frozen=True)
class And(_Ops):
    """The codings behind ``left`` with a coding behind ``right`` near them, and the
    codings behind ``right`` with one behind ``left`` near them (see the module docstring
    for ``within`` and ``same_coder``)."""

    left: Query
    right: Query
    within: Within = "turn"
    same_coder: bool = False

    def __str__(self) -> str:
        who = ", same coder" if self.same_coder else ""
        return f"({self.left} AND {self.right} {_within_text(self.within)}{who})"


@dataclass(frozen=True)
class Not(_Ops):
    """"``left`` and not ``right``": the codings behind ``left`` with no coding behind
    ``right`` near them (see the module docstring for ``within`` and ``same_coder``)."""

    left: Query
    right: Query
    within: Within = "turn"
    same_coder: bool = False

    def __str__(self) -> str:
        who = ", same coder" if self.same_coder else ""
        return f"({self.left} AND NOT {self.right} {_within_text(self.within)}{who})"


@dataclass(frozen=True)
class Or(_Ops):
    """The codings behind ``left`` and those behind ``right``."""

    left: Query
    right: Query

    def __str__(self) -> str:
        return f"({self.left} OR {self.right})"


Query: TypeAlias = Code | And | Not | Or


def query_codes(query: Query) -> list[str]:
    """The code keys a query names, in order of first mention."""
    if isinstance(query, Code):
        return [query.key]
    if isinstance(query, (And, Not, Or)):
        return list(dict.fromkeys([*query_codes(query.left), *query_codes(query.right)]))
    raise RetrievalError(
        f"{query!r} is not a retrieval query; build one from Code('key'), And(a, b), "
        "Or(a, b) and Not(a, b) (or a & b, a | b, a - b)."
    )


def _check_within(within: object) -> Within:
    if within == "turn" or within == "segment":
        return within
    if isinstance(within, (int, np.integer)) and not isinstance(within, bool) and within >= 0:
        return int(within)
    raise RetrievalError(
        f"within={within!r} is not a distance; give 'turn', 'segment' or a number of "
        "segments N >= 0."
    )


BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _has_near(a_group: IntArray, a_first: IntArray, a_last: IntArray, b_group: IntArray,
              b_first: IntArray, b_last: IntArray, n: int) -> BoolArray:
    """For each span ``[a_first, a_last]``: is some ``b`` span of the same group at
    distance ``<= n``, i.e. with ``b_first <= a_last + n`` and ``b_last >= a_first - n``?

    Without pairing: groups are laid apart on one axis (``stride`` > every index + n), the
    ``b`` spans sorted by start, and a running maximum of their ends answers "does any b
    that starts early enough end late enough" with one ``searchsorted``.
    """
    if not len(a_first) or not len(b_first):
        return np.zeros(len(a_first), dtype=bool)
    top = max(int(a_last.max()), int(b_last.max()))
    stride = top + 2 * n + 2
    b_lo = b_group * stride + b_first
    b_hi = b_group * stride + b_last
    order = np.argsort(b_lo, kind="stable")
    b_lo, b_hi = b_lo[order], np.maximum.accumulate(b_hi[order])
    found = np.searchsorted(b_lo, a_group * stride + a_last + n, side="right") - 1
    ok = found >= 0
    reach = np.where(ok, b_hi[np.clip(found, 0, None)], -1)
    return ok & (reach >= a_group * stride + a_first - n)


class _Evaluator:
    """Evaluates a query to the row positions of the codings behind it."""

    def __init__(self, codings: pd.DataFrame, index: SegmentIndex):
        self.codings = codings
        first, last = index.locate(codings["document"], codings["start"].to_numpy(np.int64),
                                   codings["end"].to_numpy(np.int64))
        seg = index.frame
        self.seg_first = seg["segment_index"].to_numpy(np.int64)[first]
        self.seg_last = seg["segment_index"].to_numpy(np.int64)[last]
        self.turn_first = seg["turn_index"].to_numpy(np.int64)[first]
        self.turn_last = seg["turn_index"].to_numpy(np.int64)[last]
        self.doc = index.doc_codes(codings["document"])
        coder_codes, _ = pd.factorize(codings["coder"].astype(str))
        self.coder = coder_codes.astype(np.int64)
        self.code = codings["code"].astype(str).to_numpy(object)

    def run(self, query: Query) -> IntArray:
        if isinstance(query, Code):
            return np.flatnonzero(self.code == query.key).astype(np.int64)
        if isinstance(query, Or):
            return np.union1d(self.run(query.left), self.run(query.right)).astype(np.int64)
        if isinstance(query, (And, Not)):
            within = _check_within(query.within)
            left, right = self.run(query.left), self.run(query.right)
            left_near = self._near(left, right, within, query.same_coder)
            if isinstance(query, Not):
                return left[~left_near]
            right_near = self._near(right, left, within, query.same_coder)
            return np.union1d(left[left_near], right[right_near]).astype(np.int64)
        query_codes(query)  # raises for anything else
        raise AssertionError("unreachable")  # pragma: no cover

    def _near(self, a: IntArray, b: IntArray, within: Within, same_coder: bool) -> BoolArray:
        if within == "turn":
            first, last, n = self.turn_first, self.turn_last, 0
        else:
            first, last = self.seg_first, self.seg_last
            n = 0 if within == "segment" else int(within)
        group = self.doc * (int(self.coder.max()) + 1) + self.coder if same_coder else self.doc
        return _has_near(group[a], first[a], last[a], group[b], first[b], last[b], n)


def _merge(codings: pd.DataFrame) -> pd.DataFrame:
    """Codings of one document whose ranges share a character, merged into passages."""
    frame = codings.sort_values(["document", "start", "end"], kind="stable")
    doc = frame["document"].astype(str).to_numpy(object)
    start = frame["start"].to_numpy(np.int64)
    end = frame["end"].to_numpy(np.int64)
    new_doc = np.ones(len(frame), dtype=bool)
    new_doc[1:] = doc[1:] != doc[:-1]
    # running maximum of ends within a document (a document's ends start after the last's)
    reach = pd.Series(end).groupby(np.cumsum(new_doc)).cummax().to_numpy(np.int64)
    fresh = new_doc.copy()
    fresh[1:] |= start[1:] >= reach[:-1]
    passage = np.cumsum(fresh) - 1
    frame = frame.assign(_passage=passage)
    grouped = frame.groupby("_passage", sort=True)
    uuids = (frame["coding_uuid"] if "coding_uuid" in frame.columns
             else pd.Series([None] * len(frame), index=frame.index, dtype=object))

    def tuples(column: pd.Series) -> npt.NDArray[np.object_]:
        def sorted_set(values: pd.Series) -> tuple[str, ...]:
            return tuple(sorted({str(v) for v in values if isinstance(v, str) and v}))
        return column.groupby(passage).agg(sorted_set).to_numpy(object)

    return pd.DataFrame({
        "document": grouped["document"].first().astype(str).to_numpy(object),
        "start": grouped["start"].min().to_numpy(np.int64),
        "end": grouped["end"].max().to_numpy(np.int64),
        "codes": tuples(frame["code"].astype(str)),
        "coders": tuples(frame["coder"].astype(str)),
        "coding_uuids": tuples(uuids),
        "n_codings": grouped.size().to_numpy(np.int64),
    })


def retrieve_passages(
    codings: pd.DataFrame,
    segments: pd.DataFrame,
    texts: Mapping[str, str],
    query: Query,
    *,
    context: Literal["turn"] | int = "turn",
) -> pd.DataFrame:
    """The passages a query finds, one row per passage, in document and text order.

    ``codings``: one row per coding (``document``, ``start``, ``end``, ``code``, ``coder``,
    and ``coding_uuid`` if it is to be listed), already restricted to the coders and
    documents wanted (a coder, several, everyone pooled, or a consensus layer: the rows
    decide). ``segments``: the segment table of those documents (``Project.segments()``).
    ``texts``: each document's canonical text by name. ``context``: ``"turn"`` (the turns
    the passage touches) or N (segments on either side).

    Columns: :data:`PASSAGE_COLUMNS` (see the module docstring for the query semantics and
    how codings become passages). ``attrs`` state the query (``query``: its text form,
    ``codes``), ``context``, ``documents`` searched (those of ``segments``), ``coders``
    (those of the codings frame) and ``n_codings`` behind the passages.
    """
    require_frame(codings, _CODING_COLUMNS, "the codings frame",
                  "project.codings() or a consensus layer")
    codes = query_codes(query)
    context = check_context(context)
    index = SegmentIndex.build(segments)
    known = codings["document"].astype(str).isin(set(index.codes))
    frame = codings[known].reset_index(drop=True)
    rows = _Evaluator(frame, index).run(query) if len(frame) else np.zeros(0, np.int64)
    behind = frame.iloc[rows]
    if len(behind):
        out = _merge(behind)
        described = describe_rows(index, out["document"], out["start"].to_numpy(np.int64),
                                  out["end"].to_numpy(np.int64), texts, context)
        out = pd.concat([out, described], axis=1)[list(PASSAGE_COLUMNS)]
    else:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in PASSAGE_COLUMNS})
    out.attrs.update({
        "query": str(query), "codes": codes, "context": context,
        "documents": list(index.codes),
        "coders": sorted(set(codings["coder"].astype(str))),
        "n_codings": len(behind),
    })
    return out
