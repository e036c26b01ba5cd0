"""Place document ranges on the segment table and add their context (retrieval, search).

Shared by :mod:`workbench.analysis.retrieval` and :mod:`workbench.analysis.text_search`:
both end with rows of ``(document, start, end)`` (offsets into the canonical text, end
exclusive) that need the segment, turn, speaker and recall-stop time they lie in, and the
text around them. Vectorised with ``searchsorted`` over one key per (document, offset).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.errors import RetrievalError

IntArray = npt.NDArray[np.int64]

#: Columns the segment table must have (``Project.segments()`` has them).
SEGMENT_COLUMNS = ("document", "turn_index", "segment_index", "speaker", "role", "start",
                   "end", "video_time")


def check_context(context: object) -> Literal["turn"] | int:
    """``"turn"`` or a count of segments ``>= 0``; anything else is refused."""
    if context == "turn":
        return "turn"
    if isinstance(context, (int, np.integer)) and not isinstance(context, bool) and context >= 0:
        return int(context)
    raise RetrievalError(
        f"context={context!r} is not a context; give 'turn' (the whole turns a passage lies "
        "in) or a number N >= 0 (N segments, i.e. sentences, on either side)."
    )


def require_frame(frame: object, columns: tuple[str, ...], what: str, hint: str) -> pd.DataFrame:
    """``frame`` as a DataFrame with ``columns``, or a :class:`RetrievalError` naming ``hint``."""
    if not isinstance(frame, pd.DataFrame):
        raise RetrievalError(f"{what} must be a pandas DataFrame ({hint}), got "
                             f"{type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RetrievalError(f"{what} has no column(s) {', '.join(missing)}; pass {hint}.")
    return frame


@dataclass(frozen=True)
class SegmentIndex:
    """The segment table sorted by (document, start), with one integer key per offset.

    ``key(document, offset) = code(document) * stride + offset``, so one ``searchsorted``
    finds segments in every document at once. ``turn_lo``/``turn_hi`` give, per sorted row,
    the rows of the first and last segment of its turn; ``doc_lo``/``doc_hi`` those of its
    document.
    """

    frame: pd.DataFrame
    codes: dict[str, int]
    stride: int
    start_key: IntArray
    end_key: IntArray
    doc_lo: IntArray
    doc_hi: IntArray
    turn_lo: IntArray
    turn_hi: IntArray

    @classmethod
    def build(cls, segments: pd.DataFrame) -> SegmentIndex:
        segments = require_frame(segments, SEGMENT_COLUMNS, "the segments frame",
                                 "project.segments(), with a 'document' column")
        frame = segments.sort_values(["document", "start"], kind="stable").reset_index(drop=True)
        names = list(dict.fromkeys(frame["document"].astype(str)))
        codes = {name: i for i, name in enumerate(names)}
        doc = frame["document"].astype(str).map(codes).to_numpy(np.int64)
        end = frame["end"].to_numpy(np.int64)
        stride = int(end.max()) + 2 if len(end) else 2
        start_key = doc * stride + frame["start"].to_numpy(np.int64)
        end_key = doc * stride + end
        rows = np.arange(len(frame), dtype=np.int64)
        by_doc = pd.Series(rows).groupby(doc)
        doc_lo = by_doc.transform("min").to_numpy(np.int64)
        doc_hi = by_doc.transform("max").to_numpy(np.int64)
        by_turn = pd.Series(rows).groupby([doc, frame["turn_index"].to_numpy(np.int64)])
        turn_lo = by_turn.transform("min").to_numpy(np.int64)
        turn_hi = by_turn.transform("max").to_numpy(np.int64)
        return cls(frame, codes, stride, start_key, end_key, doc_lo, doc_hi, turn_lo, turn_hi)

    def doc_codes(self, documents: pd.Series) -> IntArray:
        """The integer code of each document name (an unknown name is refused)."""
        names = documents.astype(str)
        unknown = sorted(set(names) - set(self.codes))
        if unknown:
            raise RetrievalError(
                f"no segments for document(s) {', '.join(map(repr, unknown[:5]))}; pass the "
                "segments of every document the ranges are in (project.segments())."
            )
        return names.map(self.codes).to_numpy(np.int64)

    def locate(self, documents: pd.Series, starts: IntArray,
               ends: IntArray) -> tuple[IntArray, IntArray]:
        """Sorted rows of the first and last segment each range touches (shares a character
        with). A range between segments (only a speaker label or white space) is placed on
        the next segment of its document, or the last one when none follows."""
        doc = self.doc_codes(documents)
        if not len(self.frame):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        first = np.searchsorted(self.end_key, doc * self.stride + starts, side="right")
        last = np.searchsorted(self.start_key, doc * self.stride + ends, side="left") - 1
        # clamp into the range's own document: every document here has at least one segment
        lo = self.doc_lo[np.clip(np.searchsorted(self.start_key, doc * self.stride, "left"),
                                 0, len(self.frame) - 1)]
        hi = self.doc_hi[lo]
        first = np.clip(first, lo, hi)
        last = np.clip(last, lo, hi)
        last = np.maximum(last, first)
        return first.astype(np.int64), last.astype(np.int64)


def describe_rows(index: SegmentIndex, documents: pd.Series, starts: IntArray, ends: IntArray,
                  texts: Mapping[str, str], context: str | int) -> pd.DataFrame:
    """Per range: its text and where it lies (segment, turn, speaker, role, recall-stop
    time of its first segment) and its context.

    Columns: ``text``, ``turn_index``, ``segment_index`` and ``last_segment`` (document
    segment indexes of the first and last segment touched), ``speaker``, ``role``,
    ``video_time``, ``context`` (the text of the whole turns the range touches for
    ``context="turn"``; for ``N`` the text from the N-th segment before the first one
    touched to the N-th after the last one, within the document, speaker labels and
    recall-stop lines in between included), ``context_start``, ``context_end`` (its
    offsets, so ``start - context_start`` is where the range begins in ``context``).
    """
    first, last = index.locate(documents, starts, ends)
    seg = index.frame
    if context == "turn":
        lo, hi = index.turn_lo[first], index.turn_hi[last]
    else:
        n = int(context)
        lo = np.maximum(first - n, index.doc_lo[first])
        hi = np.minimum(last + n, index.doc_hi[first])
    seg_start = seg["start"].to_numpy(np.int64)
    seg_end = seg["end"].to_numpy(np.int64)
    context_start = np.minimum(seg_start[lo], starts)
    context_end = np.maximum(seg_end[hi], ends)
    names = documents.astype(str).tolist()
    missing = sorted(set(names) - set(texts))
    if missing:
        raise RetrievalError(f"no text for document(s) {', '.join(map(repr, missing[:5]))}; "
                             "pass every document's text (project.document_text(name)).")
    text = [texts[d][a:b] for d, a, b in zip(names, starts.tolist(), ends.tolist(), strict=True)]
    ctx = [texts[d][a:b] for d, a, b in zip(names, context_start.tolist(), context_end.tolist(),
                                              strict=True)]
    return pd.DataFrame({
        "text": text,
        "turn_index": seg["turn_index"].to_numpy(np.int64)[first],
        "segment_index": seg["segment_index"].to_numpy(np.int64)[first],
        "last_segment": seg["segment_index"].to_numpy(np.int64)[last],
        "speaker": seg["speaker"].to_numpy(object)[first],
        "role": seg["role"].to_numpy(object)[first],
        "video_time": seg["video_time"].to_numpy(np.float64)[first],
        "context": ctx,
        "context_start": context_start,
        "context_end": context_end,
    })
