"""Build the canonical document text from turns, the same way for every input format.

The text is a block per recall stop: a ``[HH:MM:SS]`` line, then the stop's turns, one per
line as ``Speaker: text``; a blank line separates blocks. Turns before the first stop
(no video time) come first without a header.

A turn joined from several timed pieces (the cues of a caption file) keeps the start of
each later piece as a time mark inside the turn (:attr:`~workbench.model.Turn.time_marks`,
offsets in the document text); marks are stored beside the text, not written into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from workbench.errors import TranscriptError
from workbench.model import (
    ROLES,
    CaseAttributes,
    ParsedTranscript,
    RawTurn,
    Turn,
    format_video_time,
)

__all__ = ["build_transcript", "clean_turn_text"]

_SPACE_RUN = re.compile(r"[ \t]*\n[ \t]*")


def clean_turn_text(text: str) -> str:
    """Join the lines of one turn with single spaces and trim the ends."""
    if "\n" not in text:
        return text.strip()
    return _SPACE_RUN.sub(" ", text).strip()


def _clean_marks(raw: RawTurn, text: str, start: int) -> tuple[tuple[int, float], ...]:
    """``raw``'s inner time marks as offsets in the document text (``text`` is the cleaned
    turn text, placed at ``start``); marks that do not fall strictly inside it are dropped."""
    out: list[tuple[int, float]] = []
    for offset, seconds in raw.time_marks:
        # where the mark's text begins once the turn's lines are joined and trimmed
        cleaned = len(_SPACE_RUN.sub(" ", raw.text[:offset]).lstrip())
        if 0 < cleaned < len(text) and (not out or cleaned > out[-1][0] - start):
            out.append((start + cleaned, seconds))
    return tuple(out)


def build_transcript(
    name: str,
    attributes: CaseAttributes,
    raw_turns: Iterable[RawTurn],
    *,
    source: str = "",
    warnings: Sequence[str] = (),
) -> ParsedTranscript:
    """Place ``raw_turns`` in a canonical document text and return the transcript."""
    pieces: list[str] = []
    turns: list[Turn] = []
    position = 0
    previous_time: float | None = None
    stop_index = -1
    for raw in raw_turns:
        if raw.role not in ROLES:
            raise TranscriptError(
                f"speaker {raw.speaker!r} has role {raw.role!r}; use one of {', '.join(ROLES)}.",
                path=source or name,
                line=raw.source_line,
            )
        text = clean_turn_text(raw.text)
        if not text:
            raise TranscriptError(
                f"turn by {raw.speaker!r} has no text; write what was said or delete the line.",
                path=source or name,
                line=raw.source_line,
            )
        if raw.video_time is not None and raw.video_time != previous_time:
            stop_index += 1
            header = ("\n" if pieces else "") + f"[{format_video_time(raw.video_time)}]\n"
            pieces.append(header)
            position += len(header)
        previous_time = raw.video_time
        prefix = f"{raw.speaker}: "
        start = position + len(prefix)
        end = start + len(text)
        pieces.append(prefix + text + "\n")
        position = end + 1
        turns.append(
            Turn(
                index=len(turns),
                speaker=raw.speaker,
                role=raw.role,
                text=text,
                start=start,
                end=end,
                video_time=raw.video_time,
                stop_index=stop_index if raw.video_time is not None else None,
                time_marks=_clean_marks(raw, text, start) if raw.time_marks else (),
            )
        )
    if not turns:
        raise TranscriptError(
            "the transcript has no turns; a turn is a line 'LABEL: text' by a declared speaker.",
            path=source or name,
        )
    return ParsedTranscript(
        name=name,
        attributes=attributes,
        text="".join(pieces),
        turns=tuple(turns),
        source=source,
        warnings=tuple(warnings),
    )
