"""The HTML report (offline, escaped), its CSV/XLSX exports, and `workbench report`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from workbench import Project, create_project, parse_ipr_text
from workbench.cli import main
from workbench.report import build_report, export_tables, report_html, write_report
from workbench.testing import DEMO_CODEBOOK, DEMO_CODERS, demo_transcript

EVIL = "<script>alert('{}')</script>"


@pytest.fixture(scope="module")
def evil_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The demo dyad with a <script> in a transcript, a code name and a memo."""
    path = tmp_path_factory.mktemp("report") / "evil.sqlite"
    project = create_project(path)
    texts = [demo_transcript("D1", 3, p) for p in ("client", "therapist")]
    texts[0] = texts[0].replace("I just went quiet there.",
                                "I just went quiet there " + EVIL.format("transcript") + ".")
    project.import_parsed([parse_ipr_text(t, source=f"{i}.txt") for i, t in enumerate(texts)],
                          progress=False)
    codes = tuple(dataclasses.replace(c, name=EVIL.format("code")) if c.key == "withdrawal"
                  else c for c in DEMO_CODEBOOK.codes)
    project.load_codebook(dataclasses.replace(DEMO_CODEBOOK, codes=codes))
    for coder in DEMO_CODERS[:2]:
        project.add_coder(coder)
    segments = project.segments(role="participant")
    quiet = segments[segments.text.str.contains("went quiet")]
    for row in quiet.itertuples():
        for coder in DEMO_CODERS[:2]:
            project.apply_code(int(row.segment_id), "withdrawal", coder,
                               memo=EVIL.format("memo"))
    tense = segments[segments.text.str.contains("tense|nervous")]
    for row in tense.itertuples():
        project.apply_code(int(row.segment_id), "anxiety", "ana")
    yield project
    project.close()


@pytest.fixture(scope="module")
def report_text(evil_project: Project) -> str:
    return report_html(build_report(evil_project))


def test_report_is_offline(report_text: str) -> None:
    assert report_text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc\s*=", report_text, flags=re.IGNORECASE)
    assert not re.search(r"<link[^>]+href\s*=\s*[\"']?https?:", report_text, flags=re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", report_text)
    assert report_text.count("* plotly.js v") == 1             # the bundle, embedded once
    assert report_text.count('class="plotly-graph-div"') >= 5   # every figure drawn from it


def test_report_escapes_project_text(report_text: str) -> None:
    assert "<script>alert(" not in report_text
    for where in ("transcript", "code", "memo"):
        assert re.search(rf"&lt;script&gt;alert\((&#x27;|'){where}(&#x27;|')\)", report_text), where


def test_report_sections(evil_project: Project, report_text: str) -> None:
    report = build_report(evil_project)
    for section in ("Exemplar quotes", "Agreement summary", "Timeline: dyad D1, session 3",
                    "moments_shared", "perspective_concordance", "codes_by_perspective"):
        assert section in report_text
    assert report.overview["codings"] == len(evil_project.codings())
    assert '<h2 id="cqr">CQR cross-analysis</h2>' in report_text
    cqr = report.tables["cqr_cross_analysis"].set_index("category")
    codings = evil_project.codings()
    for perspective in ("all", "client", "therapist"):
        rows = codings if perspective == "all" else codings[
            codings["perspective"] == perspective]
        coded = rows.groupby("code")["document"].nunique()
        for code in coded.index:
            assert cqr.loc[code, f"{perspective}_cases"] == coded[code]
    assert cqr.loc["repair", "all_label"] == "absent"
    assert report.overview["moments recalled by both"] == 4
    assert {"codes_by_coder", "codes_by_outcome_group", "codes_by_session", "codes_by_dyad",
            "cooccurrence_segment", "cooccurrence_window2", "codes_by_transcript",
            "exemplars"} <= set(report.tables)
    per = report.tables["codes_by_perspective"].set_index(["perspective", "code"])
    codings = evil_project.codings()
    ref = codings.groupby(["perspective", "code"]).size()
    for key, n in ref.items():
        assert per.loc[key, "codings"] == n


def test_exports_reread_equal(evil_project: Project, tmp_path: Path) -> None:
    report = build_report(evil_project)
    written = export_tables(report.tables, tmp_path)
    assert written[-1] == tmp_path / "tables.xlsx"
    assert list(pd.read_excel(tmp_path / "tables.xlsx", sheet_name=None)) == [
        name[:31] for name in report.tables]
    for name, table in report.tables.items():
        # text columns are read as text (a free attribute "True" stays a string)
        text = {c: str for c in table.columns if table[c].dtype == object}
        csv = pd.read_csv(tmp_path / f"{name}.csv", dtype=text)
        pd.testing.assert_frame_equal(csv, table, check_dtype=False, obj=f"{name}.csv")
        sheet = pd.read_excel(tmp_path / "tables.xlsx", sheet_name=name[:31], dtype=text)
        pd.testing.assert_frame_equal(sheet, table, check_dtype=False, obj=f"{name} sheet")
        assert len(table) > 0 or name.startswith("agreement"), name


def test_xlsx_cells_are_values_not_formulas(tmp_path: Path) -> None:
    table = pd.DataFrame({"quote": ["=HYPERLINK(\"http://x\")", "plain"], "n": [1, 2]})
    export_tables({"t": table}, tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["t"]
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == table.loc[0, "quote"]
    pd.testing.assert_frame_equal(pd.read_excel(tmp_path / "tables.xlsx", sheet_name="t"),
                                  table)


def test_write_report_and_cli(evil_project: Project, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "report.html"
    write_report(evil_project, out, agreement=False)
    assert "Agreement was not requested" in out.read_text(encoding="utf-8")
    cli_out = tmp_path / "cli.html"
    status = main(["report", evil_project.location, str(cli_out), "--tables-dir",
                   str(tmp_path / "tables")])
    assert status == 0
    assert cli_out.read_text(encoding="utf-8").count("* plotly.js v") == 1
    assert (tmp_path / "tables" / "tables.xlsx").exists()
    assert (tmp_path / "tables" / "exemplars.csv").exists()
    assert f"wrote {cli_out}" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing.sqlite"), str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("workbench: error:") and "\n" not in err
    create_project(tmp_path / "empty.sqlite").close()
    assert main(["report", str(tmp_path / "empty.sqlite"), str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no codebook" in err and "\n" not in err
    assert not (tmp_path / "r.html").exists()


def test_report_header_states_the_codebook_version(tmp_path: Path) -> None:
    from workbench.testing import make_demo_project

    project = make_demo_project(tmp_path / "versions.sqlite")
    try:
        first = project.codebook_version()
        project.rename_code("repair", new_name="Reconnection")
        second = project.codebook_version()
        assert first is not None and second is not None and second != first
        report = build_report(project)
        assert report.overview["codebook version"] == second
        text = report_html(report)
        header = text[text.index("<h1>"):text.index('<h2 id="overview">')]
        assert re.search(rf"version\s+{second}:", header)
        assert not re.search(rf"version\s+{first}:", header)
    finally:
        project.close()
