"""Read Rev.com text exports: ``Speaker 1 (00:12):`` then the turn's text.

The header ``Name (MM:SS):`` or ``Name (HH:MM:SS):`` starts a turn; the text may follow on
the same line or on the next lines, up to the next header. Lines before the first header
are not imported (with a warning). Consecutive turns by one speaker are merged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.blocks import Header, parse_headed
from workbench.parsing.readers.common import Line, ReaderContext, as_lines

__all__ = ["looks_like_rev", "parse_rev"]

_HEADER = re.compile(
    r"^(?P<name>[^\s():][^():]{0,59}?)[ \t]*\((?P<time>\d[^()]{0,15})\)[ \t]*:[ \t]*(?P<rest>.*)$"
)
_WHAT = "a Rev transcript has a line 'Name (00:12):' before each turn"


def _header(line: str) -> Header | None:
    match = _HEADER.match(line.strip())
    if not match or len(match["name"].split()) > 6:
        return None
    return Header(match["name"].strip(), match["time"].strip(), match["rest"])


def looks_like_rev(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first text line, or at least two lines, are Rev headers."""
    texts = [line for _, line in lines if line.strip()]
    count = sum(1 for line in texts if _header(line))
    return count >= 2 or (bool(texts) and _header(texts[0]) is not None)


def parse_rev(source: str | Sequence[Line], context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from a Rev-style transcript (text or numbered lines)."""
    context = context or ReaderContext()
    lines = as_lines(source)
    return parse_headed(lines, context, lambda index: _header(lines[index][1]), what=_WHAT)
