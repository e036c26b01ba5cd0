"""Plain-text REFI sources -> workbench documents, with an exact map of character offsets.

REFI-QDA positions count Unicode code points of the source text from 0, end exclusive (the
spec says "first and last character", but every tool, and the spec's own examples, use an
exclusive end). A UTF-8 BOM is not part of the text: positions count from the character
after it.

Three ways to read a source (:data:`TextForm`):

* **verbatim** (the default for sources from other tools) — the text is stored exactly as
  the source holds it: line ends (CRLF, CR, LF), tabs, blank lines, leading ``Word:`` and
  all. Nothing is taken as a speaker label, so selections land on the same characters
  (positions need no mapping, one run covers everything) and exporting the document gives
  the same text back. Each non-blank line is a turn (its text trimmed of surrounding white
  space; a turn never holds a line end), and segments are the sentences spaCy finds in it
  (or the whole line with ``unit="turn"``). Every turn has the neutral speaker
  :data:`VERBATIM_SPEAKER` (``""``: no speaker) and the role ``participant``: the roles
  are the two the model knows, and analyses that keep participant text (character-unit
  agreement's default ``roles=("participant",)``, the dual perspective's "said" text) must
  take a foreign source whole rather than drop it as interviewer speech. ``[HH:MM:SS]``
  lines are text here, not recall stops (no video times). The workbench exports such a
  document with a ``Description`` saying so (:func:`describe_document`), and reads a source
  with that description back verbatim, also when another tool passed the file on.
* **canonical** — the text is already the workbench's canonical text (``[HH:MM:SS]`` stop
  lines and ``Speaker: text`` lines, as the workbench exports transcripts): rebuilding it
  from its turns gives the same string, so it is stored unchanged with its speakers and
  positions need no mapping. Used for the workbench's own transcript exports (by origin or
  by the ``Description`` the export wrote), and tried first when speaker detection is
  asked for;
* **speakers** — opt-in speaker detection on foreign text (``import_qdpx(...,
  detect_speakers=True)``, ``workbench import --detect-speakers``; preview it with
  :func:`workbench.interop.refi_speakers.preview_speakers`): each non-blank line becomes a
  turn; ``Name: text`` gives the speaker (a name of at most 4 words and 40 characters that
  starts with a letter), otherwise the speaker is "Unknown"; every speaker is a participant
  unless the source description names them as interviewer; ``[HH:MM:SS]`` lines set the
  video time. The text is rewritten as a transcript: speaker prefixes are added, blank lines
  and surrounding white space dropped and labels cut, so the reader keeps, for each turn,
  where its text starts in the source (``runs``) and which label it cut (``labels``): a
  selection maps to the same characters, and the parts of it that fall on dropped
  characters (labels, white space) are left out and reported (:meth:`SourceText.removed`).
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from workbench.errors import ImportFormatError, TranscriptError
from workbench.model import CaseAttributes, ParsedTranscript, RawTurn, SegmentUnit, Turn
from workbench.parsing.ipr_text import parse_video_time
from workbench.parsing.transcript import build_transcript

__all__ = ["VERBATIM_SPEAKER", "SourceText", "TextForm", "decode_source", "describe_document",
           "read_description", "read_source_text", "read_text_form"]

TextForm = Literal["verbatim", "canonical", "speakers"]
"""How a source's text becomes a document (see the module docstring)."""
UNKNOWN_SPEAKER = "Unknown"
VERBATIM_SPEAKER = ""
"""The speaker of every turn of a verbatim document: none."""
_STOP = re.compile(r"^\[(\d{1,3}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]$")
_SPEAKER = re.compile(r"^([^:\r\n]{1,40}):\s+(?=\S)")
_LINE_END = re.compile(r"\r\n|\r|\n")
_DESCRIPTION_HEAD = "IPR workbench document"
_UNIT = re.compile(r"^Unit of coding: (sentence|turn)$", re.MULTILINE)
_INTERVIEWER = re.compile(r"^Interviewer: (.+)$", re.MULTILINE)
_VERBATIM_HEAD = f"{_DESCRIPTION_HEAD}: verbatim source text"
_CANONICAL_HEAD = f"{_DESCRIPTION_HEAD}: canonical transcript text"


def describe_document(unit: str, interviewers: list[str], *, verbatim: bool = False) -> str:
    """The ``Description`` of an exported text source (read back by :func:`read_description`
    and :func:`read_text_form`)."""
    if verbatim:
        head = (f"{_VERBATIM_HEAD} (as the source gave it; each non-blank line is a turn "
                "without speaker).")
    else:
        head = (f"{_CANONICAL_HEAD} ([HH:MM:SS] lines for recall stops, one 'Speaker: text' "
                "line per turn).")
    lines = [head, f"Unit of coding: {unit}"]
    lines += [f"Interviewer: {name}" for name in interviewers]
    return "\n".join(lines)


def read_text_form(description: str) -> TextForm | None:
    """The form a workbench export recorded for a source (None: not recorded)."""
    if description.startswith(_VERBATIM_HEAD):
        return "verbatim"
    if description.startswith(_CANONICAL_HEAD):
        return "canonical"
    return None


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
    """A source read as a document, and where each turn's text lies in the source.

    ``runs`` are ``(source_start, canonical_start, length)`` triples, sorted, one per turn
    (a single run covering everything for a verbatim or canonical source). ``labels`` are,
    for the *speakers* form, the ``(source_start, source_end)`` of the speaker label each
    turn's line lost (empty when it had none); ``lines`` the source line number of each turn.
    """

    transcript: ParsedTranscript
    runs: tuple[tuple[int, int, int], ...]
    form: TextForm
    labels: tuple[tuple[int, int], ...] = ()
    lines: tuple[int, ...] = ()
    source_text: str = ""
    """The source text as read (the same string as the document's for verbatim and
    canonical sources)."""
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [run[0] for run in self.runs])

    @property
    def canonical(self) -> bool:
        """True when the stored text is the source text unchanged (verbatim or canonical)."""
        return self.form != "speakers"

    def to_canonical(self, start: int, end: int) -> list[tuple[int, int]]:
        """Document ``(start, end)`` ranges of the source characters ``[start, end)``."""
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

    def document_range(self, start: int, end: int) -> tuple[int, int]:
        """The document range a selection of source characters ``[start, end)`` becomes:
        the same range on a verbatim source; otherwise from the first to the last mapped
        character, trimmed of white space (``lo == hi`` when nothing is left)."""
        pieces = self.to_canonical(start, end)
        lo = min((p[0] for p in pieces), default=0)
        hi = max((p[1] for p in pieces), default=0)
        if self.form != "verbatim":
            text = self.transcript.text
            while lo < hi and text[lo].isspace():
                lo += 1
            while hi > lo and text[hi - 1].isspace():
                hi -= 1
        return lo, hi

    def removed(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """Speaker labels inside the source characters ``[start, end)`` that the document
        does not hold: ``(source_start, source_end, text)`` of each part of a label the
        range covers (none for verbatim and canonical sources). White space dropped
        between lines is not reported: a line end still separates the turns."""
        out = []
        for lo, hi in self.labels:
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi and self.source_text[lo:hi].strip():
                out.append((lo, hi, self.source_text[lo:hi]))
        return out


def _verbatim(text: str, name: str, attributes: CaseAttributes, source: str
              ) -> ParsedTranscript:
    """The source text unchanged, one turn per non-blank line (see the module docstring)."""
    turns: list[Turn] = []
    position = 0
    ends = [(m.start(), m.end()) for m in _LINE_END.finditer(text)]
    ends.append((len(text), len(text)))
    for line_end, next_start in ends:
        line = text[position:line_end]
        content = line.strip()
        if content:
            start = position + len(line) - len(line.lstrip())
            turns.append(Turn(index=len(turns), speaker=VERBATIM_SPEAKER, role="participant",
                              text=content, start=start, end=start + len(content)))
        position = next_start
    if not turns:
        raise TranscriptError("the source has no text; it was not imported.",
                              path=source or name)
    return ParsedTranscript(name=name, attributes=attributes, text=text, turns=tuple(turns),
                            source=source)


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
             source: str) -> tuple[ParsedTranscript, list[int], list[tuple[int, int]], list[int]]:
    raw: list[RawTurn] = []
    offsets: list[int] = []
    labels: list[tuple[int, int]] = []
    numbers: list[int] = []
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
        label_start = at
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
        labels.append((label_start, at))
        numbers.append(number)
    return build_transcript(name, attributes, raw, source=source), offsets, labels, numbers


def read_source_text(
    text: str,
    name: str,
    attributes: CaseAttributes,
    *,
    interviewers: Collection[str] = (),
    source: str = "",
    form: TextForm = "verbatim",
) -> SourceText:
    """Read decoded source ``text`` as a document (see the module docstring).

    ``form="verbatim"`` stores the text as it is; ``"canonical"`` (a workbench transcript
    export) reads it as canonical text and falls back to verbatim when it is not;
    ``"speakers"`` reads it as canonical text or else detects speakers line by line.
    Raises :class:`TranscriptError` when the text has no words at all.
    """
    if form not in ("verbatim", "canonical", "speakers"):
        raise ValueError(f"form must be 'verbatim', 'canonical' or 'speakers', not {form!r}")
    if form != "verbatim":
        parsed = _canonical(text, name, attributes, interviewers, source)
        if parsed is not None:
            return SourceText(parsed, ((0, 0, len(text)),), "canonical", source_text=text)
    if form != "speakers":
        return SourceText(_verbatim(text, name, attributes, source), ((0, 0, len(text)),),
                          "verbatim", source_text=text)
    parsed, offsets, labels, numbers = _generic(text, name, attributes, interviewers, source)
    runs = []
    for turn, at in zip(parsed.turns, offsets, strict=True):
        if parsed.text[turn.start:turn.end] != text[at:at + len(turn.text)]:
            raise ImportFormatError(  # pragma: no cover - would be a bug in _generic
                f"{source or name}: internal error mapping turn {turn.index} to the source."
            )
        runs.append((at, turn.start, len(turn.text)))
    return SourceText(parsed, tuple(runs), "speakers", labels=tuple(labels),
                      lines=tuple(numbers), source_text=text)
