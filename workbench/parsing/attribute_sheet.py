"""Read case attributes for imported transcripts (.vtt, .docx, ...) from a CSV sheet.

One row per transcript file; the first row names the columns:

========================  ========  =====================================================
column                    required  meaning
========================  ========  =====================================================
``file``                  yes       the transcript's file name (folders are ignored)
``dyad``                  yes       dyad id, e.g. ``D01``
``session``               yes       number of the therapy session recalled
``perspective``           yes       ``client`` or ``therapist``
``participant``           no        pseudonym of the interviewed person
``interview_date``        no        ``YYYY-MM-DD``
``outcome_group``         no        e.g. ``good`` / ``poor``
``interviewer``           no        speaker name(s) of the interviewer in the file,
                                    separated by ``;``: sets their role (see
                                    :func:`interviewer_roles`); kept as a free attribute
any other column          no        a free case attribute (``therapist_id``, ...)
========================  ========  =====================================================

Standard column names ignore case, spaces and hyphens (``Interview date`` is
``interview_date``). A column whose name is close to a missing standard one (``sesion``) is
an error with a did-you-mean suggestion. Separators ``,``, ``;`` (Excel in many European
locales) and tab are recognised from the header row; UTF-8 with or without BOM is read
silently, Windows-1252 with a warning. Rows are numbered as in a spreadsheet: the header is
row 1. Errors are :class:`AttributeSheetError` naming the file, row and column.

Limits: a sheet of more than :data:`MAX_SHEET_BYTES` (50 MiB) or with more than
:data:`MAX_COLUMNS` (1,000) columns is refused before its rows are read.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from pathlib import Path, PureWindowsPath

from workbench.errors import AttributeSheetError, TranscriptEncodingError, TranscriptWarning, suggest
from workbench.model import CaseAttributes
from workbench.parsing.attributes import STANDARD_KEYS, case_attributes
from workbench.parsing.encoding import decode_bytes

__all__ = ["MAX_COLUMNS", "MAX_SHEET_BYTES", "SHEET_COLUMNS", "interviewer_roles",
           "read_attribute_sheet"]

MAX_COLUMNS = 1_000
"""Most columns an attribute sheet may have (one per case attribute)."""
MAX_SHEET_BYTES = 50 * 1024 * 1024
"""Largest attribute sheet file read (50 MiB)."""

SHEET_COLUMNS = ("file", *STANDARD_KEYS, "interviewer")
"""The standard columns of an attribute sheet."""

_REQUIRED = ("file", "dyad", "session", "perspective")


def interviewer_roles(attributes: CaseAttributes | None) -> dict[str, str]:
    """``{name: "interviewer"}`` for each name in the ``interviewer`` attribute (``;`` between)."""
    if attributes is None:
        return {}
    names = str(attributes.extra.get("interviewer", "")).split(";")
    return {name.strip(): "interviewer" for name in names if name.strip()}


def read_attribute_sheet(path: str | Path) -> dict[str, CaseAttributes]:
    """File name -> case attributes, from the CSV sheet at ``path`` (see the module docstring)."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_SHEET_BYTES:
            raise AttributeSheetError(
                f"{source}: the sheet has {size:,} bytes, more than the {MAX_SHEET_BYTES:,} an "
                "attribute sheet may have (one row per transcript); check that it is the right "
                "file."
            )
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AttributeSheetError(f"{source}: cannot read the sheet: {exc.strerror}.") from None
    try:
        decoded = decode_bytes(data, source=source)
    except TranscriptEncodingError as exc:
        raise AttributeSheetError(str(exc)) from None
    if decoded.warning:
        warnings.warn(decoded.warning, TranscriptWarning, stacklevel=2)
    text = decoded.text
    if not text.strip():
        raise AttributeSheetError(
            f"{source}: the sheet is empty. Its first row must name the columns: "
            f"{', '.join(_REQUIRED)} (and optional {', '.join(SHEET_COLUMNS[4:])})."
        )
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise AttributeSheetError(f"{source}: not a readable CSV file ({exc}).") from None
    if len(rows[0]) > MAX_COLUMNS:
        raise AttributeSheetError(
            f"{source}, row 1: the sheet has {len(rows[0]):,} columns, more than the "
            f"{MAX_COLUMNS:,} allowed; keep one column per case attribute."
        )
    columns = _columns(rows[0], rows[1:], source)
    sheet: dict[str, CaseAttributes] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name, attributes = _row(row, number, columns, source, delimiter)
        if name in first_row:
            raise AttributeSheetError(
                f"{source}, row {number}, column 'file': {name!r} is already listed in row "
                f"{first_row[name]}; give each transcript file exactly one row."
            )
        first_row[name] = number
        sheet[name] = attributes
    if not sheet:
        raise AttributeSheetError(
            f"{source}: the sheet has a header row but no transcripts; add one row per file."
        )
    return sheet


def _letter(index: int) -> str:
    """Spreadsheet column letter: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _columns(header: list[str], rows: list[list[str]], source: str) -> dict[int, str]:
    """Column index -> column name (standard columns normalised, free ones as written)."""
    names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in header]
    columns: dict[int, str] = {}
    present = set(names)
    used: set[str] = set()
    for index, (cell, name) in enumerate(zip(header, names, strict=True)):
        where = f"{source}, row 1, column {_letter(index)}"
        if not name:
            if any(index < len(row) and row[index].strip() for row in rows):
                raise AttributeSheetError(
                    f"{where}: the column has values but no name; name it in row 1."
                )
            continue
        if name not in SHEET_COLUMNS:
            close = difflib.get_close_matches(name, SHEET_COLUMNS, n=1, cutoff=0.75)
            if close and close[0] not in present:
                raise AttributeSheetError(
                    f"{where}: {cell.strip()!r} is not a standard column"
                    f"{suggest(name, SHEET_COLUMNS)}; rename it (or, for a free attribute, "
                    "give it a clearly different name)."
                )
            name = cell.strip()
        if name in used:
            raise AttributeSheetError(f"{where}: column {name!r} appears twice; keep one.")
        used.add(name)
        columns[index] = name
    for required in _REQUIRED:
        if required not in columns.values():
            raise AttributeSheetError(
                f"{source}, row 1: the sheet has no {required!r} column; add it. Required "
                f"columns: {', '.join(_REQUIRED)}."
            )
    return columns


def _row(
    row: list[str], number: int, columns: dict[int, str], source: str, delimiter: str
) -> tuple[str, CaseAttributes]:
    extra_cells = [cell for index, cell in enumerate(row) if index not in columns]
    if any(cell.strip() for cell in extra_cells):
        raise AttributeSheetError(
            f"{source}, row {number}: the row has values in a column without a name in row 1; "
            f"name that column or delete the values (a value that contains the separator "
            f"{delimiter!r}: put it in double quotes)."
        )
    values = {name: row[index].strip() if index < len(row) else "" for index, name in
              columns.items()}
    for key in _REQUIRED:
        if not values[key]:
            raise AttributeSheetError(
                f"{source}, row {number}, column {key!r}: the value is missing; every "
                f"transcript needs {', '.join(_REQUIRED)}."
            )
    name = PureWindowsPath(values["file"]).name

    def fail(message: str) -> AttributeSheetError:
        column = next((key for key in STANDARD_KEYS if message.startswith(key)), None)
        where = f"row {number}, column {column!r}" if column else f"row {number}"
        return AttributeSheetError(f"{source}, {where}: {message} Correct the cell.")

    standard = {key: values.get(key, "") for key in STANDARD_KEYS}
    extra = {key: value for key, value in values.items() if key not in SHEET_COLUMNS}
    if values.get("interviewer"):
        extra["interviewer"] = values["interviewer"]
    return name, case_attributes(standard, extra, fail)
