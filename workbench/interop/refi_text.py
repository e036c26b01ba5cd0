"""Plain-text REFI sources -> workbench transcripts, with an exact map of character offsets.

REFI-QDA positions count Unicode code points of the source text from 0, end exclusive (the
spec says "first and last character", but every tool, and the spec's own examples, use an
exclusive end). A UTF-8 BOM is not part of the text: positions count from the character
after it.

Two ways to read a source:

* **canonical** — the text is already the workbench's canonical text (``[HH:MM:SS]`` stop
  lines and ``Speaker: text`` lines, as every workbench export writes it): rebuilding it from
  its turns gives the same string, so it is stored unchanged and positions need no mapping;
* **generic** — any other text: each non-blank line becomes a turn; ``Name: text`` gives the
  speaker (a name of at most 4 words and 40 characters that starts with a letter), otherwise
  the speaker is "Unknown"; every speaker is a participant unless the source description
  names them as interviewer; ``[HH:MM:SS]`` lines set the video time. The canonical text adds
  speaker prefixes and drops blank lines and surrounding white space, so the reader keeps,
  for each turn, where its text starts in the source: a selection maps to the same
  characters, and parts of it that fall on dropped characters (prefixes, white space) are
  left out.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from workbench.errors import ImportFormatError, TranscriptError
from workbench.model import CaseAttributes, ParsedTranscript, RawTurn, SegmentUnit
from workbench.parsing.ipr_text import parse_video_time
from workbench.parsing.transcript import build_transcript

__all__ = ["SourceText", "decode_source", "describe_document", "read_description",
           "read_source_text"]

UNKNOWN_SPEAKER = "Unknown"
_STOP = re.compile(r"^\[(\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]$")
_SPEAKER = re.compile(r"^([^:\r\n]{1,40}):\s+(?=\S)")
_LINE_END = re.compile(r"\r\n|\r|\n")
_DESCRIPTION_HEAD = "IPR workbench document"
_UNIT = re.compile(r"^Unit of coding: (sentence|turn)$", re.MULTILINE)
_INTERVIEWER = re.compile(r"^Interviewer: (.+)$", re.MULTILINE)


def describe_document(unit: str, interviewers: list[str]) -> str:
    """The ``Description`` of an exported text source (read back by :func:`read_description`)."""
    lines = [f"{_DESCRIPTION_HEAD}: canonical transcript text ([HH:MM:SS] lines for recall "
             "stops, one 'Speaker: text' line per turn).", f"Unit of coding: {unit}"]
    lines += [f"Interviewer: {name}" for name in interviewers]
    return "\n".join(lines)


def read_description(description: str) -> tuple[SegmentUnit | None, set[str]]:
    """``(unit, interviewer speakers)`` from a text source description (``None``, empty)."""
    match = _UNIT.search(description)
    unit: SegmentUnit | None = None
    if match is not None:
        unit = "turn" if match.group(1) == "turn" else "sentence"
    return unit, {m.group(1).strip() for m in _INTERVIEWER.finditer(description)}


def decode_source(data: bytes, where: str) -> tuple[str, str | None]:
    """``(text, warning)`` of a source file: UTF-8 (BOM dropped), UTF-16 with BOM, or cp1252.

    Line ends are kept as they are, since positions count them.
    """
    warning = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFormatError(f"{where}: starts like UTF-16 but is not.") from None
    else:
        body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                text = body.decode("cp1252")
            except UnicodeDecodeError:
                text = body.decode("utf-8", errors="replace")
            warning = (f"{where}: not valid UTF-8 (first bad byte at {exc.start}); read as "
                       "Windows-1252, so check accented letters and the codings near them.")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ImportFormatError(f"{where}: contains NUL characters; it is not a text file.")
    return text, warning


@dataclass(frozen=True)
class SourceText:
    """A source read as a transcript, and where each turn's text lies in the source.

    ``runs`` are ``(source_start, canonical_start, length)`` triples, sorted, one per turn
    (a single run covering everything for a canonical source).
    """

    transcript: ParsedTranscript
    runs: tuple[tuple[int, int, int], ...]
    canonical: bool
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [run[0] for run in self.runs])

    def to_canonical(self, start: int, end: int) -> list[tuple[int, int]]:
        """Canonical ``(start, end)`` ranges of the source characters ``[start, end)``."""
        out: list[tuple[int, int]] = []
        first = max(bisect.bisect_right(self._starts, start) - 1, 0)
        for source_start, canonical_start, length in self.runs[first:]:
            if source_start >= end:
                break
            lo, hi = max(start, source_start), min(end, source_start + length)
            if lo < hi:
                shift = canonical_start - source_start
                out.append((lo + shift, hi + shift))
        return out


def _canonical(text: str, name: str, attributes: CaseAttributes, interviewers: Collection[str],
               source: str) -> ParsedTranscript | None:
    if not text.endswith("\n") or "\r" in text:
        return None
    raw: list[RawTurn] = []
    time: float | None = None
    for line in text[:-1].split("\n"):
        if not line:
            continue
        stop = _STOP.match(line)
        if stop is not None:
            try:
                time = parse_video_time(stop.group(1))
            except ValueError:
                return None
            continue
        speaker, sep, rest = line.partition(": ")
        if not sep or not speaker:
            return None
        role = "interviewer" if speaker in interviewers else "participant"
        raw.append(RawTurn(speaker, role, rest, time))
    try:
        parsed = build_transcript(name, attributes, raw, source=source)
    except TranscriptError:
        return None
    return parsed if parsed.text == text else None


def _generic(text: str, name: str, attributes: CaseAttributes, interviewers: Collection[str],
             source: str) -> tuple[ParsedTranscript, list[int]]:
    raw: list[RawTurn] = []
    offsets: list[int] = []
    time: float | None = None
    position = 0
    lines: list[tuple[str, int]] = []
    for match in _LINE_END.finditer(text):
        lines.append((text[position:match.start()], position))
        position = match.end()
    lines.append((text[position:], position))
    for number, (line, at) in enumerate(lines, 1):
        content = line.strip()
        if not content:
            continue
        at += len(line) - len(line.lstrip())
        stop = _STOP.match(content)
        if stop is not None:
            try:
                time = parse_video_time(stop.group(1))
                continue
            except ValueError:
                pass
        speaker, body = UNKNOWN_SPEAKER, content
        label = _SPEAKER.match(content)
        if label is not None:
            candidate = label.group(1)
            if (candidate == candidate.strip() and candidate[0].isalpha()
                    and len(candidate.split()) <= 4):
                speaker, body = candidate, content[label.end():]
                at += label.end()
        role = "interviewer" if speaker in interviewers else "participant"
        raw.append(RawTurn(speaker, role, body, time, source_line=number))
        offsets.append(at)
    return build_transcript(name, attributes, raw, source=source), offsets


def read_source_text(
    text: str,
    name: str,
    attributes: CaseAttributes,
    *,
    interviewers: Collection[str] = (),
    source: str = "",
) -> SourceText:
    """Read decoded source ``text`` as a transcript (see the module docstring).

    Raises :class:`TranscriptError` when the text has no words at all.
    """
    parsed = _canonical(text, name, attributes, interviewers, source)
    if parsed is not None:
        return SourceText(parsed, ((0, 0, len(text)),), canonical=True)
    parsed, offsets = _generic(text, name, attributes, interviewers, source)
    runs = []
    for turn, at in zip(parsed.turns, offsets, strict=True):
        if parsed.text[turn.start:turn.end] != text[at:at + len(turn.text)]:
            raise ImportFormatError(  # pragma: no cover - would be a bug in _generic
                f"{source or name}: internal error mapping turn {turn.index} to the source."
            )
        runs.append((at, turn.start, len(turn.text)))
    return SourceText(parsed, tuple(runs), canonical=False)
