"""Transcript readers: one module per format, one entry point, :func:`read_transcript`.

Every reader produces :class:`~workbench.model.RawTurn` values (speaker, role, text, the
time written in the file in seconds or None, source line) and every transcript then goes
through :func:`~workbench.parsing.transcript.build_transcript`, so all formats give the same
canonical document text. The formats: :mod:`~workbench.parsing.readers.registry` (one entry
each); how a file's format is chosen: :mod:`~workbench.parsing.readers.detect`. Speaker
roles: the role rule in :mod:`~workbench.parsing.readers.common`. Which ``Name:`` lines are
speakers: :mod:`~workbench.parsing.readers.labels`. The workbench's own ``.ipr.txt`` reader
returns a whole transcript (its front matter holds the case attributes); every other format
needs ``attributes``.
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
from workbench.parsing.ipr_text import document_name_for
from workbench.parsing.readers.common import ReaderContext, is_interviewer_name, parse_clock
from workbench.parsing.readers.detect import (
    FORMATS,
    detect_format,
    format_for_path,
    supported_formats,
)
from workbench.parsing.readers.registry import REGISTRY, TranscriptFormat, format_named
from workbench.parsing.transcript import build_transcript

__all__ = [
    "FORMATS",
    "REGISTRY",
    "TEXT_READERS",
    "ReaderContext",
    "TranscriptFormat",
    "detect_format",
    "is_interviewer_name",
    "parse_clock",
    "parse_docx",
    "read_transcript",
    "supported_formats",
]

def __getattr__(name: str) -> object:
    """``parse_docx`` is imported on first use: python-docx is slow to load."""
    if name == "parse_docx":
        from workbench.parsing.readers.docx import parse_docx

        return parse_docx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


TEXT_READERS: dict[str, Callable[[str, ReaderContext | None], list[RawTurn]]] = {
    entry.key: entry.turn_reader()
    for entry in REGISTRY
    if entry.input != "bytes" and not entry.carries_attributes
}
"""Format key -> reader of decoded text (from the registry: every format but ``ipr`` and
``docx``)."""


def read_transcript(
    path: str | Path,
    *,
    attributes: CaseAttributes | None = None,
    roles: Mapping[str, str] | None = None,
    name: str | None = None,
) -> ParsedTranscript:
    """Read a transcript file in any supported format (see :data:`REGISTRY`).

    * ``.ipr.txt`` (or any text starting with front matter) is read by
      :func:`~workbench.parsing.ipr_text.parse_ipr_text`: attributes and roles come from the
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
    entry = format_named(found) if found is not None else None
    if entry is not None and entry.input == "bytes":
        context = _context(source, attributes, roles)
        turns = entry.turn_reader()(data, context)
        return _transcript(path, _needed(attributes, source, entry), turns, context, name)
    decoded = decode_bytes(data, source=source)
    if decoded.warning:
        warnings.warn(decoded.warning, TranscriptWarning, stacklevel=2)
    text = decoded.text
    if entry is None or not entry.carries_attributes:
        if not text.strip():
            raise ImportFormatError(f"{source}: the file is empty; export the transcript again.")
        entry = format_named(found or detect_format(path, text, _context(source, attributes,
                                                                          roles)))
    if entry.carries_attributes:
        return _document(path, entry, text, decoded.warning, attributes, roles, name)
    case = _needed(attributes, source, entry)
    context = _context(source, attributes, roles)
    if decoded.warning:
        context.warnings.append(decoded.warning)
    return _transcript(path, case, entry.turn_reader()(text, context), context, name)


def _context(source: str, attributes: CaseAttributes | None,
             roles: Mapping[str, str] | None) -> ReaderContext:
    return ReaderContext(source, {**interviewer_roles(attributes), **(roles or {})})


def _needed(attributes: CaseAttributes | None, source: str,
            entry: TranscriptFormat) -> CaseAttributes:
    if attributes is None:
        raise ImportFormatError(
            f"{source}: a {entry.key} transcript carries no case attributes (dyad, session, "
            "perspective); pass attributes=..., e.g. from read_attribute_sheet(...)[file name]."
        )
    return attributes


def _transcript(path: Path, attributes: CaseAttributes, turns: list[RawTurn],
                context: ReaderContext, name: str | None) -> ParsedTranscript:
    return build_transcript(
        name or document_name_for(path),
        attributes,
        turns,
        source=str(path),
        warnings=[*context.warnings, *context.role_warnings()],
    )


def _document(path: Path, entry: TranscriptFormat, text: str, warning: str | None,
              attributes: CaseAttributes | None, roles: Mapping[str, str] | None,
              name: str | None) -> ParsedTranscript:
    """A format that carries its own case attributes and roles (``ipr``)."""
    context = ReaderContext(str(path))
    if warning:
        context.warnings.append(warning)
    parsed = entry.document_reader()(text, context, document_name_for(path))
    notes = list(parsed.warnings)
    if attributes is not None or roles:
        notes.append(
            f"{path}: an .ipr.txt file carries its own case attributes and speaker roles; "
            "the attributes/roles passed to read_transcript were ignored."
        )
    return replace(parsed, name=name or parsed.name, warnings=tuple(notes))
