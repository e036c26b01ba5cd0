"""Turn timed caption cues (WebVTT, SRT, SBV) into speaker turns that keep the cues' times.

**Speakers.** A cue's speaker is its WebVTT voice (``<v Name>``) when it has one; otherwise
a leading ``Name: `` in the cue text when :mod:`~workbench.parsing.readers.labels` confirms
``Name`` as a speaker (Zoom writes its WebVTT cues that way). When at least half of the
cues without a voice start with a ``Name: `` prefix, every such prefix names a speaker, so
a person who speaks only once in a Zoom file is still found. Likewise, once one prefix is
confirmed (it starts two cues, is declared, or is an interviewer name), every prefix names
a speaker: a file that labels speakers this way uses ``Name: `` only for them, and a
speaker labelled on a single cue is still found. A cue without a voice or a
label **belongs to the speaker of the cue before it** (captioning tools often name the
speaker only on the first cue of a run; one warning counts these cues). Cues before the
first named one, and every cue of a file that names no speaker, are attributed to
:data:`~workbench.parsing.readers.common.UNKNOWN_SPEAKER` and each stays a turn of its
own, with its own time.

**Streaming speech recognition.** Live captions repeat and grow: a cue may repeat the cue
before it, extend it (``I think`` then ``I think that's right``), or roll it up a line
(the last line of one cue is the first line of the next). Such a cue, by the same speaker
and less than ``pause`` after the one before it, is **merged** into it: its new words are
added once, the merged cue keeps the first start. Words are compared ignoring case and
punctuation; a rolled line must hold at least two words. A cue that starts before the cue
above it is left where it is in the file, with a warning naming its line.

**Turns and times.** Software cuts speech every few seconds, so the cues of one speaker
are joined into turns, and a turn keeps **every cue's start**:

* a run of one speaker is split into turns at a **pause**: the next cue starts ``pause``
  seconds or more after the previous cue ends (:data:`PAUSE_SECONDS` = 2.0 s, a pause long
  enough to be heard as one; overlapping or touching cues never split). The turn's time
  (:attr:`~workbench.model.Turn.video_time`) is the start of its first cue;
* every later cue of the turn leaves a **time mark** where its text begins
  (:attr:`~workbench.model.Turn.time_marks`, stored with the document:
  :meth:`~workbench.project.Project.time_marks`). A segment (sentence) takes the time of
  the cue it begins in, so a sentence that begins at a cue's start has exactly that
  cue's time and one that begins inside a cue has that cue's start, never a later time.

Sentence segmentation is then spaCy's, as for any transcript: a sentence may run across
cues. With ``unit="turn"`` a unit is a speaker's run between pauses. Empty cues are skipped with a warning.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from workbench.model import RawTurn, format_video_time
from workbench.parsing.readers.common import (
    UNKNOWN_SPEAKER,
    Line,
    ReaderContext,
    finish_turns,
    join_timed,
    normalise_name,
    parse_clock,
)
from workbench.parsing.readers.labels import confirmed_labels, split_label

__all__ = [
    "PAUSE_SECONDS",
    "Cue",
    "cue_times",
    "cues_to_turns",
    "ends_sentence",
    "line_cues",
    "strip_markup",
]

PAUSE_SECONDS = 2.0
"""A gap of at least this many seconds between two cues of one speaker starts a new turn."""

_TAG = re.compile(
    r"</?(?:[a-zA-Z][\w.-]*)(?:\s[^<>]*)?>"  # <b>, </i>, <c.colorE5E5E5>, <font color=..>
    r"|<\d+(?::\d+){1,2}(?:[.,]\d+)?>"  # inline timestamps <00:17.500>
    r"|\{\\[^{}]*\}"  # SSA/ASS overrides in SRT: {\an8}
)
_SENTENCE_END = re.compile(r"[.?!…][\"'”’»)\]]*$")
_WORD_EDGES = re.compile(r"^\W+|\W+$")
_LISTED = 3  # backwards cues named one by one before the rest are counted


@dataclass(frozen=True)
class Cue:
    """One caption cue (or one voice of a cue): start time, text, line of its timing, end."""

    start: float
    text: str
    line: int
    speaker: str | None = None
    end: float | None = None


def cue_times(
    start: str, end: str, line: int, context: ReaderContext, example: str
) -> tuple[float, float]:
    """Seconds of a cue's ``start`` and ``end``; errors name the line."""
    try:
        begin, finish = parse_clock(start), parse_clock(end)
    except ValueError:
        raise context.error(
            f"{start} --> {end} is not a valid cue timing; write it like {example}.", line
        ) from None
    if finish < begin:
        context.warn(f"the cue ends ({end}) before it starts ({start}); check its timing.", line)
    return begin, finish


def strip_markup(text: str) -> str:
    """Remove tags (``<b>``, ``<c.x>``, ``<00:17.500>``, ``{\\an8}``); unescape ``&amp;``."""
    return html.unescape(_TAG.sub("", text))


def cues_to_turns(
    cues: Sequence[Cue], context: ReaderContext, *, pause: float = PAUSE_SECONDS
) -> list[RawTurn]:
    """Speaker turns from cues, in file order (rules: see the module docstring).

    ``pause`` (seconds, default :data:`PAUSE_SECONDS`) is the gap between one cue's end and
    the next cue's start from which a speaker's run of cues is split into two turns.
    """
    named = _carry_speakers(_named_cues(cues, context), context)
    _warn_backwards(named, context)
    merged = _merge_rolling(named, pause, context)
    turns: list[RawTurn] = []
    previous: Cue | None = None
    for cue in merged:
        speaker = cue.speaker or UNKNOWN_SPEAKER
        if (
            previous is not None
            and cue.speaker is not None
            and previous.speaker == cue.speaker
            and not _starts_turn(previous, cue, pause)
        ):
            turns[-1] = join_timed(turns[-1], cue.text, cue.start)
        else:
            turns.append(RawTurn(speaker, context.role_of(speaker), cue.text, cue.start,
                                 cue.line))
        previous = cue
    return finish_turns(turns, context, merge=False)


def _named_cues(cues: Sequence[Cue], context: ReaderContext) -> list[Cue]:
    """The cues with the speaker their voice or confirmed ``Name: `` label gives (or None)."""
    candidates = [split_label(_first_line(cue.text)) for cue in cues if cue.speaker is None]
    labels = [found[0] for found in candidates if found]
    confirmed = confirmed_labels(labels, context)
    if labels and (confirmed or 2 * len(labels) >= len(candidates)):
        confirmed |= {normalise_name(label) for label in labels}
    out: list[Cue] = []
    for cue in cues:
        speaker, text = cue.speaker, cue.text
        if speaker is None:
            found = split_label(_first_line(text))
            if found and normalise_name(found[0]) in confirmed:
                speaker = found[0]
                text = found[1] + text[len(_first_line(text)) :]
        speaker = context.canonical_name(speaker) if speaker else None
        out.append(replace(cue, speaker=speaker, text=text))
    return out


def _carry_speakers(cues: list[Cue], context: ReaderContext) -> list[Cue]:
    """Give each unnamed cue the speaker of the cue before it; warn about the ones left."""
    out: list[Cue] = []
    speaker: str | None = None
    carried = unnamed = 0
    for cue in cues:
        if cue.speaker is not None:
            speaker = cue.speaker
        elif speaker is not None:
            cue = replace(cue, speaker=speaker)
            carried += 1
        else:
            unnamed += 1
        out.append(cue)
    if carried:
        context.warn(
            f"{carried} cue(s) without a speaker label were given to the speaker of the cue "
            "before them; if a cue starts another speaker, start its text with 'Name: '."
        )
    if unnamed:
        context.warn(
            f"{unnamed} cue(s) name no speaker; their text is attributed to "
            f"{UNKNOWN_SPEAKER!r}. To tell speakers apart, start each cue's text with 'Name: '."
        )
    return out


def _warn_backwards(cues: Sequence[Cue], context: ReaderContext) -> None:
    """Warn about cues that start before the cue above them (kept in file order)."""
    backwards = [(prev, cue) for prev, cue in pairwise(cues)
                 if cue.start < prev.start and not _rolls(prev, cue)]
    for prev, cue in backwards[:_LISTED]:
        context.warn(
            f"the cue starts at {format_video_time(cue.start)}, before the cue above it "
            f"(line {prev.line}, {format_video_time(prev.start)}); it is kept in file order "
            "with its own time. Check the cue order, or the captioning tool's export.",
            cue.line,
        )
    if len(backwards) > _LISTED:
        context.warn(f"{len(backwards) - _LISTED} more cue(s) start before the cue above them.")


def _merge_rolling(cues: Sequence[Cue], pause: float, context: ReaderContext) -> list[Cue]:
    """Merge each cue that repeats, extends or rolls up the one before it (same speaker)."""
    out: list[Cue] = []
    merged = 0
    previous: Cue | None = None  # the last cue as written, before merging
    for cue in cues:
        last = out[-1] if out else None
        if (
            last is not None
            and previous is not None
            and previous.speaker == cue.speaker
            and not _paused(previous, cue, pause)
            and (new := _rolled_text(last.text, previous.text, cue.text)) is not None
        ):
            out[-1] = replace(last, text=new, end=_later(last.end, cue.end))
            merged += 1
        else:
            out.append(cue)
        previous = cue
    if merged:
        context.warn(
            f"{merged} cue(s) repeated or extended the cue before them (rolling live "
            "captions) and were merged into it, keeping its start time."
        )
    return out


def _rolled_text(merged: str, previous: str, text: str) -> str | None:
    """``merged`` with the new words of ``text`` when it repeats, extends or rolls up
    ``previous`` (which ``merged`` ends with); None when ``text`` is new speech.
    """
    old, new = _keys(previous), _keys(text)
    if not old or not new:
        return None
    if new == old or (len(new) >= 2 and new == old[-len(new) :]):  # a repeat
        return merged
    if new[: len(old)] == old:  # an extension: the previous text, then more words
        return _replace_tail(merged, len(old), text.split())
    old_lines = [line for line in previous.split("\n") if line.strip()]
    new_lines = [line for line in text.split("\n") if line.strip()]
    for count in range(min(len(old_lines), len(new_lines) - 1), 0, -1):
        overlap = [_keys(line) for line in new_lines[:count]]
        if overlap == [_keys(line) for line in old_lines[-count:]] and sum(
            len(words) for words in overlap
        ) >= 2:  # rolled up: the last lines of the previous cue begin this one
            return _replace_tail(merged, sum(len(words) for words in overlap), text.split())
    return None


def _replace_tail(merged: str, count: int, words: list[str]) -> str:
    """``merged`` with its last ``count`` words replaced by ``words`` (lines kept)."""
    lines = merged.split("\n")
    while count > 0 and lines:
        tokens = lines[-1].split()
        if len(tokens) <= count:
            count -= len(tokens)
            lines.pop()
        else:
            lines[-1] = " ".join(tokens[: len(tokens) - count])
            count = 0
    return "\n".join([*lines, " ".join(words)]).strip("\n")


def _keys(text: str) -> list[str]:
    """Words of ``text`` for comparison: case folded, punctuation at their ends removed."""
    keys = (_WORD_EDGES.sub("", word).casefold() for word in text.split())
    return [key for key in keys if key]


def _rolls(previous: Cue, cue: Cue) -> bool:
    return previous.speaker == cue.speaker and (
        _rolled_text(previous.text, previous.text, cue.text) is not None
    )


def _paused(previous: Cue, cue: Cue, pause: float) -> bool:
    end = previous.start if previous.end is None else max(previous.end, previous.start)
    return cue.start - end >= pause


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with ``.``, ``?``, ``!`` or ``…`` (maybe then a quote or bracket)."""
    return bool(_SENTENCE_END.search(text.rstrip()))


def _starts_turn(previous: Cue, cue: Cue, pause: float) -> bool:
    """True when ``cue`` begins a new turn of the same speaker: after a pause."""
    return _paused(previous, cue, pause)


def _later(first: float | None, second: float | None) -> float | None:
    if first is None or second is None:
        return second if first is None else first
    return max(first, second)


def line_cues(
    lines: Sequence[Line],
    context: ReaderContext,
    timing: Callable[[str, int], tuple[float, float] | None],
    *,
    numbered: bool,
    what: str,
) -> list[Cue]:
    """Cues of a line-based caption file (SRT, SBV).

    ``timing(line, number)`` returns the start and end of a timing line, None for other
    lines, and raises for a garbled timing. With ``numbered``, a line of digits right before
    a timing line is the cue number (SRT) and is dropped. Text before the first cue is an
    error.
    """
    cues: list[Cue] = []
    times: tuple[float, float] | None = None
    start_line = 0
    text: list[str] = []

    def flush() -> None:
        if times is None:
            return
        body = strip_markup("\n".join(line for line in text if line.strip())).strip()
        if not body:
            context.warn("the cue has no text; skipped.", start_line)
            return
        cues.append(Cue(times[0], body, start_line, end=times[1]))

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
            times, start_line, text = found, number, []
        elif times is not None:
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
