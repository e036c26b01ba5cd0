"""Read Word ``.docx`` transcripts (python-docx).

The document's text is read as lines, as Word's "save as plain text" would write them: each
paragraph and each manual line break ends a line, so line numbers in messages count those
lines. Headers, footers and comments are not read. A table is read only when it is an
**NVivo transcript table** (NVivo's Word export of a media transcript: a header row with
``Timespan`` and ``Content`` cells, and perhaps ``Speaker`` and custom columns): its rows
are then the transcript, read as NVivo transcript rows
(:mod:`~workbench.parsing.readers.nvivo`), and paragraphs outside it (the title) are left
out with a warning. Other tables are not read (a warning says how many were left out).
Otherwise the lines are sniffed like a text file
(:func:`~workbench.parsing.readers.detect.sniff_lines`), which covers:

* one turn per paragraph, ``Speaker: text`` (the plain speaker rule);
* a **bold speaker run** at the start of a paragraph (``**Anna** text`` or ``**Anna:**
  text``): the bold name is a declared speaker, so it counts even if it speaks only once;
* **MS Teams** Word transcripts: a title, date and duration, then for each turn a line
  ``Name   0:03`` followed by the text lines, often packed into one paragraph with line
  breaks (read as Otter-style headers; ``X started transcription`` lines are dropped);
* older Teams/Stream transcripts: ``0:0:0.0 --> 0:0:3.540``, the name, then the text;
* f4, Rev and Zoom layouts pasted into Word, and every other format of the registry that
  reads ``lines``.

The file is a zip archive: before python-docx reads it, every member is unpacked once by
:class:`~workbench.interop.safe_zip.SafeZip` within its limits (200 MiB in all, at most
100-fold compression for members over 1 MiB, 10,000 members), so a zip bomb or a damaged
deflate stream is refused with :class:`ImportFormatError` instead of filling memory.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import docx as python_docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from workbench.errors import ImportFormatError
from workbench.interop.safe_zip import SafeZip
from workbench.model import RawTurn
from workbench.parsing.readers.common import Line, ReaderContext
from workbench.parsing.readers.detect import sniff_lines
from workbench.parsing.readers.labels import split_label
from workbench.parsing.readers.nvivo import looks_like_nvivo, parse_nvivo
from workbench.parsing.readers.registry import format_named

__all__ = ["docx_lines", "parse_docx"]

_STREAM_TIMING = re.compile(r"^(?P<start>\d+:\d+:\d+(?:\.\d+)?)\s*-->\s*\d+:\d+:\d+(?:\.\d+)?$")


def docx_lines(data: bytes, context: ReaderContext) -> tuple[list[Line], dict[int, str]]:
    """Numbered text lines of a .docx and, by line index, the bold speaker name leading it.

    Raises :class:`ImportFormatError`, naming the file, for an archive over the zip limits,
    a damaged one, or one python-docx cannot read.
    """
    lines, bold, _ = _read(data, context)
    return lines, bold


def _read(data: bytes, context: ReaderContext) -> tuple[list[Line], dict[int, str], list[Line]]:
    """Paragraph lines, bold speakers, and the rows of NVivo transcript tables (as
    tab-separated lines; empty when the document has none)."""
    where = context.source or "the .docx file"
    try:
        with SafeZip(data, name=where, kind="docx") as archive:
            archive.check_all()
    except ImportFormatError as exc:
        raise context.error(str(exc).removeprefix(f"{where}: ")) from None
    try:
        return _lines(python_docx.Document(io.BytesIO(data)), context)
    except ImportFormatError:
        raise
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, KeyError, ValueError,
            AttributeError, TypeError, IndexError, etree.XMLSyntaxError) as exc:
        # AttributeError/TypeError: python-docx met XML of an unexpected shape (a root that
        # is not w:document, a part of the wrong type).
        raise context.error(
            f"not a readable Word .docx file ({type(exc).__name__}); open it in Word and save "
            "it again as .docx."
        ) from None


def _lines(
    document: DocxDocument, context: ReaderContext
) -> tuple[list[Line], dict[int, str], list[Line]]:
    lines: list[Line] = []
    bold: dict[int, str] = {}
    rows: list[Line] = []
    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            found = _transcript_rows(block)
            if found is None:
                tables += 1
            else:
                rows += [(len(rows) + 1, row) for row in found]
            continue
        name = _bold_speaker(block)
        if name is not None:
            bold[len(lines)] = name
        for part in block.text.split("\n"):
            lines.append((len(lines) + 1, part))
    if tables:
        context.warn(f"the document has {tables} table(s) that are not NVivo transcript "
                     "tables; text in them is not imported.")
    return lines, bold, rows


def _transcript_rows(table: Table) -> list[str] | None:
    """The rows of an NVivo transcript table as tab-separated lines, or None for another
    table. A cell's paragraphs are joined by spaces; a cell merged across columns counts
    once."""
    out: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # python-docx repeats a merged cell
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.replace("\t", " ").split()))
        out.append("\t".join(cells))
    if not out or not looks_like_nvivo([(1, out[0])]):
        return None
    return out


def parse_docx(data: bytes, context: ReaderContext | None = None) -> list[RawTurn]:
    """Speaker turns from the bytes of a .docx file (layouts: see the module docstring)."""
    context = context or ReaderContext()
    lines, bold, rows = _read(data, context)
    if rows:
        outside = sum(1 for _, line in lines if line.strip())
        if outside:
            context.warn(f"the document holds an NVivo transcript table; its {outside} "
                         "line(s) outside the table (title, notes) are not imported.")
        return parse_nvivo(rows, context)
    if not any(line.strip() for _, line in lines):
        raise context.error("the document has no text.")
    lines = _stream_to_headers(lines, context)
    found = sniff_lines(lines, context)
    if bold and found in (None, "speaker_lines", "f4"):
        lines = _apply_bold(lines, bold, context)
        found = sniff_lines(lines, context)
    if found is None:
        raise context.error(
            "found no speaker turns in the document. Write each turn as a paragraph "
            "'Name: text' (or make the name bold), or import the MS Teams transcript as it "
            "was downloaded (.docx or .vtt)."
        )
    return format_named(found).turn_reader()(lines, context)


def _is_bold(run: Run) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    style = run.style
    return bool(style is not None and style.font.bold)


def _bold_speaker(paragraph: Paragraph) -> str | None:
    """The name in a bold run that starts ``paragraph`` and is followed by more text."""
    lead = ""
    for run in paragraph.runs:
        if not run.text:
            continue
        if not _is_bold(run):
            break
        lead += run.text
    text = paragraph.text
    if not lead.strip() or "\n" in lead or not text.startswith(lead):
        return None
    rest = text[len(lead) :].split("\n", 1)[0].strip()
    if not rest or rest == ":":
        return None
    name = lead.strip().removesuffix(":").strip()
    return name if split_label(f"{name}: x") else None


def _apply_bold(lines: list[Line], bold: dict[int, str], context: ReaderContext) -> list[Line]:
    """Rewrite paragraphs led by a bold name as ``Name: text`` and declare the names."""
    out = list(lines)
    for index, name in bold.items():
        number, line = out[index]
        rest = line.strip()[len(name) :].lstrip().removeprefix(":").lstrip()
        out[index] = (number, f"{name}: {rest}")
        context.declare(name)
    return out


def _stream_to_headers(lines: list[Line], context: ReaderContext) -> list[Line]:
    """Old Teams/Stream layout: ``0:0:0.0 --> 0:0:3.5`` + name line -> ``Name  0:0:0.0``."""
    out: list[Line] = []
    index = 0
    while index < len(lines):
        number, line = lines[index]
        match = _STREAM_TIMING.match(line.strip())
        name = lines[index + 1][1].strip() if index + 1 < len(lines) else ""
        if match and name and len(name) <= 60 and ":" not in name:
            out.append((number, f"{name}  {match['start']}"))
            context.declare(name)
            index += 2
            continue
        out.append((number, line))
        index += 1
    return out
