"""One transcript loaded for one coder: the cache behind fast coding moves.

:meth:`CodingDocument.load` reads a document's segments, turns and text and the coder's
codings of it (and, for the reviewer view, everyone else's) through
:class:`workbench.Project`, once. The controller then keeps :attr:`CodingDocument.mine`
up to date as it codes, so moving and rendering never query the database again.
"""

from __future__ import annotations

from dataclasses import dataclass

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

__all__ = ["CodingDocument", "Mine", "Others", "SegmentContext"]

Mine = dict[int, dict[str, tuple[str, str]]]
"""segment id -> code key -> (coding uuid, memo), for one coder."""
Others = dict[int, dict[str, list[str]]]
"""segment id -> code key -> names of the other coders who applied it."""


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
        mine: Mine,
        others: Others | None = None,
    ) -> None:
        self.name = name
        self.segments = segments
        self.turns = turns
        self.text = text
        self.mine = mine
        self.others: Others = others or {}

    @classmethod
    def load(cls, project: Project, name: str, coder: str, *, reviewer: bool) -> CodingDocument:
        """Read ``name`` and ``coder``'s codings of it (everyone's too when ``reviewer``)."""
        segments = segment_records(project.segments(document=name, with_attributes=False))
        doc = cls(name, segments, turn_records(project.turns(name)),
                  project.document_text(name), _mine(project, name, coder))
        if reviewer:
            doc.load_others(project, coder)
        return doc

    def load_others(self, project: Project, coder: str) -> None:
        """Read the other coders' codings of this document (for the reviewer view)."""
        frame = project.codings(document=self.name, with_attributes=False)
        others: Others = {}
        for row in frame.itertuples(index=False):
            if row.coder != coder:
                others.setdefault(int(row.segment_id), {}).setdefault(
                    str(row.code), []).append(str(row.coder))
        self.others = others

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

    def _turn_views(self, indexes: range) -> tuple[TurnView, ...]:
        return tuple(turn_view(self.turns[i], self.text) for i in indexes if i in self.turns)


def _mine(project: Project, document: str, coder: str) -> Mine:
    frame = project.codings(coder=coder, document=document, with_attributes=False)
    mine: Mine = {}
    for row in frame.itertuples(index=False):
        mine.setdefault(int(row.segment_id), {})[str(row.code)] = (
            str(row.coding_uuid), str(row.memo))
    return mine
