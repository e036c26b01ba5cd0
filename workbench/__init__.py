"""IPR workbench: team qualitative coding of Interpersonal Process Recall transcripts.

Start with :func:`create_project` or :func:`open_project`, import transcripts, load a
codebook, register coders, and code segments; ``Project.segments()`` and
``Project.codings()`` return tidy pandas DataFrames for analysis.
"""

from workbench.analysis.dual_perspective import (
    align_moments,
    perspective_concordance,
    perspective_crosstab,
    recall_stops,
)
from workbench.analysis.summaries import code_case_matrix, cooccurrence, exemplars, frequencies
from workbench.errors import (
    AgreementInputError,
    AttributeSheetError,
    CodebookError,
    ConflictError,
    DuplicateImportError,
    ImportFormatError,
    NotFoundError,
    StorageError,
    SummaryInputError,
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
from workbench.parsing.attribute_sheet import read_attribute_sheet
from workbench.parsing.codebook_yaml import load_codebook_file
from workbench.parsing.ipr_text import parse_ipr_text, read_ipr_file
from workbench.parsing.readers import read_transcript
from workbench.project import Project, create_project, open_project
from workbench.report import ThemeReport, build_report, export_tables, report_html, write_report
from workbench.segmentation import load_pipeline
from workbench.views.coding_controller import CodingController
from workbench.views.coding_panel import CodingPanel, coding_panel
from workbench.views.figures import (
    concordance_figure,
    cooccurrence_figure,
    crosstab_figure,
    frequency_figure,
    sunburst_figure,
    timeline_figure,
)
from workbench.views.theme_explorer import (
    ThemeExplorer,
    ThemeExplorerView,
    ThemeFilter,
    figure_output,
    theme_explorer,
)

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
    "SummaryInputError",
    "Theme",
    "ThemeExplorer",
    "ThemeExplorerView",
    "ThemeFilter",
    "ThemeReport",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptWarning",
    "Turn",
    "UnanchoredCoding",
    "UnknownCodeError",
    "UnknownCoderError",
    "WorkbenchError",
    "align_moments",
    "build_report",
    "code_case_matrix",
    "coding_panel",
    "concordance_figure",
    "cooccurrence",
    "cooccurrence_figure",
    "create_project",
    "crosstab_figure",
    "exemplars",
    "export_qdc",
    "export_qdpx",
    "export_tables",
    "figure_output",
    "frequencies",
    "frequency_figure",
    "import_qdpx",
    "load_codebook_file",
    "load_pipeline",
    "open_project",
    "parse_ipr_text",
    "perspective_concordance",
    "perspective_crosstab",
    "read_attribute_sheet",
    "read_ipr_file",
    "read_qdc",
    "read_transcript",
    "recall_stops",
    "report_html",
    "sunburst_figure",
    "theme_explorer",
    "timeline_figure",
    "write_report",
]
