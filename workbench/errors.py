"""The workbench's one exception family.

Every error a user can cause is a :class:`WorkbenchError`; errors about bad input are also
:class:`ValueError` so that generic code can catch them. Messages say where the problem is
and what to do about it::

    WorkbenchError
    ├── TranscriptError (ValueError)        a transcript file cannot be read or parsed
    │   └── TranscriptEncodingError         bytes that no supported encoding decodes
    ├── CodebookError (ValueError)          a codebook file or change is invalid
    ├── ImportFormatError (ValueError)      an interop file (docx, vtt, qdpx, ...) is unusable
    ├── AttributeSheetError (ValueError)    a case-attribute CSV row is invalid
    ├── NotFoundError (LookupError)         an unknown document, segment, code or coder
    │   ├── UnknownCodeError
    │   └── UnknownCoderError
    ├── ConflictError                       the change clashes with stored data
    │   ├── StaleError                      what the action was based on changed since
    │   ├── NotPermittedError (PermissionError)  another coder's coding, not a reviewer
    │   └── DuplicateImportError            the same document imported under another name
    ├── AgreementInputError (ValueError)    reliability data that cannot be analysed
    ├── SummaryInputError (ValueError)      a codings/segments frame a summary cannot use
    ├── RetrievalError (ValueError)         a retrieval query or text search cannot be run
    │   └── SearchPatternError              a search pattern that does not compile or runs too long
    ├── ConsensusError (ValueError)         a consensus decision that cannot be recorded
    │   └── ReasonRequiredError             a decision against the majority without reason
    ├── CqrError (ValueError)               a CQR domain, core idea, comment or option is invalid
    ├── CalibrationError (ValueError)       a coder cannot be calibrated against the consensus
    ├── UsageError (ValueError)             a command-line argument is invalid (blank name)
    ├── MediaError (ValueError)             a session recording that cannot be played here
    └── StorageError                        the database cannot be opened or migrated

    TranscriptWarning (UserWarning)         imported, but check it (e.g. read as cp1252)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AgreementInputError",
    "AttributeSheetError",
    "CalibrationError",
    "CodebookError",
    "ConflictError",
    "ConsensusError",
    "CoverageError",
    "CqrError",
    "DuplicateImportError",
    "ImportFormatError",
    "MediaError",
    "NotFoundError",
    "NotPermittedError",
    "ReasonRequiredError",
    "RetrievalError",
    "SearchPatternError",
    "StorageError",
    "SummaryInputError",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptWarning",
    "UnknownCodeError",
    "UnknownCoderError",
    "UsageError",
    "WorkbenchError",
    "clip",
    "suggest",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class TranscriptError(WorkbenchError, ValueError):
    """A transcript cannot be imported; the message names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}, line {line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
        self.path = path
        self.line = line
        self.reason = message


class TranscriptEncodingError(TranscriptError):
    """The bytes of a transcript are in no encoding the workbench reads."""


class CodebookError(WorkbenchError, ValueError):
    """A codebook is invalid; the message names the code and the field."""


class ImportFormatError(WorkbenchError, ValueError):
    """An interchange file (docx, WebVTT, REFI-QDA, ...) cannot be imported."""


class AttributeSheetError(WorkbenchError, ValueError):
    """A case-attribute sheet has an invalid row; the message names the row."""


class NotFoundError(WorkbenchError, LookupError):
    """Something named by the caller does not exist in the project."""


class UnknownCodeError(NotFoundError):
    """A code key that is not in the project's codebook."""


class UnknownCoderError(NotFoundError):
    """A coder name that is not registered in the project."""


class CodingRangeError(WorkbenchError, ValueError):
    """A coding's range or id is not one that can be coded (outside the text, blank)."""


class ConflictError(WorkbenchError):
    """A change that clashes with what is stored (nothing was changed)."""


class StaleError(ConflictError):
    """What the action was based on (a segment, a document's text) changed or was removed
    since it was shown; nothing was changed. Reload, then try again."""


class NotPermittedError(ConflictError, PermissionError):
    """An action on what the acting person may not change (another coder's coding without
    the reviewer role, or in a blind round); nothing was changed."""


class DuplicateImportError(ConflictError):
    """The same transcript content is already stored under another document name."""


class AgreementInputError(WorkbenchError, ValueError):
    """Reliability data that cannot be analysed (shape, values or too few coders)."""


class CoverageError(WorkbenchError, ValueError):
    """A coverage status or reliability round that cannot be recorded as asked."""


class SummaryInputError(WorkbenchError, ValueError):
    """A frame passed to a theme summary lacks a column or an option is invalid."""


class RetrievalError(WorkbenchError, ValueError):
    """A retrieval query, its source of codings or a text search that cannot be run."""


class SearchPatternError(RetrievalError):
    """A search pattern that does not compile, matches nothing searchable, or ran past its
    time limit."""


class ConsensusError(WorkbenchError, ValueError):
    """A consensus decision that cannot be recorded as asked (unknown or stale item, a
    kind without the range or code it needs)."""


class ReasonRequiredError(ConsensusError):
    """A decision that goes against the coders' majority was given no reason."""


class CqrError(WorkbenchError, ValueError):
    """A CQR domain, core idea, audit comment or cross-analysis option that cannot be used
    as given (blank text, a range outside the document, an answer without a reason)."""


class CalibrationError(WorkbenchError, ValueError):
    """A coder cannot be calibrated as asked (unknown coder or code, or no training
    document with a settled consensus that the coder coded)."""


class UsageError(WorkbenchError, ValueError):
    """A command-line argument that cannot be used (e.g. a blank coder name)."""


class MediaError(WorkbenchError, ValueError):
    """A session recording that cannot be played in the panel: a URL (local paths only), a
    missing file, or a file the Jupyter server does not serve (outside its root, hidden)."""


class StorageError(WorkbenchError):
    """The project database cannot be opened, created or migrated."""


class TranscriptWarning(UserWarning):
    """A transcript was imported but something about it deserves a look."""


def clip(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters (an ellipsis last), for quoting it in a message."""
    return text if len(text) <= width else text[: width - 1] + "…"


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to ``word``, else ``""``.

    For error messages about a misspelt name (a code, coder, document or file key).
    """
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {match[0]!r}?)" if match else ""
