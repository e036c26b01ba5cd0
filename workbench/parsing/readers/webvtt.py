"""Read WebVTT captions (Zoom, MS Teams, YouTube, any captioning tool) into speaker turns.

What is understood, after the ``WEBVTT`` line and its header block:

* cues: an optional identifier line (``4``, ``second caption``, Teams' ``GUID/12-0``), a
  timing line ``start --> end [settings]`` and text lines, up to a blank line;
* times with or without hours (``00:01:02.500``, ``01:02.500``) and MS Teams' non-padded
  times (``0:0:7.23`` is 7.23 s);
* ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped;
* voices ``<v Name>text</v>`` (the ``</v>`` may be missing; several voices in one cue give
  several turns) name the speaker; otherwise a confirmed ``Name: `` prefix (Zoom) does;
* other tags (``<b>``, ``<c.colorE5E5E5>``, inline times ``<00:17.500>``) are removed and
  HTML entities unescaped (``&amp;`` -> ``&``).

Consecutive cues by one speaker are joined into turns, split at pauses and sentence ends so
that each turn carries its first cue's start; rolling live captions are merged (see
:mod:`~workbench.parsing.readers.cues`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext, number_lines
from workbench.parsing.readers.cues import Cue, cue_times, cues_to_turns, strip_markup

__all__ = ["looks_like_webvtt", "parse_webvtt"]

_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_SKIPPED = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")
_TIMING = re.compile(r"^(?P<start>\S+)[ \t]+-->[ \t]+(?P<end>\S+)(?:[ \t]+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>")
_EXAMPLE = "00:01:02.500 --> 00:01:05.000"


def looks_like_webvtt(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first non-blank line starts with ``WEBVTT``."""
    first = next((line.strip() for _, line in lines if line.strip()), "")
    return first.startswith("WEBVTT")


def parse_webvtt(text: str, context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from the text of a WebVTT file; :class:`ImportFormatError` if unusable."""
    context = context or ReaderContext()
    blocks = _blocks(number_lines(text))
    if not blocks:
        raise context.error("the file is empty; export the transcript again as WebVTT.")
    number, first = blocks[0][0]
    if not _HEADER.match(first.strip()):
        raise context.error(
            f"a WebVTT file starts with the line 'WEBVTT', not {first.strip()[:40]!r}; is it "
            "really a .vtt file?",
            number,
        )
    cues: list[Cue] = []
    for block in blocks[1:]:
        if _SKIPPED.match(block[0][1].strip()):
            continue
        cues.extend(_cues(block, context))
    if not cues:
        raise context.error("the file has no cues with text ('start --> end' lines, then text).")
    return cues_to_turns(cues, context)


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for number, line in lines:
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cues(block: list[Line], context: ReaderContext) -> list[Cue]:
    """The cues of one block: identifier?, timing, text (a second timing starts a new cue)."""
    if "-->" not in block[0][1]:
        if len(block) < 2 or "-->" not in block[1][1]:
            raise context.error(
                f"{block[0][1].strip()[:40]!r} is text without a cue timing line before it. "
                f"Put a timing line ({_EXAMPLE}) above it, or remove the blank line that "
                "separates it from the cue above.",
                block[0][0],
            )
        block = block[1:]
    cues: list[Cue] = []
    times: tuple[float, float] | None = None
    timing_line = block[0][0]
    text: list[str] = []

    def flush() -> None:
        if times is None:
            return
        found = _voices(times, "\n".join(text), timing_line)
        if not found:
            context.warn("the cue has no text; skipped.", timing_line)
        cues.extend(found)

    for number, line in block:
        if "-->" not in line:
            text.append(line)
            continue
        flush()
        match = _TIMING.match(line.strip())
        if not match:
            raise context.error(
                f"{line.strip()[:60]!r} is not a valid cue timing; write it like {_EXAMPLE}.",
                number,
            )
        times = cue_times(match["start"], match["end"], number, context, _EXAMPLE)
        timing_line, text = number, []
    flush()
    return cues


def _voices(times: tuple[float, float], raw: str, line: int) -> list[Cue]:
    """One cue per voice span; text before the first ``<v>`` has no speaker."""
    start, end = times
    parts = _VOICE.split(raw)
    cues = []
    lead = strip_markup(parts[0]).strip()
    if lead or len(parts) == 1:
        cues.append(Cue(start, lead, line, end=end))
    for index in range(1, len(parts), 2):
        name = (parts[index] or "").strip() or None
        cues.append(Cue(start, strip_markup(parts[index + 1]).strip(), line, name, end))
    return [cue for cue in cues if cue.text]
