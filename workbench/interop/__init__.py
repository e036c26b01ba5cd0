"""Exchange with other qualitative-analysis programs: REFI-QDA 1.5 and spreadsheets.

* :func:`export_qdpx` / :func:`import_qdpx` — a whole project as a REFI-QDA ``.qdpx``
  (``project.qde`` + ``sources/``), validated against the bundled XSD, read leniently and
  safely (:mod:`~workbench.interop.safe_zip`, :mod:`~workbench.interop.xml_safety`);
* :func:`preview_speakers` — what opt-in speaker detection would do to a ``.qdpx``'s text
  (sources from other tools are stored verbatim unless ``import_qdpx(detect_speakers=True)``);
* :func:`export_qdc` / :func:`read_qdc` / :func:`import_qdc` — the codebook as a REFI-QDA
  ``.qdc`` (``import_qdc`` loads it into a project and keeps its GUIDs, descriptions and
  sets, as ``import_qdpx`` does, for the next export);
* :func:`export_xlsx` / :func:`export_csv_tables` — the project tables.

The mapping between the two models is documented in :mod:`~workbench.interop.refi_export`,
:mod:`~workbench.interop.refi_codebook`, :mod:`~workbench.interop.refi_text` and
:mod:`~workbench.interop.refi_import`.
"""

from workbench.interop.refi_codebook import QdcImport, export_qdc, read_qdc
from workbench.interop.refi_export import export_qdpx
from workbench.interop.refi_import import RefiImportReport, import_qdc, import_qdpx
from workbench.interop.refi_speakers import SpeakerPreview, preview_speakers
from workbench.interop.tables_export import export_consensus, export_csv_tables, export_xlsx

__all__ = [
    "QdcImport",
    "RefiImportReport",
    "SpeakerPreview",
    "export_consensus",
    "export_csv_tables",
    "export_qdc",
    "export_qdpx",
    "export_xlsx",
    "import_qdc",
    "import_qdpx",
    "preview_speakers",
    "read_qdc",
]
