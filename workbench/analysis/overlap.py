"""Which segments a range coding counts for: the per-segment view of range codings.

A coding is a range ``[start, end)`` of a document's text (``Project.codings()``).
Wherever an analysis works per segment (agreement on segments, summaries, exemplars, the
dual-perspective view, reports), a segment has a code from a coder when a coding of that
coder overlaps it by an :class:`~workbench.model.OverlapRule`: by default any overlap of a
non-space character of the segment (``"any"``); ``"half"``, ``"whole"`` or a share such as
``0.9`` ask for more. Every frame built here carries the rule in ``attrs["overlap_rule"]``.

All functions are vectorised over numpy arrays (no loop over codings): one sorted search
per coding finds the candidate segments, and prefix sums of non-space characters over the
segment texts give each overlap's size.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.errors import SummaryInputError
from workbench.model import OverlapRule

__all__ = ["SEGMENT_VIEW_COLUMNS", "SegmentHits", "segment_hits", "segment_view", "touched_segments"]

IntArray = npt.NDArray[np.int64]

#: Columns the per-segment view takes from the segments frame (``segment_text`` is the
#: segment's ``text``; the coding keeps its own ``text``, ``start`` and ``end``).
SEGMENT_VIEW_COLUMNS: tuple[str, ...] = (
    "segment_id", "turn_index", "segment_index", "speaker", "role", "video_time",
    "segment_text", "segment_start", "segment_end",
)


class SegmentHits(NamedTuple):
    """Pairs (coding row, segment row) where a coding counts for a segment.

    ``coding`` and ``segment`` index the rows (positions) of the frames passed in;
    ``covered`` is the number of the segment's non-space characters the coding covers and
    ``size`` the segment's number of non-space characters.
    """

    coding: IntArray
    segment: IntArray
    covered: IntArray
    size: IntArray


@lru_cache(maxsize=1)
def _space_table() -> npt.NDArray[np.bool_]:
    # every Unicode white-space character lies below U+3001 (U+3000 is the ideographic space)
    return np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


def _nonspace_prefix(texts: list[str]) -> tuple[IntArray, IntArray]:
    """Prefix sums of non-space characters over the texts laid end to end, and offsets."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    table = _space_table()
    space = np.zeros(len(points), bool)
    low = points < len(table)
    space[low] = table[points[low]]
    prefix = np.zeros(len(points) + 1, np.int64)
    np.cumsum(~space, out=prefix[1:])
    return prefix, offsets


def _require(frame: object, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SummaryInputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SummaryInputError(
            f"{what} has no column(s) {', '.join(missing)}; pass project.segments() and "
            "project.codings() (range codings with document, start and end)."
        )
    return frame


def segment_hits(
    segments: pd.DataFrame, codings: pd.DataFrame, rule: OverlapRule | str | float | None = None
) -> SegmentHits:
    """Every (coding, segment) pair where the coding counts for the segment by ``rule``.

    Parameters
    ----------
    segments : DataFrame
        ``document``, ``start``, ``end`` and ``text`` (the segment text, so that
        ``len(text) == end - start``), one row per segment; segments of one document do not
        overlap (as stored segments never do).
    codings : DataFrame
        ``document``, ``start``, ``end``: one row per range coding. Codings of documents
        without segments in ``segments`` count for nothing.
    rule : OverlapRule, name or share
        Default ``"any"``.

    Returns
    -------
    SegmentHits, pairs sorted by coding row, then by segment position in its document.
    """
    rule = OverlapRule.parse(rule)
    _require(segments, ("document", "start", "end", "text"), "segments")
    _require(codings, ("document", "start", "end"), "codings")
    seg_doc, docs = pd.factorize(segments["document"])
    seg_start = segments["start"].to_numpy(np.int64)
    seg_end = segments["end"].to_numpy(np.int64)
    texts = segments["text"].astype(str).tolist()
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    if (lengths != seg_end - seg_start).any():
        bad = int(np.flatnonzero(lengths != seg_end - seg_start)[0])
        raise SummaryInputError(
            f"segments row {bad}: its text has {lengths[bad]} characters but start..end spans "
            f"{seg_end[bad] - seg_start[bad]}; pass the segments frame as project.segments() "
            "returns it."
        )
    order = np.lexsort((seg_start, seg_doc))
    seg_doc, seg_start, seg_end = seg_doc[order], seg_start[order], seg_end[order]
    prefix, offsets = _nonspace_prefix([texts[i] for i in order])
    # documents laid end to end on one axis, one empty position between them
    span = np.zeros(len(docs), np.int64)
    if len(seg_end):
        np.maximum.at(span, seg_doc, seg_end)
    base = np.zeros(len(docs), np.int64)
    if len(docs) > 1:
        np.cumsum(span[:-1] + 1, out=base[1:])
    g_start, g_end = base[seg_doc] + seg_start, base[seg_doc] + seg_end

    coding_doc = pd.Index(docs).get_indexer(codings["document"])
    c_start = codings["start"].to_numpy(np.int64)
    c_end = codings["end"].to_numpy(np.int64)
    known = np.flatnonzero(coding_doc >= 0)
    lo = base[coding_doc[known]] + c_start[known]
    hi = base[coding_doc[known]] + np.minimum(c_end[known], span[coding_doc[known]])
    first = np.searchsorted(g_end, lo, side="right")
    last = np.searchsorted(g_start, hi, side="left")
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    coding_row = np.repeat(known, counts)
    step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    seg_pos = np.repeat(first, counts) + step
    pair_lo = np.maximum(np.repeat(lo, counts), g_start[seg_pos])
    pair_hi = np.minimum(np.repeat(hi, counts), g_end[seg_pos])
    local = offsets[seg_pos] - g_start[seg_pos]
    covered = prefix[pair_hi + local] - prefix[pair_lo + local]
    size = prefix[offsets[seg_pos + 1]] - prefix[offsets[seg_pos]]
    keep = covered >= 1
    if rule.min_share >= 1.0:
        keep &= covered >= size
    elif rule.min_share > 0.0:
        keep &= covered >= rule.min_share * size - 1e-9
    return SegmentHits(coding_row[keep], order[seg_pos[keep]].astype(np.int64),
                       covered[keep], size[keep])


def segment_view(
    segments: pd.DataFrame, codings: pd.DataFrame, rule: OverlapRule | str | float | None = None
) -> pd.DataFrame:
    """Range codings seen per segment: one row per (coding, segment it counts for).

    Each row is the coding's row of ``codings`` (its ``start``, ``end`` and ``text`` stay
    the coding's own) with the segment's columns added: ``segment_id``, ``turn_index``,
    ``segment_index``, ``speaker``, ``role``, ``video_time``, ``segment_text``,
    ``segment_start``, ``segment_end`` (those the segments frame has). A coding across
    three sentences gives three rows; ``attrs["overlap_rule"]`` says which rule counted.
    """
    rule = OverlapRule.parse(rule)
    hits = segment_hits(segments, codings, rule)
    out = codings.iloc[hits.coding].reset_index(drop=True)
    seg = segments.iloc[hits.segment].reset_index(drop=True)
    taken = {"text": "segment_text", "start": "segment_start", "end": "segment_end"}
    for column in SEGMENT_VIEW_COLUMNS:
        source = next((k for k, v in taken.items() if v == column), column)
        if source in seg.columns:
            if column in out.columns:
                out = out.drop(columns=[column])
            out[column] = seg[source].to_numpy()
    out.attrs = {**codings.attrs, "overlap_rule": rule.describe(), "overlap_rule_name": rule.name}
    return out


def touched_segments(segments: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """Per coding row: the first and last ``segment_index`` it touches and how many.

    "Touches" is the ``"any"`` rule: at least one of the segment's non-space characters
    lies in the range. Columns ``first_segment``, ``last_segment`` (``<NA>`` when the range
    touches no segment, e.g. only white space) and ``n_segments``, aligned with
    ``codings``' rows.
    """
    _require(segments, ("segment_index",), "segments")
    hits = segment_hits(segments, codings, "any")
    index = segments["segment_index"].to_numpy(np.int64)[hits.segment]
    n = len(codings)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, -1)
    np.minimum.at(first, hits.coding, index)
    np.maximum.at(last, hits.coding, index)
    count = np.bincount(hits.coding, minlength=n).astype(np.int64)
    none = count == 0
    return pd.DataFrame({
        "first_segment": pd.array(np.where(none, 0, first), dtype="Int64"),
        "last_segment": pd.array(np.where(none, 0, last), dtype="Int64"),
        "n_segments": count,
    }).assign(first_segment=lambda f: f["first_segment"].mask(none),
              last_segment=lambda f: f["last_segment"].mask(none))
