"""Read f4/f5transkript transcripts: ``I: text #00:01:23-4#``.

f4 writes a speaker label (``I:``, ``B:``, a name) at the start of each paragraph and a time
mark ``#hh:mm:ss-t#`` (``t`` = tenths of a second) where the transcriber pressed Enter,
i.e. at the **end** of the paragraph. Turns are found by the plain speaker-label rule (see
:mod:`~workbench.parsing.readers.speaker_lines`); a label on a line that ends with a time
mark counts as declared, so a ``B:`` that answers only once is still a speaker. The marks
are removed from the text; a turn's video time is the **last** mark inside it, as written:
the time at which the turn ends in the recording (None when the turn has no mark).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

from workbench.model import RawTurn
from workbench.parsing.readers.blocks import parse_headed
from workbench.parsing.readers.common import Line, ReaderContext, as_lines, parse_clock
from workbench.parsing.readers.labels import split_label
from workbench.parsing.readers.speaker_lines import WHAT, speaker_headers, warn_unconfirmed

__all__ = ["looks_like_f4", "parse_f4"]

_MARK = re.compile(r"[ \t]*#(?P<time>\d[\d.,-]*:[\d:.,-]*)#[ \t]*")
_VALID = re.compile(r"^\d{1,2}:\d{1,2}:\d{1,2}(?:[-.,]\d{1,3})?$")
_END_MARK = re.compile(r"#\d{1,2}:\d{2}:\d{2}(?:[-.,]\d{1,3})?#\s*$")


def looks_like_f4(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when some line ends with an f4 time mark ``#hh:mm:ss-t#``."""
    return any(_END_MARK.search(line) for _, line in lines)


def parse_f4(source: str | Sequence[Line], context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from an f4/f5 transcript (text or numbered lines)."""
    context = context or ReaderContext()
    marks: dict[int, str] = {}
    lines: list[Line] = []
    for index, (number, line) in enumerate(as_lines(source)):
        for match in _MARK.finditer(line):
            written = match["time"]
            try:
                if not _VALID.match(written):
                    raise ValueError(written)
                parse_clock(written.replace("-", "."))
            except ValueError:
                raise context.error(
                    f"#{written}# is not a valid f4 time mark; write it as #hh:mm:ss-t# "
                    "(t = tenths of a second), e.g. #00:01:23-4#.",
                    number,
                ) from None
            marks[index] = written.replace("-", ".")
        lines.append((number, _MARK.sub(" ", line)))
        label = split_label(lines[-1][1]) if _END_MARK.search(line) else None
        if label:
            context.declare(label[0])
    headers = speaker_headers(lines, context)
    for start, end in pairwise([*sorted(headers), len(lines)]):
        inside = [marks[index] for index in range(start, end) if index in marks]
        if inside:
            headers[start] = replace(headers[start], time=inside[-1])
    turns = parse_headed(lines, context, headers.get, what=WHAT, merge=False)
    warn_unconfirmed(lines, headers, context)
    return turns
