"""REFI-QDA export: schema-valid files, and export -> import gives the same project back."""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from workbench import (
    Code,
    Codebook,
    Project,
    Theme,
    create_project,
    export_qdc,
    export_qdpx,
    import_qdpx,
    open_project,
    parse_ipr_text,
    read_qdc,
)
from workbench.cli import main
from workbench.interop.xml_safety import safe_parser, schema_errors
from workbench.testing import DEMO_CODEBOOK, make_demo_project

CODING_COLUMNS = ["document", "start", "end", "text", "first_segment", "last_segment",
                  "n_segments", "code", "parent_code", "theme", "coder", "memo"]
NS = {"q": "urn:QDA-XML:project:1.0"}


def _codings(project: Project) -> pd.DataFrame:
    frame = project.codings(with_attributes=False)[CODING_COLUMNS]
    return frame.sort_values(["document", "start", "end", "code", "coder"]).reset_index(drop=True)


def _segments(project: Project) -> pd.DataFrame:
    return project.segments(with_attributes=False).drop(columns="segment_id")


def assert_same_project(a: Project, b: Project) -> None:
    """Documents (text), segments, cases, codebook, coders and codings are identical."""
    assert a.documents() == b.documents()
    for name in a.documents():
        assert a.document_text(name) == b.document_text(name)
    pd.testing.assert_frame_equal(_segments(a), _segments(b))
    pd.testing.assert_frame_equal(a.cases(), b.cases())
    assert a.codebook == b.codebook
    assert a.coders() == b.coders()
    pd.testing.assert_frame_equal(_codings(a), _codings(b))


def _qde(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("project.qde"), safe_parser())


def test_export_is_valid_and_holds_the_canonical_texts(demo_project: Project,
                                                       tmp_path: Path) -> None:
    path = export_qdpx(demo_project, tmp_path / "out" / "demo.qdpx")
    root = _qde(path)
    assert schema_errors(root, "project") == []
    assert root.get("name") == "demo" and root.get("origin").startswith("IPR workbench")
    users = [u.get("name") for u in root.iterfind("q:Users/q:User", NS)]
    assert users == ["IPR workbench", "ana", "ben", "chloe"]
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        sources = {s.get("name"): s for s in root.iterfind("q:Sources/q:TextSource", NS)}
        assert sorted(sources) == demo_project.documents()
        for name, source in sources.items():
            guid = source.get("guid")
            assert source.get("plainTextPath") == f"internal://{guid}.txt"
            data = archive.read(f"sources/{guid}.txt")
            assert not data.startswith(codecs.BOM_UTF8)
            text = data.decode("utf-8")
            assert text == demo_project.document_text(name)
            for selection in source.iterfind("q:PlainTextSelection", NS):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                assert text[start:end] == selection.get("name")
    assert names == ["project.qde", *sorted(f"sources/{s.get('guid')}.txt"
                                           for s in sources.values())]
    selections = root.findall(".//q:PlainTextSelection", NS)
    assert len(selections) == len(demo_project.codings(with_attributes=False))
    assert len(root.findall("q:Cases/q:Case", NS)) == 4
    assert not list(tmp_path.glob("out/.*.tmp"))
    qdc = export_qdc(demo_project.codebook, tmp_path / "out" / "demo.qdc")
    assert schema_errors(etree.fromstring(qdc.read_bytes(), safe_parser()), "codebook") == []


def test_round_trip_gives_the_same_project(sqlite_demo: Project, empty_project: Project,
                                           tmp_path: Path) -> None:
    segment = sqlite_demo.segments(role="participant").iloc[0]
    sqlite_demo.apply_code(int(segment.segment_id), "rupture", "ana",
                           memo="first line\n\nsecond <line> & \"more\"", span=(2, 9))
    path = export_qdpx(sqlite_demo, tmp_path / "demo.qdpx")
    report = import_qdpx(empty_project, path)
    assert_same_project(sqlite_demo, empty_project)
    assert report.skipped == () and report.warnings == ()
    assert report.codings == report.codings_new == len(sqlite_demo.codings())
    again = import_qdpx(empty_project, path)
    assert {r.status for r in again.documents} == {"unchanged"}
    assert again.codings_new == 0 and again.codes_added == ()
    assert empty_project.codebook_version() == 1
    assert_same_project(sqlite_demo, empty_project)


UNICODE_TRANSCRIPT = """\
---
document: U1_S2_client
dyad: U1
session: 2
perspective: client
speakers:
  R: {name: Researcher, role: interviewer}
  C: {name: Zoë, role: participant}
attributes:
  language: français
---
R: Was ist passiert? 🙂
[00:02:03.250]
R: Und dann?
C: Ich war so nervös 😬😬. Café\u0301 und 家族 halfen mir. Dann 👩‍👩‍👧 zu Hause.
C: Nichts weiter.
"""


def _unicode_project(location: Path) -> Project:
    project = create_project(location)
    parsed = parse_ipr_text(UNICODE_TRANSCRIPT, source="u.txt")
    turn_doc = parse_ipr_text(UNICODE_TRANSCRIPT.replace("U1_S2_client", "U1_S2_turns")
                              .replace("session: 2", "session: 5"), source="t.txt")
    project.import_parsed([parsed], progress=False)
    project.import_parsed([turn_doc], unit="turn", progress=False)
    project.load_codebook(DEMO_CODEBOOK)
    project.add_coder("zoë")
    project.add_coder("idle coder")
    for row in project.segments(role="participant").itertuples():
        for needle, code in (("😬😬", "anxiety"), ("家族", "empathy"), ("👩‍👩‍👧", "repair"),
                             ("Café\u0301", "withdrawal")):
            if needle in row.text:
                lo = row.text.index(needle)
                project.apply_code(row.segment_id, code, "zoë", memo=f"{needle} ✓",
                                   span=(lo, lo + len(needle)))
        project.apply_code(row.segment_id, "rupture", "zoë")
    return project


def test_round_trip_keeps_positions_of_emoji_and_combining_marks(tmp_path: Path) -> None:
    with _unicode_project(tmp_path / "u.sqlite") as original, \
            create_project(tmp_path / "copy.sqlite") as copy:
        path = export_qdpx(original, tmp_path / "u.qdpx")
        assert schema_errors(_qde(path), "project") == []
        import_qdpx(copy, path)
        assert_same_project(original, copy)
        codings = copy.codings(with_attributes=False)
        segments = copy.segments(with_attributes=False)
        whole = set(zip(segments["document"], segments["start"], segments["end"], strict=True))
        spans = codings[[(d, s, e) not in whole for d, s, e in
                         zip(codings["document"], codings["start"], codings["end"], strict=True)]]
        assert sorted(spans["text"]) == sorted(["😬😬", "家族", "👩‍👩‍👧", "Café\u0301"] * 2)
        assert "idle coder" in copy.coders()


def test_source_saved_with_a_bom_imports_identically(tmp_path: Path) -> None:
    with _unicode_project(tmp_path / "u.sqlite") as original, \
            create_project(tmp_path / "copy.sqlite") as copy:
        path = export_qdpx(original, tmp_path / "u.qdpx")
        bom_path = tmp_path / "bom.qdpx"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(bom_path, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                target.writestr(name, codecs.BOM_UTF8 + data if name.endswith(".txt") else data)
        import_qdpx(copy, bom_path)
        assert_same_project(original, copy)


def test_codings_of_retired_codes_are_exported(sqlite_demo: Project, tmp_path: Path) -> None:
    smaller = Codebook(DEMO_CODEBOOK.name, DEMO_CODEBOOK.themes,
                       tuple(c for c in DEMO_CODEBOOK.codes if c.key != "rupture"))
    sqlite_demo.load_codebook(smaller, retire_missing=True)
    path = export_qdpx(sqlite_demo, tmp_path / "r.qdpx")
    root = _qde(path)
    assert schema_errors(root, "project") == []
    assert "Retired codes" in [c.get("name") for c in root.iterfind("q:CodeBook/q:Codes/q:Code",
                                                                   NS)]
    with create_project(tmp_path / "copy.sqlite") as copy:
        import_qdpx(copy, path)
        pd.testing.assert_frame_equal(
            _codings(sqlite_demo).drop(columns=["theme"]), _codings(copy).drop(columns=["theme"]))
        assert copy.codebook.code("rupture").theme == "retired_codes"


def test_empty_project_exports_a_valid_file(tmp_path: Path) -> None:
    with create_project(tmp_path / "e.sqlite") as project:
        path = export_qdpx(project, tmp_path / "e.qdpx", name="Empty study")
    root = _qde(path)
    assert schema_errors(root, "project") == [] and root.get("name") == "Empty study"


def test_qdc_round_trip_keeps_every_field(tmp_path: Path) -> None:
    codebook = Codebook(
        "Two-level", (Theme("t1", "Theme <one>", "Line 1\n\nLine 3", "#ABC"),
                      Theme("t2", "Empty theme", "")),
        (Code("a", "A & a", "t1", "Def.\n\nWith a blank line.", "#112233",
              inclusion="inc\n\nmore", exclusion="exc", example="“quoted”"),
         Code("b", "B", "t1", "", "#445566", parent="a"),
         Code("c", "C", "t1", "Child of b.", "#778899", parent="b")),
        "A description.",
    )
    path = export_qdc(codebook, tmp_path / "Two-level.qdc")
    root = etree.fromstring(path.read_bytes(), safe_parser())
    assert schema_errors(root, "codebook") == []
    back, warnings = read_qdc(path)
    assert warnings == []
    assert back.codes == codebook.codes
    assert back.themes[1] == codebook.themes[1]
    assert back.themes[0] == Theme("t1", "Theme <one>", "Line 1\n\nLine 3", "#AABBCC")
    assert back.name == "Two-level"


def test_cli_exports_and_imports(sqlite_demo: Project, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    location = sqlite_demo.location
    count = len(sqlite_demo.codings())
    sqlite_demo.close()
    for what in ("qdpx", "qdc", "xlsx"):
        assert main(["export", what, location, str(tmp_path / f"demo.{what}")]) == 0
    fresh = str(tmp_path / "fresh.sqlite")
    assert main(["init", fresh]) == 0
    assert main(["import", fresh, str(tmp_path / "demo.qdc"), str(tmp_path / "demo.qdpx"),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "codebook version 1 (5 codes)" in out
    assert f"codings: {count} placed, {count} new" in out
    with make_demo_project(tmp_path / "again.sqlite") as original, \
            open_project(fresh) as copy:
        pd.testing.assert_frame_equal(_codings(original), _codings(copy))
    assert main(["import", fresh, str(tmp_path / "missing.qdpx")]) == 2
    assert "workbench: error:" in capsys.readouterr().err


@pytest.fixture
def workbook_path(sqlite_demo: Project, tmp_path: Path) -> Iterator[Path]:
    from workbench.interop import export_xlsx

    segment = sqlite_demo.segments(role="participant").iloc[0]
    sqlite_demo.apply_code(int(segment.segment_id), "rupture", "ana", memo="=1+1")
    yield export_xlsx(sqlite_demo, tmp_path / "t.xlsx")


def test_xlsx_tables_are_values_only(workbook_path: Path, sqlite_demo: Project) -> None:
    import openpyxl

    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames == ["codings", "segments", "cases", "codebook"]
    sheet = book["codings"]
    header = [cell.value for cell in sheet[1]]
    memo = header.index("memo")
    memos = [row[memo] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in memos if c.value] == [("=1+1", "s")]
    assert sheet.max_row == len(sqlite_demo.codings()) + 1
