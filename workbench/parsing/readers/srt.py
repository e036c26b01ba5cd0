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

from workbench.model import RawTurn
from workbench.parsing.readers.common import ReaderContext, number_lines
from workbench.parsing.readers.cues import cue_times, cues_to_turns, line_cues

__all__ = ["parse_srt"]

_TIMING = re.compile(r"^(?P<start>\S+?)[ \t]*-->[ \t]*(?P<end>\S+)(?:[ \t].*)?$")
_EXAMPLE = "00:01:02,500 --> 00:01:05,000"


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
