"""One transcript loaded for one coder: the cache behind fast coding moves.

:meth:`CodingDocument.load` reads a document's segments, turns, text and content hash and
the coder's codings of it (and, for the reviewer view, everyone else's) through
:class:`workbench.Project`, once. A coding is a range of the text; the panel shows it on
every segment it touches (any overlap of a non-space character), so
:attr:`CodingDocument.mine` is derived from :attr:`CodingDocument.ranges` (uuid -> range)
and kept up to date as the controller codes: moving and rendering never query the
database again. The content hash goes with every coding action, so a document re-imported
meanwhile is refused instead of coded at the wrong place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis.overlap import segment_hits
from workbench.model import format_video_time
from workbench.project import Project
from workbench.views.coding_state import (
    SegmentRecord,
    TurnRecord,
    TurnView,
    segment_records,
    turn_records,
    turn_view,
)

__all__ = ["CodingDocument", "Mine", "OtherRange", "Others", "RangeRef", "SegmentContext"]

Mine = dict[int, dict[str, tuple[str, str]]]
"""segment id -> code key -> (coding uuid, memo), for one coder."""
Others = dict[int, dict[str, list[str]]]
"""segment id -> code key -> names of the other coders who applied it."""


@dataclass(frozen=True)
class RangeRef:
    """One of this coder's codings: its code, range, memo and the segments it touches
    (by id)."""

    code: str
    start: int
    end: int
    memo: str
    segment_ids: tuple[int, ...]


@dataclass(frozen=True)
class OtherRange:
    """Another coder's coding, shown (never changed) in the reviewer view."""

    coder: str
    code: str
    start: int
    end: int


@dataclass(frozen=True)
class SegmentContext:
    """A segment inside its turn (``before + highlight + after == turn.text``) and the
    turns around it."""

    turn: TurnView
    before: str
    highlight: str
    after: str
    context_before: tuple[TurnView, ...]
    context_after: tuple[TurnView, ...]


class CodingDocument:
    """Segments, turns and text of one document, with one coder's codings of it."""

    def __init__(
        self,
        name: str,
        segments: tuple[SegmentRecord, ...],
        turns: dict[int, TurnRecord],
        text: str,
        ranges: dict[str, RangeRef],
        others: Others | None = None,
        sha256: str = "",
    ) -> None:
        self.name = name
        self.segments = segments
        self.turns = turns
        self.text = text
        self.sha256 = sha256
        self.ranges: dict[str, RangeRef] = {}
        self.mine: Mine = {}
        for uuid, ref in ranges.items():
            self.add_range(uuid, ref)
        self.others: Others = others or {}
        self.other_ranges: dict[str, OtherRange] = {}
        """uuid -> the other coders' codings (the reviewer view; empty otherwise)."""
        self.others_read = 0
        """How many times the other coders' codings were read or cleared (a view compares
        it to know when to send them again)."""

    @classmethod
    def load(cls, project: Project, name: str, coder: str, *, reviewer: bool) -> CodingDocument:
        """Read ``name`` and ``coder``'s codings of it (everyone's too when ``reviewer``)."""
        frame = project.segments(document=name, with_attributes=False)
        segments = segment_records(frame)
        codings = project.codings(coder=coder, document=name, with_attributes=False)
        doc = cls(name, segments, turn_records(project.turns(name)), project.document_text(name),
                  _ranges(frame, codings), sha256=project.document_sha256(name))
        if reviewer:
            doc.load_others(project, coder)
        return doc

    def load_others(self, project: Project, coder: str) -> None:
        """Read the other coders' codings of this document (for the reviewer view): who
        applied which code on each segment (:attr:`others`) and their ranges
        (:attr:`other_ranges`)."""
        frame = project.codings(document=self.name, with_attributes=False)
        frame = frame[frame["coder"] != coder].reset_index(drop=True)
        self.other_ranges = {
            str(r.coding_uuid): OtherRange(str(r.coder), str(r.code), int(r.start), int(r.end))
            for r in frame.itertuples(index=False)}
        self.others_read += 1
        segs = pd.DataFrame({
            "document": self.name, "start": [s.start for s in self.segments],
            "end": [s.end for s in self.segments], "text": [s.text for s in self.segments]})
        hits = segment_hits(segs, frame, "any")
        others: Others = {}
        for row, seg in zip(hits.coding, hits.segment, strict=True):
            names = others.setdefault(self.segments[int(seg)].id, {}).setdefault(
                str(frame["code"].iat[row]), [])
            name = str(frame["coder"].iat[row])
            if name not in names:
                names.append(name)
        self.others = others

    def clear_others(self) -> None:
        """Stop showing the other coders' codings (the reviewer view closed)."""
        self.others = {}
        self.other_ranges = {}
        self.others_read += 1

    @functools.cached_property
    def turn_bounds(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of every turn's text, in order (what a selection keeps its ends
        in; labels and stop markers lie between)."""
        return tuple(sorted((t.start, t.end) for t in self.turns.values()))

    # -- this coder's codings ------------------------------------------------------------
    def segments_touched(self, start: int, end: int) -> tuple[int, ...]:
        """Ids of the segments with a non-space character in ``[start, end)``."""
        return tuple(seg.id for seg in self.segments
                     if seg.start < end and start < seg.end
                     and self.text[max(seg.start, start):min(seg.end, end)].strip())

    def add_range(self, uuid: str, ref: RangeRef) -> None:
        """Show a coding of this coder on the segments it touches."""
        self.ranges[uuid] = ref
        for segment_id in ref.segment_ids:
            self.mine.setdefault(segment_id, {}).setdefault(ref.code, (uuid, ref.memo))

    def drop_range(self, uuid: str) -> RangeRef | None:
        """Stop showing a coding; another coding of the same code on a segment shows
        instead."""
        ref = self.ranges.pop(uuid, None)
        if ref is None:
            return None
        for segment_id in ref.segment_ids:
            codes = self.mine.get(segment_id, {})
            if codes.get(ref.code, ("",))[0] == uuid:
                del codes[ref.code]
                for other_uuid, other in self.ranges.items():
                    if other.code == ref.code and segment_id in other.segment_ids:
                        codes[ref.code] = (other_uuid, other.memo)
                        break
            if not codes:
                self.mine.pop(segment_id, None)
        return ref

    def set_range_memo(self, uuid: str, memo: str) -> None:
        """Update the memo shown for a coding."""
        ref = self.ranges[uuid]
        self.drop_range(uuid)
        self.add_range(uuid, RangeRef(ref.code, ref.start, ref.end, memo, ref.segment_ids))

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speakers in order of first appearance."""
        return tuple(dict.fromkeys(seg.speaker for seg in self.segments))

    @property
    def last_index(self) -> int:
        """The highest segment index (-1 for a document without segments)."""
        return self.segments[-1].index if self.segments else -1

    def filtered(self, role: str | None, speaker: str | None) -> list[int]:
        """Positions in :attr:`segments` of the segments with this role and speaker."""
        return [
            i for i, seg in enumerate(self.segments)
            if (role is None or seg.role == role) and (speaker is None or seg.speaker == speaker)
        ]

    def has_index(self, segment_index: int) -> bool:
        """Whether the document has a segment with this index."""
        return any(seg.index == segment_index for seg in self.segments)

    def context(self, segment: SegmentRecord, turns_around: int) -> SegmentContext | None:
        """The segment split inside its turn, with ``turns_around`` turns each side."""
        turn = self.turns.get(segment.turn_index)
        if turn is None:
            return None
        text = self.text
        current = TurnView(turn.index, turn.speaker, turn.role,
                           format_video_time(segment.video_time), text[turn.start:turn.end])
        return SegmentContext(
            turn=current,
            before=text[turn.start:segment.start],
            highlight=text[segment.start:segment.end],
            after=text[segment.end:turn.end],
            context_before=self._turn_views(range(turn.index - turns_around, turn.index)),
            context_after=self._turn_views(range(turn.index + 1, turn.index + 1 + turns_around)),
        )

    def passage(self, start: int, end: int, turns_around: int) -> SegmentContext | None:
        """The range ``[start, end)`` inside the turns it lies in (``before + highlight +
        after`` is their text, speaker and time of the first), with ``turns_around`` turns
        each side; ``None`` when no turn holds it."""
        inside = sorted(i for i, t in self.turns.items() if t.start < end and start < t.end)
        if not inside:
            return None
        first, last = self.turns[inside[0]], self.turns[inside[-1]]
        text = self.text
        begin, stop = min(first.start, start), max(last.end, end)
        return SegmentContext(
            turn=TurnView(first.index, first.speaker, first.role,
                          format_video_time(first.video_time), text[begin:stop]),
            before=text[begin:start], highlight=text[start:end], after=text[end:stop],
            context_before=self._turn_views(range(first.index - turns_around, first.index)),
            context_after=self._turn_views(range(last.index + 1,
                                                 last.index + 1 + turns_around)),
        )

    def _turn_views(self, indexes: range) -> tuple[TurnView, ...]:
        return tuple(turn_view(self.turns[i], self.text) for i in indexes if i in self.turns)


def _ranges(segments: pd.DataFrame, codings: pd.DataFrame) -> dict[str, RangeRef]:
    """uuid -> :class:`RangeRef` for a coder's codings of one document."""
    hits = segment_hits(segments, codings, "any")
    ids = segments["segment_id"].to_numpy(np.int64)
    touched: dict[int, list[int]] = {}
    for row, seg in zip(hits.coding.tolist(), hits.segment.tolist(), strict=True):
        touched.setdefault(row, []).append(int(ids[seg]))
    return {
        str(row.coding_uuid): RangeRef(str(row.code), int(row.start), int(row.end), str(row.memo),
                                       tuple(touched.get(i, ())))
        for i, row in enumerate(codings.itertuples(index=False))
    }
