"""Read plain text where each turn starts with ``Speaker: text``.

Which ``Label:`` lines start a turn is decided by the rule in
:mod:`~workbench.parsing.readers.labels` (short label, not ``Note:``/``http://``/``e.g.:``/
``10:30``, and confirmed by appearing twice, being declared, or being an interviewer name).
Every other line continues the current turn (blank lines included, so a turn may span
paragraphs). Lines before the first turn are not imported, with a warning. Turns carry no
video time. Consecutive turns by one speaker are kept apart: a transcriber wrote them so.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.model import RawTurn
from workbench.parsing.readers.blocks import Header, parse_headed
from workbench.parsing.readers.common import Line, ReaderContext, as_lines, normalise_name
from workbench.parsing.readers.labels import confirmed_labels, split_label

__all__ = [
    "looks_like_speaker_lines",
    "parse_speaker_lines",
    "speaker_headers",
    "warn_unconfirmed",
]

WHAT = (
    "a turn is a line 'Name: text'; a name counts as a speaker when it starts at least two "
    "lines, is named in roles, or is I, R, Int, Interviewer or Researcher"
)
"""How a turn looks, for "no speaker turns found" messages."""


def speaker_headers(lines: Sequence[Line], context: ReaderContext) -> dict[int, Header]:
    """Index of each line that starts a turn -> its header (speaker and text after ``:``)."""
    found = {
        index: label for index, (_, line) in enumerate(lines) if (label := split_label(line))
    }
    confirmed = confirmed_labels([label for label, _ in found.values()], context)
    return {
        index: Header(label, None, rest)
        for index, (label, rest) in found.items()
        if normalise_name(label) in confirmed
    }


def looks_like_speaker_lines(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when at least one line starts a turn by the speaker rule."""
    return bool(speaker_headers(lines, context or ReaderContext()))


def parse_speaker_lines(
    source: str | Sequence[Line], context: ReaderContext | None = None
) -> list[RawTurn]:
    """Speaker turns from ``Speaker: text`` lines (text or numbered lines)."""
    context = context or ReaderContext()
    lines = as_lines(source)
    headers = speaker_headers(lines, context)
    turns = parse_headed(lines, context, headers.get, what=WHAT, merge=False)
    warn_unconfirmed(lines, headers, context)
    return turns


def warn_unconfirmed(
    lines: Sequence[Line], headers: dict[int, Header], context: ReaderContext
) -> None:
    """Warn about ``Name:`` lines kept as text because the name starts only one line."""
    single = [
        (number, found[0])
        for index, (number, line) in enumerate(lines)
        if index not in headers and (found := split_label(line))
    ]
    for number, label in single[:3]:
        context.warn(
            f"{label + ':'!r} looks like a speaker label but starts only this line, so it was "
            f"kept as text; if {label!r} is a speaker, name it in roles.",
            number,
        )
    if len(single) > 3:
        context.warn(f"{len(single) - 3} more such line(s) were kept as text.")
