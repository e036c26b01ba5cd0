"""The transcript formats: one :class:`TranscriptFormat` entry per format, in sniffing order.

Everything that depends on the list of formats derives from :data:`REGISTRY`: choosing a
reader by extension and by content (:mod:`~workbench.parsing.readers.detect`), reading
(:func:`~workbench.parsing.readers.read_transcript`), the "supported formats" text of
error messages and of ``workbench import --help`` (:func:`supported_formats`), and the
paragraphs of a ``.docx``, which are sniffed with the entries that read ``lines``.
**Adding a format** is one entry here, pointing at a reader module.

An entry names its reader and its sniffing rule as ``"module:function"``; they are imported
when first used, so the command line can list the formats without loading python-docx.

* ``read``: a **turn reader** ``(source, context) -> list[RawTurn]`` (the file has no case
  attributes, so the caller must give them), or, with ``carries_attributes``, a **document
  reader** ``(text, context, name) -> ParsedTranscript`` (attributes, roles and document name
  come from the file: the workbench's own ``.ipr.txt``).
* ``input``: what the reader needs: ``"bytes"`` (the file as it is: ``.docx``), ``"text"``
  (decoded text), or ``"lines"`` (decoded text, or numbered lines such as a ``.docx``'s
  paragraphs).
* ``suffixes``: extensions that choose the format without looking at the content. Files
  ending in one of :data:`SNIFFED_SUFFIXES` are **sniffed**: each entry's ``sniff(lines,
  context)`` is asked in registry order and the first that says yes reads the file.

The sniffing rules, in registry order (a test keeps this list and the registry together):

1. ``ipr``: the first line is ``---`` (front matter);
2. ``webvtt``: the first non-blank line starts with ``WEBVTT``;
3. ``srt``: the first non-blank lines are a number and ``... --> ...`` (or a
   ``00:00:01,000 -->`` line);
4. ``sbv``: the first line is ``0:00:01.000,0:00:02.000``;
5. ``nvivo``: the first line is a ``Timespan<TAB>Content`` header row, or a tab-separated
   row whose first cell (or second, after a row number) is a timespan ``0:00:01.5 - 0:00:05.2``;
6. ``f4``: a line ends with an f4 time mark ``#00:01:23-4#``;
7. ``rev``: the first text line, or two lines, look like ``Speaker 1 (00:12):``;
8. ``zoom``: the first text line, or two lines, look like ``[Name] 11:02:09``;
9. ``otter``: the first text line, or two lines, are accepted ``Name  0:03`` headers
   (Otter, MS Teams);
10. ``speaker_lines``: at least one line starts a turn by the plain speaker rule.

``docx`` is chosen by its extension only.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.model import ParsedTranscript, RawTurn
from workbench.parsing.readers.common import Line, ReaderContext

__all__ = [
    "REGISTRY",
    "SNIFFED_SUFFIXES",
    "UNSUPPORTED_HINTS",
    "Input",
    "TranscriptFormat",
    "format_named",
    "supported_formats",
]

Input = Literal["bytes", "text", "lines"]
TurnReader = Callable[[Any, ReaderContext | None], list[RawTurn]]
DocumentReader = Callable[[str, ReaderContext, str], ParsedTranscript]
Sniffer = Callable[[Sequence[Line], ReaderContext], bool]


@dataclass(frozen=True)
class TranscriptFormat:
    """One transcript format: key, description, suffixes, sniffing rule, reader, needs."""

    key: str
    description: str
    read: str
    """``"module:function"`` of the reader (see the module docstring)."""
    input: Input = "lines"
    suffixes: tuple[str, ...] = ()
    sniff: str | None = None
    """``"module:function"`` of ``(lines, context) -> bool``; None: chosen by suffix only."""
    carries_attributes: bool = False

    def __post_init__(self) -> None:
        for suffix in self.suffixes:
            if not suffix.startswith(".") or suffix != suffix.lower():
                raise ValueError(f"{self.key}: suffix {suffix!r} must be lower case, with '.'")
        if self.carries_attributes and self.input == "bytes":
            raise ValueError(f"{self.key}: a document reader reads decoded text")

    @property
    def needs_attributes(self) -> bool:
        """True when the caller must supply case attributes (the file has none)."""
        return not self.carries_attributes

    def turn_reader(self) -> TurnReader:
        """The reader of a format without case attributes; TypeError for ``ipr``."""
        if self.carries_attributes:
            raise TypeError(f"{self.key} is read as a whole document: use document_reader()")
        reader: TurnReader = _load(self.read)
        return reader

    def document_reader(self) -> DocumentReader:
        """The reader of a format that carries its own case attributes."""
        if not self.carries_attributes:
            raise TypeError(f"{self.key} gives turns: use turn_reader()")
        reader: DocumentReader = _load(self.read)
        return reader

    def sniffs(self, lines: Sequence[Line], context: ReaderContext) -> bool:
        """True when this format's sniffing rule accepts ``lines`` (False without a rule)."""
        if self.sniff is None:
            return False
        sniffer: Sniffer = _load(self.sniff)
        return bool(sniffer(lines, context))


_R = "workbench.parsing.readers."

REGISTRY: tuple[TranscriptFormat, ...] = (
    TranscriptFormat(
        "ipr", "IPR workbench text with front matter (.ipr.txt, see transcripts/README.md)",
        _R + "ipr:read_ipr", "text", (".ipr.txt",), _R + "ipr:looks_like_ipr",
        carries_attributes=True),
    TranscriptFormat(
        "docx", "Word (.docx): 'Name: text' paragraphs, bold speaker names, MS Teams transcripts",
        _R + "docx:parse_docx", "bytes", (".docx",)),
    TranscriptFormat(
        "webvtt", "WebVTT captions (.vtt) from Zoom, MS Teams, YouTube, ...",
        _R + "webvtt:parse_webvtt", "text", (".vtt",), _R + "webvtt:looks_like_webvtt"),
    TranscriptFormat(
        "srt", "SubRip captions (.srt)",
        _R + "srt:parse_srt", "text", (".srt",), _R + "srt:looks_like_srt"),
    TranscriptFormat(
        "sbv", "YouTube SubViewer captions (.sbv)",
        _R + "sbv:parse_sbv", "text", (".sbv",), _R + "sbv:looks_like_sbv"),
    TranscriptFormat(
        "nvivo", "NVivo transcript rows (.txt, .tsv): 'timespan<TAB>content<TAB>speaker' "
        "lines (a .docx holding NVivo's transcript table is read the same way)",
        _R + "nvivo:parse_nvivo", "lines", (".tsv",), _R + "nvivo:looks_like_nvivo"),
    TranscriptFormat(
        "f4", "f4/f5transkript text (.txt): 'I: text #00:01:23-4#'",
        _R + "f4:parse_f4", sniff=_R + "f4:looks_like_f4"),
    TranscriptFormat(
        "rev", "Rev text (.txt): 'Speaker 1 (00:12):' then the text",
        _R + "rev:parse_rev", sniff=_R + "rev:looks_like_rev"),
    TranscriptFormat(
        "zoom", "Zoom meeting transcript (.txt): '[Name] 11:02:09' then the text",
        _R + "zoom:parse_zoom", sniff=_R + "zoom:looks_like_zoom"),
    TranscriptFormat(
        "otter", "Otter.ai or MS Teams text (.txt): a 'Name  0:03' line, then the text",
        _R + "otter:parse_otter", sniff=_R + "otter:looks_like_otter"),
    TranscriptFormat(
        "speaker_lines", "plain text (.txt) with 'Name: text' lines",
        _R + "speaker_lines:parse_speaker_lines",
        sniff=_R + "speaker_lines:looks_like_speaker_lines"),
)
"""Every supported transcript format, in the order sniffing tries them (REFI-QDA ``.qdpx``
and ``.qdc`` are projects and codebooks, read by :mod:`workbench.interop`)."""

SNIFFED_SUFFIXES: tuple[str, ...] = (".txt", ".text", "")
"""Extensions of text files whose format is recognised from their content."""

UNSUPPORTED_HINTS: dict[str, str] = {
    ".doc": "open it in Word and save it as .docx",
    ".rtf": "open it in Word (or f4) and save it as .docx or plain text",
    ".odt": "save it as .docx from LibreOffice",
    ".pdf": "export the transcript from its source program as .docx, .vtt or text",
    ".ttml": "export WebVTT (.vtt) or SRT instead",
    ".json": "export WebVTT (.vtt), SRT or text instead",
}
"""What to do with a file of an unsupported type, by extension."""


def format_named(key: str) -> TranscriptFormat:
    """The registry entry for ``key``; :class:`KeyError` for an unknown key."""
    for entry in REGISTRY:
        if entry.key == key:
            return entry
    raise KeyError(key)


def supported_formats() -> str:
    """The supported formats, one per line, for error messages and command-line help."""
    return "\n".join(f"  - {entry.description}" for entry in REGISTRY)


def _load(reference: str) -> Any:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
