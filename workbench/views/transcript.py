"""The transcript view's data and the coder's text selection: pure functions, no widgets.

A selection is a range of the document text the coder marked (with the mouse, or with
``Shift`` + arrows) to code instead of the current sentence. It is kept as an *anchor* (where
it began) and a *focus* (the end that moves), like a browser's selection, and may run
across turns (the end of one answer, the interviewer's follow-up and the next answer). The
text between turns holds speaker labels and recall-stop markers, which are not the
speakers' words: a selection's ends are always inside turn text (an end in a label or a
stop marker moves to the nearest turn text inside the selection), and Shift + arrows step
over labels. A selection across turns still holds the labels between its ends, as any
passage coded with :meth:`workbench.Project.apply_range` does.

The range coded is :meth:`Selection.range` (:func:`snap_range`): anchor and focus in order,
each end kept in turn text and snapped to whole words (:func:`snap_to_words`): a start
inside a word moves left to the word's first character, an end inside a word moves right
to its last; spaces at either end are dropped; punctuation the coder included stays
(``"nervous."``), punctuation merely touching the range does not. A word is a run of
letters and digits, joined by inner apostrophes or hyphens (``don't``, ``self-critical``).

:func:`turn_rows`, :func:`coding_rows`, :func:`unit_rows` and :func:`code_key_rows` build the
plain rows the transcript widget shows (and predicts a key's effect from); a coding row
names the other coder whose coding it is in the reviewer view.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from workbench.model import Code, Codebook, format_video_time
from workbench.views.coding_document import OtherRange, RangeRef
from workbench.views.coding_state import SegmentRecord, TurnRecord

__all__ = [
    "Bounds",
    "Direction",
    "Selection",
    "code_key_rows",
    "coding_rows",
    "extend",
    "snap_range",
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


Bounds = tuple[tuple[int, int], ...]
"""``(start, end)`` of the text of every turn of a document, in order."""


def snap_range(text: str, start: int, end: int,
               bounds: Bounds | None = None) -> tuple[int, int]:
    """``[start, end)`` with each end inside turn text (``bounds``), snapped to whole words
    and stripped of spaces (:func:`snap_to_words` in the turn each end lies in).

    The start moves forward out of a label, stop marker or turn with nothing selected in
    it, the end backward; ``(s, s)`` (empty) when no turn text with a visible character is
    inside. Without ``bounds`` the whole text is one turn.
    """
    start, end = min(start, end), max(start, end)
    if not bounds:
        return snap_to_words(text, start, end)
    first = max(bisect.bisect_right(bounds, (start, math.inf)) - 1, 0)
    last = bisect.bisect_left(bounds, (end, -math.inf)) - 1  # the last turn starting < end
    lo_pick: int | None = None
    i = first
    while i <= last:
        lo, hi = bounds[i]
        a, b = snap_to_words(text, max(start, lo), min(end, hi), lo, hi)
        if a < b:
            lo_pick = a
            break
        i += 1
    if lo_pick is None:
        return (start, start)
    for j in range(last, i - 1, -1):
        lo, hi = bounds[j]
        a, b = snap_to_words(text, max(start, lo), min(end, hi), lo, hi)
        if a < b:
            return (lo_pick, b)
    return (start, start)  # pragma: no cover - turn i has a visible character


@dataclass(frozen=True)
class Selection:
    """The coder's selection in one document: ``anchor`` and ``focus`` offsets, for the
    document text whose hash is ``sha256``, whose turns' text spans are ``bounds``."""

    document: str
    sha256: str
    anchor: int
    focus: int
    bounds: Bounds = field(default=(), repr=False)

    def range(self, text: str) -> tuple[int, int]:
        """The range coded: anchor to focus, ends in turn text, snapped to whole words
        (may be empty)."""
        return snap_range(text, self.anchor, self.focus, self.bounds)

    def turns(self, text: str) -> int:
        """How many turns the selected range has text in (0 without one)."""
        start, end = self.range(text)
        if start >= end:
            return 0
        if not self.bounds:
            return 1
        return sum(1 for lo, hi in self.bounds if lo < end and start < hi)


def _turn_bounds(selection: Selection, text: str) -> Bounds:
    return selection.bounds or ((0, len(text)),)


def extend(selection: Selection, text: str, direction: Direction,
           segments: Iterable[SegmentRecord]) -> Selection:
    """Move the selection's focus by a word (``"left"``/``"right"``) or a sentence
    (``"up"``/``"down"``), across turns.

    Right moves the focus to the end of the next word, left to the start of the previous
    word (words of turn text only: speaker labels and stop markers are stepped over); down
    moves it to the end of the next sentence (segment), up to the start of the previous
    one. At the document's first or last word the focus stays.
    """
    focus = selection.focus
    bounds = _turn_bounds(selection, text)
    at = max(bisect.bisect_right(bounds, (focus, math.inf)) - 1, 0)
    if direction == "right":
        for lo, hi in bounds[at:]:
            ends = [e for _s, e in word_spans(text, lo, hi) if e > focus]
            if ends:
                focus = ends[0]
                break
    elif direction == "left":
        for lo, hi in reversed(bounds[:at + 1]):
            starts = [s for s, _e in word_spans(text, lo, hi) if s < focus]
            if starts:
                focus = starts[-1]
                break
    else:
        spans = sorted((s.start, s.end) for s in segments)
        if direction == "down":
            focus = next((e for _s, e in spans if e > focus), focus)
        else:
            focus = next((s for s, _e in reversed(spans) if s < focus), focus)
    return replace(selection, focus=focus)


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


def coding_rows(ranges: Mapping[str, RangeRef], codebook: Codebook,
                others: Mapping[str, OtherRange] | None = None) -> list[list[object]]:
    """One row per coding (uuid -> range), ordered by start: ``[start, end, colour, code
    name, uuid, coder, code key, ids of the segments it touches]`` (a code no longer in
    the codebook shows grey under its key). ``coder`` is ``""`` for this coder's own
    codings (``ranges``) and the other coder's name for ``others`` (the reviewer view),
    which the view draws dashed and never acts on (their segment ids are not sent: ``[]``).
    """
    codes = {c.key: c for c in codebook.codes}
    items: list[tuple[str, str, int, int, str, tuple[int, ...]]] = [
        (uuid, ref.code, ref.start, ref.end, "", ref.segment_ids)
        for uuid, ref in ranges.items()]
    items += [(uuid, ref.code, ref.start, ref.end, ref.coder, ())
              for uuid, ref in (others or {}).items() if uuid not in ranges]
    rows: list[list[object]] = []
    for uuid, key, start, end, coder, ids in sorted(items,
                                                    key=lambda i: (i[2], i[3], i[4], i[0])):
        code = codes.get(key)
        rows.append([start, end, _colour(code), code.name if code is not None else key, uuid,
                     coder, key, list(ids)])
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
