"""Read YouTube/Google SubViewer (``.sbv``) captions into speaker turns.

A cue is a timing line ``0:00:11.378,0:00:12.305`` (start, end) and text lines up to a
blank line. Speakers come from a confirmed ``Name: `` prefix (YouTube's ``>>`` speaker-change
marks are kept as text); consecutive cues by one speaker are merged (see
:mod:`~workbench.parsing.readers.cues`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext, number_lines
from workbench.parsing.readers.cues import cue_times, cues_to_turns, line_cues

__all__ = ["looks_like_sbv", "parse_sbv"]

_LOOKS_TIMED = re.compile(r"^[\d:.\s]*\d:[\d:.\s]*,[\d:.,\s]*$")
_TIME = r"\d+:\d{1,2}:\d{1,2}(?:\.\d{1,3})?"
_TIMING = re.compile(rf"^(?P<start>{_TIME}),(?P<end>{_TIME})$")
_EXAMPLE = "0:01:02.500,0:01:05.000"
_SNIFF = re.compile(r"^\d+:\d{2}:\d{2}\.\d{1,3},\d+:\d{2}:\d{2}\.\d{1,3}$")


def looks_like_sbv(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first non-blank line is a timing line ``0:00:01.000,0:00:02.000``."""
    first = next((line.strip() for _, line in lines if line.strip()), "")
    return bool(_SNIFF.match(first))


def parse_sbv(text: str, context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from the text of an SBV file; :class:`ImportFormatError` if unusable."""
    context = context or ReaderContext()
    if not text.strip():
        raise context.error("the file is empty; export the captions again as SBV.")

    def timing(line: str, number: int) -> tuple[float, float] | None:
        stripped = line.strip()
        if not _LOOKS_TIMED.match(stripped):
            return None
        match = _TIMING.match(stripped)
        if not match:
            raise context.error(
                f"{stripped[:60]!r} is not a valid cue timing; write it like {_EXAMPLE}.", number
            )
        return cue_times(match["start"], match["end"], number, context, _EXAMPLE)

    what = f"an SBV cue is a timing line ({_EXAMPLE}) followed by text"
    cues = line_cues(number_lines(text), context, timing, numbered=False, what=what)
    return cues_to_turns(cues, context)
