"""Re-anchor codings on the new text of an edited transcript.

A coding remembers its text and offsets. On the new text it is placed where the same text
occurs; when it occurs several times, the occurrence whose surrounding text (up to
``CONTEXT`` characters each side) best matches the old surroundings wins, and ties go to the
occurrence nearest the old relative position. The placed span must lie inside one new
segment. Anything else is reported, never dropped.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.model import SegmentDraft

__all__ = ["CONTEXT", "Placement", "context_of", "reanchor"]

CONTEXT = 40


@dataclass(frozen=True)
class Placement:
    """Where a coding lands: new segment (by index) and document offsets."""

    segment_index: int
    start: int
    end: int
    is_span: bool


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to ``CONTEXT`` characters before and after ``text[start:end]``."""
    return text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]


def _occurrences(haystack: str, needle: str) -> list[int]:
    found: list[int] = []
    position = haystack.find(needle)
    while position != -1:
        found.append(position)
        position = haystack.find(needle, position + 1)
    return found


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def reanchor(
    old_text: str,
    new_text: str,
    anchors: Sequence[tuple[int, int, str]],
    new_segments: Sequence[SegmentDraft],
) -> list[Placement | str]:
    """For each ``(old_start, old_end, text)`` a :class:`Placement` or the reason it failed."""
    starts = [s.start for s in new_segments]
    results: list[Placement | str] = []
    for old_start, old_end, text in anchors:
        if not text.strip():
            results.append("the coding has no text to look for")
            continue
        candidates = _occurrences(new_text, text)
        if not candidates:
            results.append("its text no longer occurs in the edited transcript")
            continue
        position = candidates[0]
        if len(candidates) > 1:
            before, after = context_of(old_text, old_start, old_end)
            relative = old_start / max(1, len(old_text)) * len(new_text)

            def score(candidate: int, before: str = before, after: str = after,
                      relative: float = relative, text: str = text) -> tuple[float, float]:
                new_before, new_after = context_of(new_text, candidate, candidate + len(text))
                similarity = _similarity(before, new_before) + _similarity(after, new_after)
                return (similarity, -abs(candidate - relative))

            position = max(candidates, key=score)
        end = position + len(text)
        index = bisect.bisect_right(starts, position) - 1
        if index < 0 or new_segments[index].end < end:
            results.append("its text now runs across a segment boundary")
            continue
        segment = new_segments[index]
        whole = segment.start == position and segment.end == end
        results.append(Placement(segment.index, position, end, not whole))
    return results
