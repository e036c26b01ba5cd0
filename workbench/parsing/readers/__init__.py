"""Transcript readers: one module per format, one entry point, :func:`read_transcript`.

Every reader produces :class:`~workbench.model.RawTurn` values (speaker, role, text, the
time written in the file in seconds or None, source line) and every transcript then goes
through :func:`~workbench.parsing.transcript.build_transcript`, so all formats give the same
canonical document text. Formats and how a file's format is chosen:
:mod:`~workbench.parsing.readers.detect`. Speaker roles: the role rule in
:mod:`~workbench.parsing.readers.common`. Which ``Name:`` lines are speakers:
:mod:`~workbench.parsing.readers.labels`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from workbench.errors import ImportFormatError, TranscriptError, TranscriptWarning
from workbench.model import CaseAttributes, ParsedTranscript, RawTurn
from workbench.parsing.attribute_sheet import interviewer_roles
from workbench.parsing.encoding import decode_bytes
from workbench.parsing.ipr_text import document_name_for, read_ipr_file
from workbench.parsing.readers.common import ReaderContext, is_interviewer_name, parse_clock
from workbench.parsing.readers.detect import (
    FORMATS,
    LINE_READERS,
    detect_format,
    format_for_path,
    supported_formats,
)
from workbench.parsing.readers.docx import parse_docx
from workbench.parsing.readers.sbv import parse_sbv
from workbench.parsing.readers.srt import parse_srt
from workbench.parsing.readers.webvtt import parse_webvtt
from workbench.parsing.transcript import build_transcript

__all__ = [
    "FORMATS",
    "TEXT_READERS",
    "ReaderContext",
    "detect_format",
    "is_interviewer_name",
    "parse_clock",
    "parse_docx",
    "read_transcript",
    "supported_formats",
]

TEXT_READERS: dict[str, Callable[[str, ReaderContext | None], list[RawTurn]]] = {
    "webvtt": parse_webvtt,
    "srt": parse_srt,
    "sbv": parse_sbv,
    **LINE_READERS,
}
"""Format key -> reader of decoded text (every format but ``ipr`` and ``docx``)."""


def read_transcript(
    path: str | Path,
    *,
    attributes: CaseAttributes | None = None,
    roles: Mapping[str, str] | None = None,
    name: str | None = None,
) -> ParsedTranscript:
    """Read a transcript file in any supported format (see :data:`FORMATS`).

    * ``.ipr.txt`` (or any text starting with front matter) is read by
      :func:`~workbench.parsing.ipr_text.read_ipr_file`: attributes and roles come from the
      file; ``attributes`` and ``roles`` given here are ignored with a warning.
    * Every other format needs ``attributes`` (e.g. from
      :func:`~workbench.parsing.attribute_sheet.read_attribute_sheet`). Roles: ``roles``
      (speaker name -> ``"interviewer"``/``"participant"``), plus the names in the
      attributes' ``interviewer`` column; other speakers get the role rule of
      :mod:`~workbench.parsing.readers.common`, reported in ``warnings``.

    ``name`` is the document name (default: the file name without its extension).
    Raises :class:`ImportFormatError` for unsupported or unusable files and
    :class:`TranscriptError` for files that cannot be read or give no valid turns.
    """
    path = Path(path)
    source = str(path)
    found = format_for_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read the file: {exc.strerror}.", path=source) from None
    context = ReaderContext(source, {**interviewer_roles(attributes), **(roles or {})})
    notes: list[str] = []
    text = ""
    if found != "docx" and found != "ipr":
        decoded = decode_bytes(data, source=source)
        if decoded.warning:
            warnings.warn(decoded.warning, TranscriptWarning, stacklevel=2)
            notes.append(decoded.warning)
        text = decoded.text
        if not text.strip():
            raise ImportFormatError(f"{source}: the file is empty; export the transcript again.")
        found = found or detect_format(path, text, context)
    if found == "ipr":
        return _read_ipr(path, attributes, roles, name)
    if attributes is None:
        raise ImportFormatError(
            f"{source}: a {found} transcript carries no case attributes (dyad, session, "
            "perspective); pass attributes=..., e.g. from read_attribute_sheet(...)[file name]."
        )
    turns = parse_docx(data, context) if found == "docx" else TEXT_READERS[found](text, context)
    return build_transcript(
        name or document_name_for(path),
        attributes,
        turns,
        source=source,
        warnings=[*notes, *context.warnings, *context.role_warnings()],
    )


def _read_ipr(
    path: Path,
    attributes: CaseAttributes | None,
    roles: Mapping[str, str] | None,
    name: str | None,
) -> ParsedTranscript:
    parsed = read_ipr_file(path)
    notes = list(parsed.warnings)
    if attributes is not None or roles:
        notes.append(
            f"{path}: an .ipr.txt file carries its own case attributes and speaker roles; "
            "the attributes/roles passed to read_transcript were ignored."
        )
    return replace(parsed, name=name or parsed.name, warnings=tuple(notes))
