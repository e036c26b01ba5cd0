"""IPR workbench: team qualitative coding of Interpersonal Process Recall transcripts.

Start with :func:`create_project` or :func:`open_project`, import transcripts, load a
codebook, register coders, and code passages; ``Project.segments()`` and
``Project.codings()`` return tidy pandas DataFrames for analysis.

The package face loads lazily (a module ``__getattr__`` over the name -> module table
below, as in scientific-python SPEC 1): ``import workbench`` is cheap, and a name is
imported from its module on first use, so the command line and the import's storage
process never load ipywidgets, plotly or openpyxl.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "agreement_inputs": "workbench.agreement",
    "code_agreement": "workbench.agreement",
    "coder_agreement_matrix": "workbench.agreement",
    "describe_agreement": "workbench.agreement",
    "disagreements": "workbench.agreement",
    "overall_agreement": "workbench.agreement",
    "theme_agreement": "workbench.agreement",
    "tool_comparison": "workbench.agreement",
    "unitizing_agreement": "workbench.agreement",
    "align_moments": "workbench.analysis.dual_perspective",
    "source_caption": "workbench.analysis.summaries",
    "calibration": "workbench.calibration",
    "calibration_differences": "workbench.calibration",
    "calibration_view": "workbench.calibration",
    "CalibrationError": "workbench.errors",
    "Decision": "workbench.consensus",
    "consensus_items": "workbench.consensus",
    "decision_history": "workbench.consensus",
    "ConsensusError": "workbench.errors",
    "ReasonRequiredError": "workbench.errors",
    "perspective_concordance": "workbench.analysis.dual_perspective",
    "perspective_crosstab": "workbench.analysis.dual_perspective",
    "recall_stops": "workbench.analysis.dual_perspective",
    "code_case_matrix": "workbench.analysis.summaries",
    "cooccurrence": "workbench.analysis.summaries",
    "exemplars": "workbench.analysis.summaries",
    "frequencies": "workbench.analysis.summaries",
    "AgreementInputError": "workbench.errors",
    "AttributeSheetError": "workbench.errors",
    "CodebookError": "workbench.errors",
    "CodingRangeError": "workbench.errors",
    "ConflictError": "workbench.errors",
    "DuplicateImportError": "workbench.errors",
    "ImportFormatError": "workbench.errors",
    "NotFoundError": "workbench.errors",
    "NotPermittedError": "workbench.errors",
    "RetrievalError": "workbench.errors",
    "SearchPatternError": "workbench.errors",
    "StaleError": "workbench.errors",
    "StorageError": "workbench.errors",
    "SummaryInputError": "workbench.errors",
    "TranscriptEncodingError": "workbench.errors",
    "TranscriptError": "workbench.errors",
    "TranscriptWarning": "workbench.errors",
    "UnknownCodeError": "workbench.errors",
    "UnknownCoderError": "workbench.errors",
    "WorkbenchError": "workbench.errors",
    "load_pipeline": "workbench.importing.segmentation",
    "QdcImport": "workbench.interop",
    "RefiImportReport": "workbench.interop",
    "export_qdc": "workbench.interop",
    "export_qdpx": "workbench.interop",
    "import_qdc": "workbench.interop",
    "import_qdpx": "workbench.interop",
    "preview_speakers": "workbench.interop",
    "read_qdc": "workbench.interop",
    "SpeakerPreview": "workbench.interop",
    "AppliedCoding": "workbench.model",
    "CaseAttributes": "workbench.model",
    "Code": "workbench.model",
    "Codebook": "workbench.model",
    "Coding": "workbench.model",
    "ImportReport": "workbench.model",
    "MergeReport": "workbench.model",
    "OverlapRule": "workbench.model",
    "ParsedTranscript": "workbench.model",
    "RefiIdentity": "workbench.model",
    "RawTurn": "workbench.model",
    "Segment": "workbench.model",
    "Theme": "workbench.model",
    "Turn": "workbench.model",
    "UnanchoredCoding": "workbench.model",
    "read_attribute_sheet": "workbench.parsing.attribute_sheet",
    "load_codebook_file": "workbench.parsing.codebook_yaml",
    "parse_ipr_text": "workbench.parsing.ipr_text",
    "read_ipr_file": "workbench.parsing.ipr_text",
    "read_transcript": "workbench.parsing.readers",
    "Project": "workbench.project",
    "create_project": "workbench.project",
    "open_project": "workbench.project",
    "CodeHitsReport": "workbench.retrieval",
    "code_hits": "workbench.retrieval",
    "retrieve": "workbench.retrieval",
    "search_text": "workbench.retrieval",
    "undo_code_hits": "workbench.retrieval",
    "ThemeReport": "workbench.report",
    "build_report": "workbench.report",
    "export_tables": "workbench.report",
    "report_html": "workbench.report",
    "write_report": "workbench.report",
    "CodingController": "workbench.views.coding_controller",
    "CodingPanel": "workbench.views.coding_panel",
    "coding_panel": "workbench.views.coding_panel",
    "concordance_figure": "workbench.views.figures",
    "cooccurrence_figure": "workbench.views.figures",
    "crosstab_figure": "workbench.views.figures",
    "frequency_figure": "workbench.views.figures",
    "sunburst_figure": "workbench.views.figures",
    "timeline_figure": "workbench.views.figures",
    "alpha_chart": "workbench.views.agreement_figures",
    "coder_heatmap": "workbench.views.agreement_figures",
    "DisagreementBrowser": "workbench.views.disagreement_browser",
    "disagreement_widget": "workbench.views.disagreement_browser",
    "ThemeExplorer": "workbench.views.theme_explorer",
    "ThemeExplorerView": "workbench.views.theme_explorer",
    "ThemeFilter": "workbench.views.theme_explorer",
    "figure_output": "workbench.views.theme_explorer",
    "theme_explorer": "workbench.views.theme_explorer",
    "TimelineExplorer": "workbench.views.timeline_explorer",
    "TimelineExplorerView": "workbench.views.timeline_explorer",
    "timeline_explorer": "workbench.views.timeline_explorer",
    "RetrievalState": "workbench.views.retrieval_view",
    "RetrievalView": "workbench.views.retrieval_view",
    "retrieval_view": "workbench.views.retrieval_view",
    "format_clock": "workbench.views.review_tables",
    "moments_table": "workbench.views.review_tables",
}

__all__ = [
    "AgreementInputError",
    "AppliedCoding",
    "AttributeSheetError",
    "CalibrationError",
    "CaseAttributes",
    "Code",
    "CodeHitsReport",
    "Codebook",
    "CodebookError",
    "Coding",
    "CodingController",
    "CodingPanel",
    "CodingRangeError",
    "ConflictError",
    "ConsensusError",
    "Decision",
    "DisagreementBrowser",
    "DuplicateImportError",
    "ImportFormatError",
    "ImportReport",
    "MergeReport",
    "NotFoundError",
    "NotPermittedError",
    "OverlapRule",
    "ParsedTranscript",
    "Project",
    "QdcImport",
    "RawTurn",
    "ReasonRequiredError",
    "RefiIdentity",
    "RefiImportReport",
    "RetrievalError",
    "RetrievalState",
    "RetrievalView",
    "SearchPatternError",
    "Segment",
    "SpeakerPreview",
    "StaleError",
    "StorageError",
    "SummaryInputError",
    "Theme",
    "ThemeExplorer",
    "ThemeExplorerView",
    "ThemeFilter",
    "ThemeReport",
    "TimelineExplorer",
    "TimelineExplorerView",
    "TranscriptEncodingError",
    "TranscriptError",
    "TranscriptWarning",
    "Turn",
    "UnanchoredCoding",
    "UnknownCodeError",
    "UnknownCoderError",
    "WorkbenchError",
    "agreement_inputs",
    "align_moments",
    "alpha_chart",
    "build_report",
    "calibration",
    "calibration_differences",
    "calibration_view",
    "code_agreement",
    "code_case_matrix",
    "code_hits",
    "coder_agreement_matrix",
    "coder_heatmap",
    "coding_panel",
    "concordance_figure",
    "consensus_items",
    "cooccurrence",
    "cooccurrence_figure",
    "create_project",
    "crosstab_figure",
    "decision_history",
    "describe_agreement",
    "disagreement_widget",
    "disagreements",
    "exemplars",
    "export_qdc",
    "export_qdpx",
    "export_tables",
    "figure_output",
    "format_clock",
    "frequencies",
    "frequency_figure",
    "import_qdc",
    "import_qdpx",
    "load_codebook_file",
    "load_pipeline",
    "moments_table",
    "open_project",
    "overall_agreement",
    "parse_ipr_text",
    "perspective_concordance",
    "perspective_crosstab",
    "preview_speakers",
    "read_attribute_sheet",
    "read_ipr_file",
    "read_qdc",
    "read_transcript",
    "recall_stops",
    "report_html",
    "retrieval_view",
    "retrieve",
    "search_text",
    "source_caption",
    "sunburst_figure",
    "theme_agreement",
    "theme_explorer",
    "timeline_explorer",
    "timeline_figure",
    "tool_comparison",
    "undo_code_hits",
    "unitizing_agreement",
    "write_report",
]


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use (then cache it here)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # static type checkers and IDEs see the names eagerly
    from workbench.agreement import (
        agreement_inputs,
        code_agreement,
        coder_agreement_matrix,
        describe_agreement,
        disagreements,
        overall_agreement,
        theme_agreement,
        tool_comparison,
        unitizing_agreement,
    )
    from workbench.analysis.dual_perspective import (
        align_moments,
        perspective_concordance,
        perspective_crosstab,
        recall_stops,
    )
    from workbench.analysis.summaries import (
        code_case_matrix,
        cooccurrence,
        exemplars,
        frequencies,
        source_caption,
    )
    from workbench.calibration import calibration, calibration_differences, calibration_view
    from workbench.consensus import Decision, consensus_items, decision_history
    from workbench.errors import (
        AgreementInputError,
        AttributeSheetError,
        CalibrationError,
        CodebookError,
        CodingRangeError,
        ConflictError,
        ConsensusError,
        DuplicateImportError,
        ImportFormatError,
        NotFoundError,
        NotPermittedError,
        ReasonRequiredError,
        RetrievalError,
        SearchPatternError,
        StaleError,
        StorageError,
        SummaryInputError,
        TranscriptEncodingError,
        TranscriptError,
        TranscriptWarning,
        UnknownCodeError,
        UnknownCoderError,
        WorkbenchError,
    )
    from workbench.importing.segmentation import load_pipeline
    from workbench.interop import (
        QdcImport,
        RefiImportReport,
        SpeakerPreview,
        export_qdc,
        export_qdpx,
        import_qdc,
        import_qdpx,
        preview_speakers,
        read_qdc,
    )
    from workbench.model import (
        AppliedCoding,
        CaseAttributes,
        Code,
        Codebook,
        Coding,
        ImportReport,
        MergeReport,
        OverlapRule,
        ParsedTranscript,
        RawTurn,
        RefiIdentity,
        Segment,
        Theme,
        Turn,
        UnanchoredCoding,
    )
    from workbench.parsing.attribute_sheet import read_attribute_sheet
    from workbench.parsing.codebook_yaml import load_codebook_file
    from workbench.parsing.ipr_text import (
        parse_ipr_text,
        read_ipr_file,
    )
    from workbench.parsing.readers import read_transcript
    from workbench.project import (
        Project,
        create_project,
        open_project,
    )
    from workbench.report import (
        ThemeReport,
        build_report,
        export_tables,
        report_html,
        write_report,
    )
    from workbench.retrieval import (
        CodeHitsReport,
        code_hits,
        retrieve,
        search_text,
        undo_code_hits,
    )
    from workbench.views.agreement_figures import alpha_chart, coder_heatmap
    from workbench.views.coding_controller import CodingController
    from workbench.views.coding_panel import (
        CodingPanel,
        coding_panel,
    )
    from workbench.views.disagreement_browser import DisagreementBrowser, disagreement_widget
    from workbench.views.figures import (
        concordance_figure,
        cooccurrence_figure,
        crosstab_figure,
        frequency_figure,
        sunburst_figure,
        timeline_figure,
    )
    from workbench.views.retrieval_view import RetrievalState, RetrievalView, retrieval_view
    from workbench.views.review_tables import format_clock, moments_table
    from workbench.views.theme_explorer import (
        ThemeExplorer,
        ThemeExplorerView,
        ThemeFilter,
        figure_output,
        theme_explorer,
    )
    from workbench.views.timeline_explorer import (
        TimelineExplorer,
        TimelineExplorerView,
        timeline_explorer,
    )

del TYPE_CHECKING
