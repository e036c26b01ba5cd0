"""Project tables (codings, segments, cases, codebook) as an Excel workbook or CSV files.

These are the project's raw tables, one row per item, as the ``Project`` DataFrames give
them; analysis tables (theme summaries, agreement) are written elsewhere. Cells are always
written as values: text starting with ``=`` stays text (no formula injection; in CSV files
such text gets a leading apostrophe, see :mod:`~workbench.interop.safe_csv`), characters
Excel cannot store are replaced by U+FFFD, and time stamps are written in UTC without a
time zone (Excel has none).
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

__all__ = ["export_csv_tables", "export_xlsx", "project_tables", "write_table"]

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def project_tables(project: Project) -> dict[str, pd.DataFrame]:
    """``{"codings", "segments", "cases", "codebook"}`` DataFrames of ``project``."""
    try:
        codes = pd.DataFrame([asdict(code) for code in project.codebook.codes])
    except NotFoundError:
        codes = pd.DataFrame(columns=["key", "name", "theme", "definition", "colour"])
    return {
        "codings": project.codings(),
        "segments": project.segments(),
        "cases": project.cases(),
        "codebook": codes,
    }


def _cell(value: Any) -> Any:
    if value is None or value is pd.NaT:
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


def export_xlsx(project: Project, path: str | Path) -> Path:
    """Write the project tables to an ``.xlsx`` workbook, one sheet per table."""
    return _write_workbook(project_tables(project), Path(path))


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


def export_csv_tables(project: Project, directory: str | Path) -> list[Path]:
    """Write ``codings.csv``, ``segments.csv``, ``cases.csv`` and ``codebook.csv``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in project_tables(project).items():
        target = directory / f"{name}.csv"
        write_csv(frame, target)
        written.append(target)
    return written
