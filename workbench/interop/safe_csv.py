"""Write CSV files that are safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (and some also after a leading tab or carriage return), so a transcript
sentence or a memo such as ``=HYPERLINK("http://...")`` would become live in an exported
table ("CSV injection"). :func:`write_csv` writes every CSV the workbench produces (project
tables, report tables, codings) and neutralises such text cells by putting an apostrophe
in front (``'=HYPERLINK(...)``), as OWASP recommends; the apostrophe shows in the cell, the
formula does not run. Column names are treated the same way.

Numbers stay numbers: a numeric column is written as pandas writes it, so ``-3`` and
``-0.25`` are unchanged. A *text* cell that is a plain decimal number (``"-3"``,
``"+4.5"``) is also left as it is: a spreadsheet reads it as that number, never as a
formula, and prefixing it would turn an attribute such as ``-3`` into text. Anything else
starting with one of the characters (``"-3+A1"``, ``"-"``, ``"+1e5"``) is prefixed.

Rows end with CRLF, as RFC 4180 says; that also makes the writer quote a cell holding a
lone carriage return, which pandas' default ``\n`` line ending leaves bare (and which then
splits the row in a spreadsheet).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_frame", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def safe_cell(value: Any) -> Any:
    """``value`` with an apostrophe in front when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised (numbers kept)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series) \
                or pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[column] = series.map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(str(column)) for column in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` (without its index) to ``path`` as UTF-8 CSV with CRLF rows, safe to
    open in a spreadsheet (see the module docstring)."""
    path = Path(path)
    safe_frame(frame).to_csv(path, index=False, lineterminator="\r\n")
    return path
