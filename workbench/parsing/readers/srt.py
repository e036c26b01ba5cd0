"""Read SubRip (``.srt``) captions into speaker turns.

A cue is a cue number line (optional), a timing line ``00:01:02,500 --> 00:01:05,000``
(``.`` is accepted for ``,``; coordinates after the end time are ignored) and text lines up
to a blank line. A cue with no text (a real-world edge case) is skipped with a warning.
``<i>``/``<b>``/``<font>`` tags and ``{\\an8}`` overrides are removed. Speakers come from a
confirmed ``Name: `` prefix; consecutive cues by one speaker are merged (see
:mod:`~workbench.parsing.readers.cues`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext, number_lines
from workbench.parsing.readers.cues import cue_times, cues_to_turns, line_cues

__all__ = ["looks_like_srt", "parse_srt"]

_TIMING = re.compile(r"^(?P<start>\S+?)[ \t]*-->[ \t]*(?P<end>\S+)(?:[ \t].*)?$")
_EXAMPLE = "00:01:02,500 --> 00:01:05,000"
_SNIFF = re.compile(r"^\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def looks_like_srt(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the file opens with a timing line, or a cue number and a timing line."""
    firsts = [line.strip() for _, line in lines if line.strip()][:2]
    return bool(firsts) and bool(
        _SNIFF.match(firsts[0])
        or (firsts[0].isdigit() and len(firsts) > 1 and _SNIFF.match(firsts[1]))
    )


def parse_srt(text: str, context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from the text of an SRT file; :class:`ImportFormatError` if unusable."""
    context = context or ReaderContext()
    if not text.strip():
        raise context.error("the file is empty; export the captions again as SRT.")

    def timing(line: str, number: int) -> tuple[float, float] | None:
        if "-->" not in line:
            return None
        match = _TIMING.match(line.strip())
        if not match:
            raise context.error(
                f"{line.strip()[:60]!r} is not a valid cue timing; write it like {_EXAMPLE}.",
                number,
            )
        return cue_times(match["start"], match["end"], number, context, _EXAMPLE)

    what = f"an SRT cue is a number line, a timing line ({_EXAMPLE}) and text"
    cues = line_cues(number_lines(text), context, timing, numbered=True, what=what)
    return cues_to_turns(cues, context)
