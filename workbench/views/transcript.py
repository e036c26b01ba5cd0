"""The transcript view's data and the coder's text selection: pure functions, no widgets.

A selection is a range of the document text the coder marked (with the mouse, or with
``Shift`` + arrows) to code instead of the current sentence. It is kept as an *anchor* (where
it began) and a *focus* (the end that moves), like a browser's selection, and always stays
inside one speaker turn, the turn its anchor lies in: the text between turns holds speaker
labels and recall-stop markers, which are not the participant's words (code a passage
across turns with :meth:`workbench.Project.apply_range`).

The range coded is :meth:`Selection.range`: anchor and focus in order, snapped to whole
words (:func:`snap_to_words`): a start inside a word moves left to the word's first
character, an end inside a word moves right to its last; spaces at either end are dropped;
punctuation the coder included stays (``"nervous."``), punctuation merely touching the range
does not. A word is a run of letters and digits, joined by inner apostrophes or hyphens
(``don't``, ``self-critical``).

:func:`turn_rows`, :func:`coding_rows`, :func:`unit_rows` and :func:`code_key_rows` build the
plain rows the transcript widget shows (and predicts a key's effect from).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from workbench.model import Code, Codebook, format_video_time
from workbench.views.coding_document import RangeRef
from workbench.views.coding_state import SegmentRecord, TurnRecord

__all__ = [
    "Direction",
    "Selection",
    "code_key_rows",
    "coding_rows",
    "extend",
    "snap_to_words",
    "turn_rows",
    "unit_rows",
    "word_spans",
]

_WORD = re.compile(r"\w+(?:['’\-]\w+)*")
Direction = Literal["left", "right", "up", "down"]


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of every word of ``text[start:end]`` (document offsets)."""
    stop = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, stop)]


def snap_to_words(text: str, start: int, end: int, lo: int = 0,
                  hi: int | None = None) -> tuple[int, int]:
    """``[start, end)`` widened to whole words and stripped of spaces, inside ``[lo, hi)``.

    Returns ``(s, s)`` (empty) when the range holds no visible character.
    """
    hi = len(text) if hi is None else hi
    start, end = max(lo, min(start, end)), min(hi, max(start, end))
    if start >= end:
        return (start, start)
    for w_start, w_end in word_spans(text, lo, hi):
        if w_start < start < w_end:
            start = w_start
        if w_start < end < w_end:
            end = w_end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end)


@dataclass(frozen=True)
class Selection:
    """The coder's selection in one document: ``anchor`` and ``focus`` offsets inside the
    turn ``[turn_start, turn_end)``, for the document text whose hash is ``sha256``."""

    document: str
    sha256: str
    anchor: int
    focus: int
    turn_start: int
    turn_end: int

    def range(self, text: str) -> tuple[int, int]:
        """The range coded: anchor to focus, snapped to whole words (may be empty)."""
        return snap_to_words(text, self.anchor, self.focus, self.turn_start, self.turn_end)


def extend(selection: Selection, text: str, direction: Direction,
           segments: Iterable[SegmentRecord]) -> Selection:
    """Move the selection's focus by a word (``"left"``/``"right"``) or a sentence
    (``"up"``/``"down"``), never out of its turn.

    Right moves the focus to the end of the next word, left to the start of the previous
    word; down moves it to the end of the next sentence (segment), up to the start of the
    previous one. At the turn's edge the focus stays.
    """
    lo, hi, focus = selection.turn_start, selection.turn_end, selection.focus
    if direction in ("left", "right"):
        spans = word_spans(text, lo, hi)
        if direction == "right":
            ends = [e for _s, e in spans if e > focus]
            focus = ends[0] if ends else focus
        else:
            starts = [s for s, _e in spans if s < focus]
            focus = starts[-1] if starts else focus
    else:
        inside = [(s.start, s.end) for s in segments if s.start < hi and lo < s.end]
        if direction == "down":
            ends = [min(e, hi) for _s, e in inside if min(e, hi) > focus]
            focus = ends[0] if ends else focus
        else:
            starts = [max(s, lo) for s, _e in inside if max(s, lo) < focus]
            focus = starts[-1] if starts else focus
    return Selection(selection.document, selection.sha256, selection.anchor, focus, lo, hi)


def turn_rows(turns: Mapping[int, TurnRecord]) -> list[list[object]]:
    """One row per turn, in order: ``[index, speaker, role, stop, start, end]``, where
    ``stop`` is the recall-stop time (``"00:01:10"``) on the first turn of each stop and
    ``""`` on the others."""
    rows: list[list[object]] = []
    last: float | None = None
    for index in sorted(turns):
        turn = turns[index]
        stop = ""
        if turn.video_time is not None and turn.video_time != last:
            stop = format_video_time(turn.video_time)
        last = turn.video_time
        rows.append([turn.index, turn.speaker, turn.role, stop, turn.start, turn.end])
    return rows


def coding_rows(ranges: Mapping[str, RangeRef], codebook: Codebook) -> list[list[object]]:
    """One row per coding (uuid -> range), ordered by start: ``[start, end, colour, code
    name, uuid, code key, ids of the segments it touches]`` (a code no longer in the
    codebook shows grey under its key)."""
    codes = {c.key: c for c in codebook.codes}
    rows: list[list[object]] = []
    for uuid, ref in sorted(ranges.items(), key=lambda kv: (kv[1].start, kv[1].end, kv[0])):
        key = ref.code
        code = codes.get(key)
        rows.append([ref.start, ref.end, _colour(code), code.name if code is not None else key,
                     uuid, key, list(ref.segment_ids)])
    return rows


def unit_rows(segments: Iterable[SegmentRecord]) -> list[list[int]]:
    """``[start, end, segment id]`` of each segment, in the order given (the visible ones:
    what the move keys go through)."""
    return [[s.start, s.end, s.id] for s in segments]


def code_key_rows(codebook: Codebook) -> list[list[str]]:
    """What the digit keys toggle: ``[code key, colour, name]`` of the codebook's first ten
    codes (key ``1`` the first, ``0`` the tenth), as :meth:`CodingController.code_key`
    reads a digit; the palette's codes are not here."""
    return [[c.key, _colour(c), c.name] for c in list(codebook.codes)[:10]]


def _colour(code: Code | None) -> str:
    return code.colour if code is not None and _HEX.match(code.colour or "") else "#777777"


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
