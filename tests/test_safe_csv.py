"""Every CSV the workbench writes is safe to open in a spreadsheet (issue point 14)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli import main
from workbench.interop import export_csv_tables
from workbench.interop.safe_csv import FORMULA_STARTS, safe_cell, write_csv
from workbench.report import export_tables
from workbench.testing import make_demo_project

EVIL = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
        "\tx", "\r=1", "-", "+1e5"]


@pytest.mark.parametrize("text", EVIL)
def test_formula_text_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "a=b", "", "'=already", "-3", "+4.5", "-0.25",
                                   3, -3, -2.5, None, True])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def _cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _no_formula(path: Path) -> None:
    for row in _cells(path):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or safe_cell(cell) == cell, (path, cell)


def test_write_csv_keeps_numbers_numeric(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": EVIL, "n": range(-4, 4), "x": [-0.5] * 8,
                          "label": ["-3"] * 8})
    frame.columns = ["=title", "n", "x", "label"]
    path = write_csv(frame, tmp_path / "t.csv")
    rows = _cells(path)
    assert rows[0] == ["'=title", "n", "x", "label"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in EVIL]
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(-4, 4)]
    assert {row[2] for row in rows[1:]} == {"-0.5"} and {row[3] for row in rows[1:]} == {"-3"}
    back = pd.read_csv(path)
    assert back["n"].dtype.kind == "i" and back["x"].dtype.kind == "f"
    _no_formula(path)


def test_report_tables_csv(tmp_path: Path) -> None:
    export_tables({"quotes": pd.DataFrame({"quote": EVIL, "n": range(8)})}, tmp_path)
    _no_formula(tmp_path / "quotes.csv")
    assert _cells(tmp_path / "quotes.csv")[1][0] == "'" + EVIL[0]


def test_project_tables_and_cli_codings_csv(tmp_path: Path) -> None:
    with make_demo_project(tmp_path / "demo.sqlite") as project:
        segment = int(project.segments(role="participant").segment_id.iloc[0])
        coder = project.coders()[0]
        project.apply_code(segment, project.codebook.codes[-1].key, coder, memo=EVIL[0])
        written = export_csv_tables(project, tmp_path / "tables")
        location = project.location
    assert written
    for path in written:
        _no_formula(path)
    memos = pd.read_csv(tmp_path / "tables" / "codings.csv")["memo"].dropna().tolist()
    assert "'" + EVIL[0] in memos
    assert main(["export", "codings", location, str(tmp_path / "codings.csv")]) == 0
    _no_formula(tmp_path / "codings.csv")
    assert "'" + EVIL[0] in pd.read_csv(tmp_path / "codings.csv")["memo"].tolist()
