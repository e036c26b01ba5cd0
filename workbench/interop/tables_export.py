"""Project tables (codings, segments, cases, codebook) as an Excel workbook or CSV files.

These are the project's raw tables, one row per item, as the ``Project`` DataFrames give
them, plus a ``consensus`` table (:func:`workbench.consensus.consensus_table`: the
consensus layer with provenance, votes, decision id, who decided and why) once the project
holds consensus decisions (``consensus=True`` adds it always, ``False`` never);
:func:`export_consensus` writes that table alone. Analysis tables (theme summaries,
agreement) are written elsewhere. Cells are always written as values: text starting with
``=`` stays text (no formula injection; in CSV files such text gets a leading apostrophe,
see :mod:`~workbench.interop.safe_csv`), characters Excel cannot store are replaced by
U+FFFD, and time stamps are written in UTC without a time zone (Excel has none).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import NotFoundError
from workbench.interop.safe_csv import write_csv
from workbench.project import Project

__all__ = ["export_consensus", "export_csv_tables", "export_xlsx", "project_tables",
           "write_table"]

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _with_consensus(project: Project, consensus: bool | None) -> bool:
    if consensus is None:
        from workbench.consensus import has_decisions

        return has_decisions(project)
    return bool(consensus)


def project_tables(project: Project, *, consensus: bool | None = None
                   ) -> dict[str, pd.DataFrame]:
    """``{"codings", "segments", "cases", "codebook"}`` DataFrames of ``project``, and
    ``"consensus"`` (see the module docstring for ``consensus``)."""
    try:
        codes = pd.DataFrame([asdict(code) for code in project.codebook.codes])
    except NotFoundError:
        codes = pd.DataFrame(columns=["key", "name", "theme", "definition", "colour"])
    tables = {
        "codings": project.codings(),
        "segments": project.segments(),
        "cases": project.cases(),
        "codebook": codes,
    }
    if _with_consensus(project, consensus):
        from workbench.consensus import consensus_table

        tables["consensus"] = consensus_table(project)
    return tables


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return value.to_pydatetime()
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return pd.Timestamp(value).tz_convert("UTC").tz_localize(None).to_pydatetime()
    if isinstance(value, str):
        return _ILLEGAL.sub("\ufffd", value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet: str = "table",
                about: Sequence[str] | None = None) -> Path:
    """Write one table as ``.csv`` or ``.xlsx`` (by the suffix), cells as values.

    ``about`` (lines saying what the numbers are) goes above the CSV header as ``# ...``
    comment lines (a spreadsheet shows them as text rows above the table;
    ``pandas.read_csv(path, comment="#")`` skips them), or into an ``about`` sheet after the
    table's sheet.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(frame, path)  # formula-like cells neutralised, as every CSV we write
        if about:
            lines = "".join(f"# {' '.join(str(line).split())}\r\n" for line in about)
            path.write_bytes(lines.encode("utf-8") + path.read_bytes())
        return path
    if suffix != ".xlsx":
        raise ValueError(f"write a table as .csv or .xlsx, not {path.name!r}.")
    sheets = {sheet: frame}
    if about:
        sheets["about"] = pd.DataFrame({"about": list(about)})
    return _write_workbook(sheets, path)


def export_xlsx(project: Project, path: str | Path, *, consensus: bool | None = None) -> Path:
    """Write the project tables to an ``.xlsx`` workbook, one sheet per table (a
    ``consensus`` sheet as in :func:`project_tables`)."""
    return _write_workbook(project_tables(project, consensus=consensus), Path(path))


def export_consensus(project: Project, path: str | Path, *,
                     coders: Sequence[str] | None = None) -> Path:
    """Write the consensus table of ``coders`` (default every registered coder) as ``.csv``
    or ``.xlsx`` (by the suffix), with its caption (whose consensus, decisions, open items
    left out) as ``about`` lines (see :func:`write_table`)."""
    from workbench.consensus import consensus_table

    table = consensus_table(project, coders=coders)
    return write_table(table, path, sheet="consensus",
                       about=[str(table.attrs.get("source_caption", "consensus"))])


def _write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    for name, frame in tables.items():
        sheet = workbook.create_sheet(name)
        sheet.append([str(column) for column in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=_cell(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                cells.append(cell)
            sheet.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        workbook.save(temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def export_csv_tables(project: Project, directory: str | Path, *,
                      consensus: bool | None = None) -> list[Path]:
    """Write ``codings.csv``, ``segments.csv``, ``cases.csv`` and ``codebook.csv`` (and
    ``consensus.csv`` as in :func:`project_tables`)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in project_tables(project, consensus=consensus).items():
        target = directory / f"{name}.csv"
        write_csv(frame, target)
        written.append(target)
    return written
