"""IPR workbench: team qualitative coding of Interpersonal Process Recall transcripts.

Start with :func:`create_project` or :func:`open_project`, import transcripts, load a
codebook, register coders, and code segments; ``Project.segments()`` and
``Project.codings()`` return tidy pandas DataFrames for analysis.
"""

from workbench.errors import (
    AgreementInputError,
    AttributeSheetError,
    CodebookError,
    ConflictError,
    DuplicateImportError,
    ImportFormatError,
    NotFoundError,
    StorageError,
    TranscriptEncodingError,
    TranscriptError,
    TranscriptWarning,
    UnknownCodeError,
    UnknownCoderError,
    WorkbenchError,
)
from workbench.interop import RefiImportReport, export_qdc, export_qdpx, import_qdpx, read_qdc
from workbench.model import (
    CaseAttributes,
    Code,
    Codebook,
    Coding,
    ImportReport,
    ParsedTranscript,
    RawTurn,
    Segment,
    Theme,
    Turn,
    UnanchoredCoding,
)
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.parsing.ipr_text import parse_ipr_text, read_ipr_file
from workbench.project import Project, create_project, open_project
from workbench.segmentation import load_pipeline
from workbench.views.coding_controller import CodingController
from workbench.views.coding_panel import CodingPanel, coding_panel

__version__ = "0.1.0"

__all__ = [
    "AgreementInputError",
    "AttributeSheetError",
    "CaseAttributes",
    "Code",
    "Codebook",
    "CodebookError",
    "Coding",
    "CodingController",
    "CodingPanel",
    "ConflictError",
    "DuplicateImportError",
    "ImportFormatError",
    "ImportReport",
    "NotFoundError",
    "ParsedTranscript",
    "Project",
    "RawTurn",
    "RefiImportReport",
    "Segment",
    "StorageError",
    "Theme",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptWarning",
    "Turn",
    "UnanchoredCoding",
    "UnknownCodeError",
    "UnknownCoderError",
    "WorkbenchError",
    "coding_panel",
    "create_project",
    "export_qdc",
    "export_qdpx",
    "import_qdpx",
    "load_codebook_file",
    "load_pipeline",
    "open_project",
    "parse_ipr_text",
    "read_ipr_file",
    "read_qdc",
]
