"""Shared reader for formats where a header line names the speaker and the text follows.

Otter (``Jane Doe  0:03``), MS Teams .docx (``Jane Doe   0:03``), Rev
(``Speaker 1 (00:12):``) and Zoom's text transcript (``[Jane Doe] 11:02:09``) all write a
header line per turn, then the turn's text on the following lines. Lines before the first
header (a title, a date) are not imported, with a warning naming them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext, finish_turns, parse_clock

__all__ = ["Header", "parse_headed"]


@dataclass(frozen=True)
class Header:
    """A header line: speaker, time as written (or None) and text after it on the line."""

    speaker: str
    time: str | None
    rest: str = ""


def parse_headed(
    lines: Sequence[Line],
    context: ReaderContext,
    header: Callable[[int], Header | None],
    *,
    what: str,
    merge: bool = True,
    skip: Callable[[str], bool] | None = None,
) -> list[RawTurn]:
    """Turns from ``lines``: ``header(index)`` says whether ``lines[index]`` starts a turn.

    ``skip(line)`` drops lines that are not transcript text (``X started transcription``).
    Times that do not parse raise :class:`ImportFormatError` naming the line; ``what``
    describes the format for the "no turns" message.
    """
    turns: list[RawTurn] = []
    current: RawTurn | None = None
    text: list[str] = []
    preamble: list[Line] = []
    for index, (number, line) in enumerate(lines):
        if skip is not None and skip(line):
            continue
        found = header(index)
        if found is None:
            if current is not None:
                text.append(line)
            elif line.strip():
                preamble.append((number, line))
            continue
        if current is not None:
            turns.append(_with_text(current, text))
        time = None
        if found.time is not None:
            try:
                time = parse_clock(found.time)
            except ValueError:
                raise context.error(
                    f"{found.time!r} is not a valid time in the header {line.strip()[:60]!r}; "
                    "write it as H:MM:SS or MM:SS.",
                    number,
                ) from None
        speaker = context.canonical_name(found.speaker)
        current = RawTurn(speaker, context.role_of(speaker), "", time, number)
        text = [found.rest]
    if current is None:
        raise context.error(f"no speaker turns found; {what}.")
    turns.append(_with_text(current, text))
    if preamble:
        first, last = preamble[0][0], preamble[-1][0]
        span = (
            f"line {first} comes before the first speaker and was"
            if first == last
            else f"lines {first}-{last} come before the first speaker and were"
        )
        context.warn(f"{span} not imported (starting {preamble[0][1].strip()[:40]!r}).")
    return finish_turns(turns, context, merge=merge)


def _with_text(turn: RawTurn, text: list[str]) -> RawTurn:
    body = "\n".join(line.strip() for line in text if line.strip())
    return RawTurn(turn.speaker, turn.role, body, turn.video_time, turn.source_line)
