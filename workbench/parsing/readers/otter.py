"""Read Otter.ai text exports and MS Teams transcripts (``Name  0:03`` header, then text).

Otter writes ``Speaker Name  0:03`` (name, spaces, time) on a line of its own, then the
text paragraph, then a blank line; MS Teams' Word transcript packs ``Name   0:03`` and the
text lines into paragraphs the same way, after a title, date and duration (not imported,
with a warning). Teams' ``X started transcription`` / ``X stopped transcription`` lines and
Otter's ``Transcribed by https://otter.ai`` footer are dropped.

A line ``Name  H:MM:SS`` is a header when the name looks like a name (a letter, at most six
words, does not start with a lower-case letter, no ``: [ ] #``, no final ``. , ; ! ?``)
**and** either the name heads at least two turns, or is declared (``roles``), or the line
follows a blank line or starts the file. So a text line that happens to end in a time
(``We met at 10:30``) stays text. Consecutive turns by one speaker are merged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.blocks import Header, parse_headed
from workbench.parsing.readers.common import Line, ReaderContext, as_lines, normalise_name

__all__ = ["looks_like_otter", "parse_otter"]

_HEADER = re.compile(
    r"^(?P<name>\S.{0,59}?)[ \t]+(?P<time>\d{1,2}(?::\d{1,2}){1,2}(?:\.\d{1,3})?)$"
)
_SKIP = re.compile(
    r"^(?:\S.{0,80}[ \t](?:started|stopped) transcription|transcribed by https?://otter\.ai)$",
    re.IGNORECASE,
)
_WHAT = "an Otter or Teams transcript has a line 'Name  0:03' before each turn's text"


def _candidate(line: str) -> tuple[str, str] | None:
    match = _HEADER.match(line.strip())
    if not match:
        return None
    name = match["name"].strip()
    if (
        name[0].islower()
        or not any(char.isalpha() for char in name)
        or any(char in name for char in ":[]#")
        or len(name.split()) > 6
        or name[-1] in ".,;!?"
    ):
        return None
    return name, match["time"]


def _headers(lines: Sequence[Line], context: ReaderContext) -> dict[int, Header]:
    candidates = {
        index: found for index, (_, line) in enumerate(lines) if (found := _candidate(line))
    }
    counts = Counter(normalise_name(name) for name, _ in candidates.values())
    headers: dict[int, Header] = {}
    for index, (name, time) in candidates.items():
        after_blank = index == 0 or not lines[index - 1][1].strip()
        if counts[normalise_name(name)] >= 2 or context.is_declared(name) or after_blank:
            headers[index] = Header(name, time)
    return headers


def looks_like_otter(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first text line is a header, or at least two lines are headers."""
    headers = _headers(lines, context or ReaderContext())
    first = next((index for index, (_, line) in enumerate(lines) if line.strip()), None)
    return len(headers) >= 2 or (first is not None and first in headers)


def parse_otter(
    source: str | Sequence[Line], context: ReaderContext | None = None
) -> list[RawTurn]:
    """Speaker turns from an Otter/Teams-style transcript (text or numbered lines)."""
    context = context or ReaderContext()
    lines = as_lines(source)
    headers = _headers(lines, context)
    return parse_headed(
        lines, context, headers.get, what=_WHAT, skip=lambda line: bool(_SKIP.match(line.strip()))
    )
