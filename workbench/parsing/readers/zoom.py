"""Read Zoom's meeting-transcript text: ``[Display Name] HH:MM:SS`` then the text lines.

Zoom's times here are **clock times** of the meeting (``11:02:09``), not offsets into the
recording; they are kept as written (a warning says so). Zoom cuts a long turn into several
blocks by the same speaker, each with its time. Consecutive blocks by one speaker are joined
into one turn only while a block ends mid-sentence (Zoom gives no end times, so there is no
pause rule); a block that ends a sentence ends the turn. A joined block keeps its time as a
time mark inside the turn (as caption cues do, see :mod:`~workbench.parsing.readers.cues`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.blocks import Header, parse_headed
from workbench.parsing.readers.common import (
    Line,
    ReaderContext,
    as_lines,
    join_timed,
    normalise_name,
)
from workbench.parsing.readers.cues import ends_sentence

__all__ = ["looks_like_zoom", "parse_zoom"]

_HEADER = re.compile(r"^\[(?P<name>[^\[\]]{1,80})\][ \t]+(?P<time>\d\S*)$")
_WHAT = "a Zoom transcript has a line '[Name] HH:MM:SS' before each turn"


def _header(line: str) -> Header | None:
    match = _HEADER.match(line.strip())
    if not match or not match["name"].strip():
        return None
    return Header(match["name"].strip(), match["time"])


def looks_like_zoom(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first text line, or at least two lines, are ``[Name] HH:MM:SS``."""
    texts = [line for _, line in lines if line.strip()]
    count = sum(1 for line in texts if _header(line))
    return count >= 2 or (bool(texts) and _header(texts[0]) is not None)


def parse_zoom(
    source: str | Sequence[Line], context: ReaderContext | None = None
) -> list[RawTurn]:
    """Speaker turns from a Zoom meeting-transcript text (text or numbered lines)."""
    context = context or ReaderContext()
    lines = as_lines(source)
    blocks = parse_headed(lines, context, lambda index: _header(lines[index][1]), what=_WHAT,
                          merge=False)
    turns: list[RawTurn] = []
    for block in blocks:
        previous = turns[-1] if turns else None
        if (
            previous is not None
            and normalise_name(previous.speaker) == normalise_name(block.speaker)
            and not ends_sentence(previous.text)
        ):
            turns[-1] = join_timed(previous, block.text, block.video_time, block.time_marks)
        else:
            turns.append(block)
    context.warn(
        "Zoom's times are clock times of the meeting (e.g. 11:02:09), not positions in the "
        "recording; they are kept as written."
    )
    return turns
