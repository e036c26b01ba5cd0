"""Choose a transcript reader by file extension and, for text files, by content.

**By extension**: ``.ipr.txt`` is the workbench's own format; ``.docx``, ``.vtt``, ``.srt``
and ``.sbv`` go to their readers (a ``.docx`` then sniffs its own paragraphs, below).
``.txt``, ``.text`` and files without an extension are sniffed; anything else is refused
with the list of supported formats.

**Sniffing** a text, first rule that fits wins:

1. first line ``---``: our front-matter format (``ipr``);
2. first non-blank line starts with ``WEBVTT``: ``webvtt``;
3. first non-blank lines are a number and ``... --> ...`` (or a ``00:00:01,000 -->`` line):
   ``srt``; a first line ``0:00:01.000,0:00:02.000``: ``sbv``;
4. a line ends with an f4 time mark ``#00:01:23-4#``: ``f4``;
5. the first text line, or two lines, look like ``Speaker 1 (00:12):``: ``rev``;
6. the first text line, or two lines, look like ``[Name] 11:02:09``: ``zoom``;
7. the first text line, or two lines, are accepted ``Name  0:03`` headers: ``otter``
   (Otter, MS Teams);
8. at least one line starts a turn by the plain speaker rule: ``speaker_lines``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from workbench.errors import ImportFormatError
from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext, number_lines
from workbench.parsing.readers.f4 import looks_like_f4, parse_f4
from workbench.parsing.readers.otter import looks_like_otter, parse_otter
from workbench.parsing.readers.rev import looks_like_rev, parse_rev
from workbench.parsing.readers.speaker_lines import looks_like_speaker_lines, parse_speaker_lines
from workbench.parsing.readers.zoom import looks_like_zoom, parse_zoom

__all__ = [
    "FORMATS",
    "LINE_READERS",
    "detect_format",
    "format_for_path",
    "sniff_lines",
    "sniff_text",
    "supported_formats",
]

FORMATS: dict[str, str] = {
    "ipr": "IPR workbench text with front matter (.ipr.txt, see transcripts/README.md)",
    "docx": "Word (.docx): 'Name: text' paragraphs, bold speaker names, MS Teams transcripts",
    "webvtt": "WebVTT captions (.vtt) from Zoom, MS Teams, YouTube, ...",
    "srt": "SubRip captions (.srt)",
    "sbv": "YouTube SubViewer captions (.sbv)",
    "otter": "Otter.ai or MS Teams text (.txt): a 'Name  0:03' line, then the text",
    "rev": "Rev text (.txt): 'Speaker 1 (00:12):' then the text",
    "zoom": "Zoom meeting transcript (.txt): '[Name] 11:02:09' then the text",
    "f4": "f4/f5transkript text (.txt): 'I: text #00:01:23-4#'",
    "speaker_lines": "plain text (.txt) with 'Name: text' lines",
}
"""Format key -> what it is, in the order the sniffing tries them."""

LineReader = Callable[[str | Sequence[Line], ReaderContext | None], list[RawTurn]]
LINE_READERS: dict[str, LineReader] = {
    "f4": parse_f4,
    "rev": parse_rev,
    "zoom": parse_zoom,
    "otter": parse_otter,
    "speaker_lines": parse_speaker_lines,
}
"""Readers of line-based formats (text files and the paragraphs of a .docx)."""

_BY_SUFFIX = {".docx": "docx", ".vtt": "webvtt", ".srt": "srt", ".sbv": "sbv"}
_TEXT_SUFFIXES = {".txt", ".text", ""}
_HINTS = {
    ".doc": "open it in Word and save it as .docx",
    ".rtf": "open it in Word (or f4) and save it as .docx or plain text",
    ".odt": "save it as .docx from LibreOffice",
    ".pdf": "export the transcript from its source program as .docx, .vtt or text",
    ".ttml": "export WebVTT (.vtt) or SRT instead",
    ".json": "export WebVTT (.vtt), SRT or text instead",
}
_SRT_TIMING = re.compile(r"^\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_SBV_TIMING = re.compile(r"^\d+:\d{2}:\d{2}\.\d{1,3},\d+:\d{2}:\d{2}\.\d{1,3}$")


def supported_formats() -> str:
    """The supported formats, one per line, for error messages."""
    return "\n".join(f"  - {description}" for description in FORMATS.values())


def detect_format(
    path: str | Path, text: str | None = None, context: ReaderContext | None = None
) -> str:
    """The format key (see :data:`FORMATS`) for ``path``; ``text`` is its decoded content.

    ``text`` is needed only for text files (sniffed; ``context`` supplies the declared
    speakers). Raises :class:`ImportFormatError` when the extension is not supported or no
    format fits the content.
    """
    path = Path(path)
    known = format_for_path(path)
    if known is not None:
        return known
    if text is not None and (found := sniff_text(text, context)) is not None:
        return found
    raise ImportFormatError(
        f"{path}: cannot tell which transcript format this text is. Supported formats:\n"
        + supported_formats()
        + "\nA plain transcript needs at least two turns by the same speaker ('Name: text')."
    )


def format_for_path(path: str | Path) -> str | None:
    """The format key fixed by the file name, None for a text file to sniff.

    Raises :class:`ImportFormatError` (listing the supported formats) for other extensions.
    """
    path = Path(path)
    if path.name.lower().endswith(".ipr.txt"):
        return "ipr"
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix not in _TEXT_SUFFIXES:
        hint = f"; {_HINTS[suffix]}" if suffix in _HINTS else ""
        raise ImportFormatError(
            f"{path}: cannot import {suffix!r} files{hint}. Supported formats:\n"
            + supported_formats()
        )
    return None


def sniff_text(text: str, context: ReaderContext | None = None) -> str | None:
    """The format of decoded text by rules 1-8 of the module docstring, or None."""
    if text.split("\n", 1)[0].strip() == "---":
        return "ipr"
    lines = number_lines(text)
    firsts = [line.strip() for _, line in lines if line.strip()][:2]
    if not firsts:
        return None
    if firsts[0].startswith("WEBVTT"):
        return "webvtt"
    if _SRT_TIMING.match(firsts[0]) or (
        firsts[0].isdigit() and len(firsts) > 1 and _SRT_TIMING.match(firsts[1])
    ):
        return "srt"
    if _SBV_TIMING.match(firsts[0]):
        return "sbv"
    return sniff_lines(lines, context)


def sniff_lines(lines: Sequence[Line], context: ReaderContext | None = None) -> str | None:
    """The line-based format of ``lines`` by rules 4-8 of the module docstring, or None."""
    context = context or ReaderContext()
    if looks_like_f4(lines):
        return "f4"
    if looks_like_rev(lines):
        return "rev"
    if looks_like_zoom(lines):
        return "zoom"
    if looks_like_otter(lines, context):
        return "otter"
    if looks_like_speaker_lines(lines, context):
        return "speaker_lines"
    return None
