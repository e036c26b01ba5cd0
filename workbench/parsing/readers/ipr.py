"""The workbench's own ``.ipr.txt`` format as a registry entry (the parser is
:mod:`workbench.parsing.ipr_text`; the format is described in ``transcripts/README.md``).

The file carries its case attributes, speaker roles and document name in front matter, so
its reader returns a whole :class:`~workbench.model.ParsedTranscript` rather than turns.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.model import ParsedTranscript
from workbench.parsing.ipr_text import parse_ipr_text
from workbench.parsing.readers.common import Line, ReaderContext

__all__ = ["looks_like_ipr", "read_ipr"]


def looks_like_ipr(lines: Sequence[Line], context: ReaderContext | None = None) -> bool:
    """True when the first line is ``---``: front matter opens the file."""
    return bool(lines) and lines[0][1].strip() == "---"


def read_ipr(text: str, context: ReaderContext, name: str) -> ParsedTranscript:
    """The transcript in decoded ``text``; ``name`` is used when the front matter has none.

    The context's warnings so far (e.g. about the encoding) come first in the transcript's.
    """
    return parse_ipr_text(text, source=context.source, default_name=name,
                          warnings_=list(context.warnings))
