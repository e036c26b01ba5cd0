"""Read NVivo media-transcript rows: tab-separated ``Timespan``, ``Content``, ``Speaker``.

NVivo keeps the transcript of an audio or video file as a table, one row per entry: a
timespan (``0:00:01.5 - 0:00:05.2``; NVivo counts tenths of a second), the content and,
optionally, the speaker and custom columns. Exported or pasted as text, a row is one line
with its cells separated by tabs, as NVivo's own "Import Transcript Entries" reads them.

* A **header row** (``Timespan<TAB>Content<TAB>Speaker``, any case, any column order, more
  columns allowed) names the columns. Without one the columns are timespan, content,
  speaker, preceded by a row number when the first cell is a number (NVivo's ``ID``
  column). Other columns are not imported (a warning names them).
* A **timespan** is ``start - end`` or ``start / end`` with times ``H:MM:SS.t``,
  ``HH:MM:SS.t`` or ``MM:SS.t``; a single time is accepted too. An empty timespan cell gives
  a turn without time.
* A cell in double quotes (as spreadsheet programs write it) is unquoted (``""`` is ``"``).
* A row with an empty speaker cell belongs to the speaker of the row above (NVivo's
  "fill down"); without a speaker column, a confirmed ``Name: `` at the start of the content
  names the speaker (rule of :mod:`~workbench.parsing.readers.labels`).
* Each row is one turn with its own start time: a transcriber's rows are kept apart, as in
  plain ``Name: text`` files. A line without a tab continues the content of the row above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.model import RawTurn
from workbench.parsing.readers.common import (
    UNKNOWN_SPEAKER,
    Line,
    ReaderContext,
    as_lines,
    finish_turns,
    normalise_name,
    parse_clock,
)
from workbench.parsing.readers.labels import confirmed_labels, split_label

__all__ = ["looks_like_nvivo", "parse_nvivo"]

_TIME = r"\d{1,3}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_TIMESPAN = re.compile(rf"^(?P<start>{_TIME})(?:\s*[-–/]\s*(?P<end>{_TIME}))?$")
_EXAMPLE = "0:01:23.4 - 0:01:30.0"
_WHAT = (
    "NVivo transcript rows are tab-separated lines 'timespan<TAB>content<TAB>speaker', "
    f"e.g. '{_EXAMPLE}<TAB>I went quiet.<TAB>Client', optionally after a header row "
    "'Timespan<TAB>Content<TAB>Speaker'"
)


@dataclass(frozen=True)
class _Columns:
    """Where the cells are: timespan, content, speaker (None: no such column)."""

    timespan: int
    content: int
    speaker: int | None
    ignored: tuple[str, ...] = ()


def _cells(line: str) -> list[str]:
    return [_unquote(cell.strip()) for cell in line.rstrip("\r").split("\t")]


def _unquote(cell: str) -> str:
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"').strip()
    return cell


def _header(cells: list[str]) -> _Columns | None:
    names = [normalise_name(cell) for cell in cells]
    if "timespan" not in names or "content" not in names:
        return None
    speaker = next((index for index, name in enumerate(names)
                    if name in ("speaker", "speaker name", "speakers")), None)
    used = {names.index("timespan"), names.index("content"), speaker}
    ignored = tuple(cell for index, cell in enumerate(cells)
                    if index not in used and cell and normalise_name(cell) not in ("id", "#"))
    return _Columns(names.index("timespan"), names.index("content"), speaker, ignored)


def _positional(cells: list[str]) -> _Columns | None:
    """Columns of a row without a header: [ID,] timespan, content[, speaker]."""
    first = 1 if len(cells) > 2 and cells[0].isdigit() else 0
    if not _TIMESPAN.match(cells[first]):
        return None
    speaker = first + 2 if len(cells) > first + 2 else None
    return _Columns(first, first + 1, speaker)


def _layout(lines: Sequence[Line]) -> tuple[int, _Columns] | None:
    """Index of the first row and the columns, from the first non-blank line."""
    for index, (_, line) in enumerate(lines):
        if not line.strip():
            continue
        if "\t" not in line:
            return None
        cells = _cells(line)
        header = _header(cells)
        if header is not None:
            return index + 1, header
        columns = _positional(cells)
        return (index, columns) if columns is not None else None
    return None


def looks_like_nvivo(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first line is an NVivo header row, or a tab-separated row whose first
    cell (or second, after a row number) is a timespan."""
    return _layout(lines) is not None


def parse_nvivo(
    source: str | Sequence[Line], context: ReaderContext | None = None
) -> list[RawTurn]:
    """Speaker turns from NVivo transcript rows (text or numbered lines)."""
    context = context or ReaderContext()
    lines = as_lines(source)
    layout = _layout(lines)
    if layout is None:
        raise context.error(f"no NVivo transcript rows found; {_WHAT}.")
    start, columns = layout
    rows = _rows(lines[start:], columns, context)
    if not rows:
        raise context.error(f"the file has a header row but no transcript rows; {_WHAT}.")
    if columns.ignored:
        context.warn(f"column(s) {', '.join(repr(c) for c in columns.ignored)} are not imported "
                     "(only timespan, content and speaker are).")
    return finish_turns(_turns(rows, columns, context), context, merge=False)


@dataclass
class _Row:
    line: int
    time: float | None
    content: str
    speaker: str


def _rows(lines: Sequence[Line], columns: _Columns, context: ReaderContext) -> list[_Row]:
    rows: list[_Row] = []
    width = max(columns.timespan, columns.content) + 1
    for number, line in lines:
        if not line.strip():
            continue
        if "\t" not in line:
            if not rows:
                raise context.error(f"{line.strip()[:40]!r} is not a transcript row; {_WHAT}.",
                                    number)
            rows[-1].content += "\n" + line.strip()
            continue
        cells = _cells(line)
        if len(cells) < width:
            raise context.error(
                f"the row has {len(cells)} cell(s) but the content is in column "
                f"{columns.content + 1}; check the tabs in this line ({_WHAT}).", number)
        speaker = ""
        if columns.speaker is not None and columns.speaker < len(cells):
            speaker = cells[columns.speaker]
        rows.append(_Row(number, _timespan(cells[columns.timespan], number, context),
                         cells[columns.content], speaker))
    return rows


def _timespan(cell: str, line: int, context: ReaderContext) -> float | None:
    if not cell:
        return None
    match = _TIMESPAN.match(cell)
    try:
        if not match:
            raise ValueError(cell)
        begin = parse_clock(match["start"])
        end = parse_clock(match["end"]) if match["end"] else None
    except ValueError:
        raise context.error(
            f"{cell[:40]!r} is not a valid timespan; write it like {_EXAMPLE}.", line
        ) from None
    if end is not None and end < begin:
        context.warn(f"the timespan {cell!r} ends before it starts; check it.", line)
    return begin


def _turns(rows: list[_Row], columns: _Columns, context: ReaderContext) -> list[RawTurn]:
    confirmed: set[str] = set()
    if columns.speaker is None:
        labels = [found[0] for row in rows
                  if (found := split_label(row.content.split("\n", 1)[0]))]
        confirmed = confirmed_labels(labels, context)
    turns: list[RawTurn] = []
    speaker: str | None = None
    for row in rows:
        text = row.content
        named = row.speaker or None
        first = text.split("\n", 1)[0]
        found = split_label(first) if columns.speaker is None else None
        if found and normalise_name(found[0]) in confirmed:
            named = found[0]
            text = found[1] + text[len(first) :]
        if named is not None:
            speaker = context.canonical_name(named)
        who = speaker or UNKNOWN_SPEAKER
        turns.append(RawTurn(who, context.role_of(who), text, row.time, row.line))
    if speaker is None or any(turn.speaker == UNKNOWN_SPEAKER for turn in turns):
        unnamed = sum(1 for turn in turns if turn.speaker == UNKNOWN_SPEAKER)
        context.warn(f"{unnamed} row(s) name no speaker; their text is attributed to "
                     f"{UNKNOWN_SPEAKER!r}. Fill in the Speaker column in NVivo and export "
                     "again.")
    return turns
