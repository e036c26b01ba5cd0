"""Re-anchor codings on the new text of an edited transcript.

A coding remembers its text and offsets. On the new text it is placed where the same text
occurs; when it occurs several times, the occurrence whose surrounding text (up to
``CONTEXT`` characters each side) best matches the old surroundings wins, and ties go to the
occurrence nearest the old relative position. A coding is a range of the document, so the
placed range may cross segments and turns, as the original did. Anything that cannot be
placed is reported with the reason, never dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.storage.audit_log import now

__all__ = [
    "CONTEXT",
    "Placement",
    "coding_row_from_unanchored",
    "context_of",
    "reanchor",
    "unanchored_placements",
]

CONTEXT = 40


@dataclass(frozen=True)
class Placement:
    """Where a coding lands: its new document offsets ``[start, end)``."""

    start: int
    end: int


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
) -> list[Placement | str]:
    """For each ``(old_start, old_end, text)`` a :class:`Placement` or the reason it failed."""
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
        results.append(Placement(position, position + len(text)))
    return results


def unanchored_placements(rows: Sequence[Mapping[str, Any]], new_text: str) -> list[Placement | str]:
    """Where unanchored codings (rows of ``unanchored_codings``) fit ``new_text``.

    Their old surroundings are the context they were unanchored with, laid around the text
    at its old offset, so the same context-aware choice among repeats applies.
    """
    placements: list[Placement | str] = []
    for row in rows:
        before, text, after = str(row["context_before"]), str(row["text"]), str(row["context_after"])
        old = before + text + after
        [place] = reanchor(old, new_text, [(len(before), len(before) + len(text), text)])
        placements.append(place)
    return placements


def coding_row_from_unanchored(row: Mapping[str, Any], place: Placement) -> dict[str, object]:
    """The ``codings`` row that puts an unanchored coding back at ``place`` (same uuid,
    code, coder, version, memo and created time)."""
    return {
        "uuid": row["uuid"], "document_id": row["document_id"], "code_id": row["code_id"],
        "coder_id": row["coder_id"], "codebook_version_id": row["codebook_version_id"],
        "start": place.start, "end": place.end, "text": row["text"], "memo": row["memo"],
        "created_at": row["created_at"], "updated_at": now(),
    }
