"""Turn timed caption cues (WebVTT, SRT, SBV) into speaker turns.

A cue's speaker is its WebVTT voice (``<v Name>``) when it has one; otherwise a leading
``Name: `` in the cue text when :mod:`~workbench.parsing.readers.labels` confirms ``Name``
as a speaker (Zoom writes its WebVTT cues that way); otherwise the cue names no speaker and
its text is attributed to :data:`~workbench.parsing.readers.common.UNKNOWN_SPEAKER`.
When at least half of the cues without a voice start with a ``Name: `` prefix, every such
prefix names a speaker, so a person who speaks only once in a Zoom file is still found.

Consecutive cues by the same named speaker are **merged into one turn**: captioning software
cuts speech every few seconds, but a turn is everything one person says until another
speaks. The merged turn carries the first cue's start time and line. Cues that name no
speaker are not merged (each keeps its own time). Empty cues are skipped with a warning.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workbench.model import RawTurn
from workbench.parsing.readers.common import (
    UNKNOWN_SPEAKER,
    Line,
    ReaderContext,
    finish_turns,
    normalise_name,
    parse_clock,
)
from workbench.parsing.readers.labels import confirmed_labels, split_label

__all__ = ["Cue", "cue_start", "cues_to_turns", "line_cues", "strip_markup"]

_TAG = re.compile(
    r"</?(?:[a-zA-Z][\w.-]*)(?:\s[^<>]*)?>"  # <b>, </i>, <c.colorE5E5E5>, <font color=..>
    r"|<\d+(?::\d+){1,2}(?:[.,]\d+)?>"  # inline timestamps <00:17.500>
    r"|\{\\[^{}]*\}"  # SSA/ASS overrides in SRT: {\an8}
)


@dataclass(frozen=True)
class Cue:
    """One caption cue (or one voice of a cue): start time, text, line of its timing."""

    start: float
    text: str
    line: int
    speaker: str | None = None


def cue_start(start: str, end: str, line: int, context: ReaderContext, example: str) -> float:
    """Seconds of a cue's ``start`` (``end`` is checked too); errors name the line."""
    try:
        begin, finish = parse_clock(start), parse_clock(end)
    except ValueError:
        raise context.error(
            f"{start} --> {end} is not a valid cue timing; write it like {example}.", line
        ) from None
    if finish < begin:
        context.warn(f"the cue ends ({end}) before it starts ({start}); check its timing.", line)
    return begin


def strip_markup(text: str) -> str:
    """Remove tags (``<b>``, ``<c.x>``, ``<00:17.500>``, ``{\\an8}``); unescape ``&amp;``."""
    return html.unescape(_TAG.sub("", text))


def cues_to_turns(cues: Sequence[Cue], context: ReaderContext) -> list[RawTurn]:
    """Speaker turns from cues (speaker rule and merging: see the module docstring)."""
    candidates = [split_label(_first_line(cue.text)) for cue in cues if cue.speaker is None]
    labels = [found[0] for found in candidates if found]
    confirmed = confirmed_labels(labels, context)
    if labels and 2 * len(labels) >= len(candidates):
        confirmed |= {normalise_name(label) for label in labels}
    turns: list[RawTurn] = []
    unnamed = 0
    for cue in cues:
        speaker, text = cue.speaker, cue.text
        if speaker is None:
            found = split_label(_first_line(text))
            if found and normalise_name(found[0]) in confirmed:
                speaker = found[0]
                text = found[1] + text[len(_first_line(text)) :]
        if speaker:
            speaker = context.canonical_name(speaker)
        else:
            speaker = UNKNOWN_SPEAKER
            unnamed += 1
        turns.append(
            RawTurn(
                speaker=speaker,
                role=context.role_of(speaker),
                text=text,
                video_time=cue.start,
                source_line=cue.line,
            )
        )
    if unnamed:
        context.warn(
            f"{unnamed} cue(s) name no speaker; their text is attributed to "
            f"{UNKNOWN_SPEAKER!r}. To tell speakers apart, start each cue's text with 'Name: '."
        )
    return finish_turns(turns, context, merge=True)


def line_cues(
    lines: Sequence[Line],
    context: ReaderContext,
    timing: Callable[[str, int], float | None],
    *,
    numbered: bool,
    what: str,
) -> list[Cue]:
    """Cues of a line-based caption file (SRT, SBV).

    ``timing(line, number)`` returns the start of a timing line, None for other lines, and
    raises for a garbled timing. With ``numbered``, a line of digits right before a timing
    line is the cue number (SRT) and is dropped. Text before the first cue is an error.
    """
    cues: list[Cue] = []
    start: float | None = None
    start_line = 0
    text: list[str] = []

    def flush() -> None:
        if start is None:
            return
        body = strip_markup("\n".join(line for line in text if line.strip())).strip()
        if not body:
            context.warn("the cue has no text; skipped.", start_line)
            return
        cues.append(Cue(start, body, start_line))

    for index, (number, line) in enumerate(lines):
        if (
            numbered
            and line.strip().isdigit()
            and index + 1 < len(lines)
            and timing(lines[index + 1][1], lines[index + 1][0]) is not None
        ):
            continue
        found = timing(line, number)
        if found is not None:
            flush()
            start, start_line, text = found, number, []
        elif start is not None:
            text.append(line)
        elif line.strip():
            raise context.error(
                f"{line.strip()[:40]!r} comes before the first cue; {what}.", number
            )
    flush()
    if not cues:
        raise context.error(f"the file has no cues with text; {what}.")
    return cues


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]
