"""Choose a transcript reader by file extension and, for text files, by content.

The formats, their extensions and their sniffing rules are the entries of
:data:`~workbench.parsing.readers.registry.REGISTRY`; this module only applies them.

**By extension**: a suffix an entry names (``.ipr.txt``, ``.docx``, ``.vtt``, ``.srt``,
``.sbv``) chooses that entry (a ``.docx`` then sniffs its own paragraphs).
``.txt``, ``.text`` and files without an extension are sniffed; anything else is refused
with the list of supported formats.

**Sniffing** a text asks each entry's rule in registry order; the first that fits wins
(the rules, in order, are listed in :mod:`~workbench.parsing.readers.registry`).

The paragraphs of a ``.docx`` are sniffed with the entries whose input is ``lines``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.errors import ImportFormatError
from workbench.parsing.readers import registry
from workbench.parsing.readers.common import Line, ReaderContext, number_lines
from workbench.parsing.readers.registry import supported_formats

__all__ = [
    "FORMATS",
    "detect_format",
    "format_for_path",
    "sniff_lines",
    "sniff_text",
    "supported_formats",
]

FORMATS: dict[str, str] = {entry.key: entry.description for entry in registry.REGISTRY}
"""Format key -> what it is, in the order the sniffing tries them (from the registry)."""


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
    name = path.name.lower()
    for entry in registry.REGISTRY:
        if any(name.endswith(suffix) for suffix in entry.suffixes):
            return entry.key
    suffix = path.suffix.lower()
    if suffix not in registry.SNIFFED_SUFFIXES:
        hints = registry.UNSUPPORTED_HINTS
        hint = f"; {hints[suffix]}" if suffix in hints else ""
        raise ImportFormatError(
            f"{path}: cannot import {suffix!r} files{hint}. Supported formats:\n"
            + supported_formats()
        )
    return None


def sniff_text(text: str, context: ReaderContext | None = None) -> str | None:
    """The format of decoded text by the entries' sniffing rules (module docstring), or None."""
    lines = number_lines(text)
    if not any(line.strip() for _, line in lines):
        return None
    context = context or ReaderContext()
    for entry in registry.REGISTRY:
        if entry.input != "bytes" and entry.sniffs(lines, context):
            return entry.key
    return None


def sniff_lines(lines: Sequence[Line], context: ReaderContext | None = None) -> str | None:
    """The format of numbered ``lines`` (a .docx's paragraphs) among the ``lines`` readers."""
    context = context or ReaderContext()
    for entry in registry.REGISTRY:
        if entry.input == "lines" and entry.sniffs(lines, context):
            return entry.key
    return None
