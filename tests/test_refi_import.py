"""REFI-QDA import: real sample files, lenient reading, exact positions, what is skipped."""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import (
    CaseAttributes,
    ImportFormatError,
    Project,
    TranscriptError,
    create_project,
    import_qdpx,
    read_qdc,
)
from workbench.errors import NotFoundError
from workbench.interop.refi_text import read_source_text
from workbench.testing import DEMO_CODEBOOK

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "refi"  # sources: SOURCES.md there

USER = "{0D62985D-B147-5D01-A9B5-CAE5DCD98342}"
CODE = "2D2466F0-D77F-4F8C-BDF9-628966B6B74D"
SOURCE = "{40000000-0000-0000-0000-00000000000A}"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with create_project(tmp_path / "import.sqlite") as project:
        yield project


def _qdpx(path: Path, qde: str | bytes, files: dict[str, bytes] | None = None,
          qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def _selection(text: str, piece: str, *, number: int = 1, code: str = CODE,
               user: str = USER) -> str:
    start = text.index(piece)
    return (f'<PlainTextSelection guid="{{AAAAAAAA-0000-0000-0000-{number:012d}}}" '
            f'name="{piece[:20]}" startPosition="{start}" endPosition="{start + len(piece)}">'
            f'<Coding guid="BBBBBBBB-0000-0000-0000-{number:012d}" creatingUser="{user}">'
            f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


def _project_xml(selections: str, *, extra: str = "", cases: str = "",
                 codes: str | None = None) -> str:
    codes = codes if codes is not None else (
        f'<Code guid="{{{CODE.lower()}}}" name="Feeling" isCodable="true" color="#abc"/>')
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="Other tool 1.0">'
            f'<Users><User guid="{USER.lower()}" name="Rae"/></Users>'
            f'<CodeBook><Codes>{codes}</Codes></CodeBook>{cases}'
            f'<Sources><TextSource guid="{SOURCE}" name="Int A" '
            f'plainTextPath="internal://x1.txt">{selections}</TextSource>{extra}</Sources>'
            f'</Project>')


# -- the sample files ----------------------------------------------------------------------
def test_ornio_sample(tmp_path: Path, project: Project) -> None:
    folder = SAMPLES / "ornio_hand_authored"
    path = _qdpx(tmp_path / "ornio.qdpx", (folder / "project.qde").read_bytes(), {
        f"sources/{f.name}": f.read_bytes() for f in (folder / "sources").iterdir()})
    report = import_qdpx(project, path)
    assert project.documents() == ["Interview 1.txt"]
    text = project.document_text("Interview 1.txt")
    source = next((folder / "sources").iterdir()).read_bytes().decode("utf-8")
    assert text == source == "Diet and health are closely linked in this interview."
    codebook = project.codebook
    assert [(t.key, t.name) for t in codebook.themes] == [("topics", "Topics")]
    assert [(c.key, c.parent) for c in codebook.codes] == [
        ("health", None), ("diet", "health"), ("wellbeing", None)]
    assert codebook.code("health").colour == "#33CC33"
    assert codebook.code("wellbeing").definition == "(no definition in the imported codebook)"
    codings = project.codings(with_attributes=False).sort_values("start")
    assert list(codings["text"]) == ["Diet and health", "health are clo"]  # positions 0-15, 9-23
    assert list(codings["code"]) == ["health", "diet"]
    assert set(codings["coder"]) == {"Researcher A"} and report.coders == ("Researcher A",)
    for row in codings.itertuples():
        assert text[row.start:row.end] == row.text
    case = project.cases().iloc[0]
    assert (case.dyad, case.session, case.perspective, case.Age, case.Consented) == (
        "Participant 1", 0, "unknown", "34", "true")
    assert report.codings == report.codings_new == 2
    skipped = "\n".join(report.skipped)
    for what in ("picture source 'photo.jpg'", "PDF source 'doc.pdf'", "audio source",
                 "video source", "1 link(s)", "1 graph(s)", "whole case"):
        assert what in skipped
    assert len(report.skipped) == 7 and len(report.sets) == 1  # the set is reported, kept
    # its free-standing note is now a project memo, not skipped
    assert report.memos == 1 and "Research memo" not in skipped
    assert list(project.memos()["target_kind"]) == ["project"]
    assert any("perspective" in w and "attributes=" in w for w in report.warnings)


def test_atlasti23_blank_project(project: Project) -> None:
    report = import_qdpx(project, SAMPLES / "atlasti23_blank-atlas-project.qdpx")
    assert report.origin.startswith("ATLAS.ti for Windows 23")
    assert project.documents() == [] and project.codebook_version() is None
    # users without codings are kept as coders (issue 16 pt 7d), with their GUIDs
    assert project.coders() == ["ATLAS.ti", "Enric Llagostera"] and report.skipped == ()
    assert project.refi_identities()[("user", "Enric Llagostera")].guid == (
        "088B08AC-D5CD-4ADB-8B71-B4F3459C177F")


def test_atlasti23_nested_codebook(project: Project) -> None:
    report = import_qdpx(project, SAMPLES / "atlasti23_target-atlas-project.qdpx")
    codebook = project.codebook
    assert codebook.name == "target-atlas-project"
    # the codable parent stays one code (no theme made from it; issue 16 pt 7a)
    assert [(t.key, t.name) for t in codebook.themes] == [("imported_codes", "Imported codes")]
    assert [(c.name, c.parent) for c in codebook.codes] == [
        ("Commits", None), ("2022-05-10T02:05:59Z 19e4dce", "commits"),
        ("2022-02-11T10:39:25Z cdbfd92", "commits")]
    assert report.codes_added == codebook.keys and len(codebook.keys) == 3
    assert report.warnings == ()


def test_skyloom_spec_project_without_source_files(project: Project) -> None:
    report = import_qdpx(project, SAMPLES / "skyloom_TestProject_atlasti-spec-example.qdpx")
    codebook = project.codebook
    assert len(codebook.codes) == 14 and [t.key for t in codebook.themes] == ["imported_codes"]
    # ATLAS.ti's "Coke::diet Coke" is the code "diet Coke" under "Coke" (issue 15 pt 5)
    assert codebook.code("diet_coke").name == "diet Coke"
    assert codebook.code("diet_coke").parent == "coke"
    assert codebook.code("diet_coke").colour == "#966450"
    assert len(report.split) == 2
    assert codebook.code("cornflakes").definition == "breakfast cereal made by Kellogg’s"
    assert project.documents() == []
    missing = [s for s in report.skipped if "is not in the archive" in s]
    assert len(missing) == 6
    assert any("'Simon.docx'" in s and "3 selection(s)" in s for s in missing)
    assert len(report.sets) == 16 and not any("set(s)" in s for s in report.skipped)
    assert any("'Feelings': codes serene, rushed, happiness" in s for s in report.sets)


def test_spec_atlasti_selection_lands_on_its_text(tmp_path: Path, project: Project) -> None:
    quote = "Oh, that was great. See you tomorrow? Eleven thirty. Mm."
    text = ("x" * 137 + "\r\n" + quote + "\r\nThe end.\r\n").encode("utf-8")
    qde = (SAMPLES / "spec_annexA2_atlasti_standard_project.qde").read_bytes()
    path = _qdpx(tmp_path / "a2.qdpx", qde,
                 {"sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt": text})
    report = import_qdpx(project, path, unit="turn")
    assert project.documents() == ["1994 Diet Coke-Diet Coke Break.docx"]
    codings = project.codings(with_attributes=False)
    assert list(codings["text"]) == [quote] and list(codings["code"]) == ["diet_coke"]
    assert list(codings["coder"]) == ["Friedrich Markgraf"]
    assert report.coders == ("ATLAS.ti", "Friedrich Markgraf", "Sebastian Petrausch")


def test_spec_codebook_qdc() -> None:
    codebook, warnings = read_qdc(SAMPLES / "spec_annexA1_codebook.qdc")
    assert codebook.name == "spec_annexA1_codebook"
    assert [(c.key, c.colour) for c in codebook.codes] == [
        ("economy", "#FFFF00"), ("health_care", "#33CC33"), ("conservatives", "#FF0000"),
        ("liberals", "#0000FF")]
    assert codebook.code("liberals").definition.startswith("Democrats, socialists")
    assert len(warnings) == 2
    assert "'Topics'" in warnings[0] and "'Values'" in warnings[1]


def test_invalid_taguette_codebook_imports_with_a_warning(project: Project) -> None:
    codebook, warnings = read_qdc(SAMPLES / "taguette_codebook_from_tests_INVALID.qdc")
    # Taguette's "interesting\places" is the code "places" under "interesting"
    assert [(c.name, c.parent) for c in codebook.codes] == [
        ("interesting", None), ("places", "interesting"), ("people", None)]
    assert codebook.keys == ("interesting", "places", "people")
    assert any("'interesting\\\\places' became 'places'" in w for w in warnings)
    kept, _ = read_qdc(SAMPLES / "taguette_codebook_from_tests_INVALID.qdc",
                       split_hierarchy=False)
    assert [c.name for c in kept.codes] == ["interesting", "people", "interesting\\places"]
    assert all(c.definition == "(no definition in the imported codebook)" for c in codebook.codes)
    assert any("does not conform" in w and "Sets" in w for w in warnings)
    assert any("skipped the empty <Sets/>" in w for w in warnings)
    project.load_codebook(codebook)
    assert project.codebook.keys == codebook.keys


# -- lenient reading -----------------------------------------------------------------------
def test_capitals_braces_bom_and_unicode_positions(tmp_path: Path, project: Project) -> None:
    text = ("Interviewer: How did it feel? 😀 Tell me.\r\n\r\nAnna: It was hard. Cafe\u0301 "
            "helped.\r\n  a plain line  \r\n[00:01:05]\r\nAnna: Later on. 家族.\r\n")
    pieces = ["How did it feel?", "😀 Tell me.", "Cafe\u0301 helped.", "a plain line",
              "家族."]
    selections = "".join(_selection(text, p, number=i) for i, p in enumerate(pieces))
    cases = ('<Variables><Variable guid="{C0000000-0000-0000-0000-000000000001}" name="Dyad" '
             'typeOfVariable="Text"/><Variable guid="c0000000-0000-0000-0000-000000000002" '
             'name="SESSION" typeOfVariable="Integer"/><Variable guid="c0000000-0000-0000-0000-'
             '000000000003" name="perspective" typeOfVariable="Text"/></Variables><Cases>'
             '<Case guid="d0000000-0000-0000-0000-000000000001"><VariableValue><VariableRef '
             'targetGUID="C0000000-0000-0000-0000-000000000001"/><TextValue>D7</TextValue>'
             '</VariableValue><VariableValue><VariableRef targetGUID="{C0000000-0000-0000-0000-'
             '000000000002}"/><IntegerValue>4</IntegerValue></VariableValue><VariableValue>'
             '<VariableRef targetGUID="c0000000-0000-0000-0000-000000000003"/><TextValue>'
             'Therapist</TextValue></VariableValue>'
             '<SourceRef targetGUID="40000000-0000-0000-0000-00000000000a"/></Case></Cases>')
    path = _qdpx(tmp_path / "t.qdpx", _project_xml(selections, cases=cases),
                 {"Sources/X1.TXT": codecs.BOM_UTF8 + text.encode("utf-8")},
                 qde_name="My Study.qde")
    report = import_qdpx(project, path, detect_speakers=True)
    stored = project.document_text("Int A")
    codings = project.codings(with_attributes=False).sort_values("start")
    assert list(codings["text"]) == pieces
    assert all(stored[r.start:r.end] == r.text for r in codings.itertuples())
    per_segment = project.segment_codings(with_attributes=False).sort_values("start")
    assert list(per_segment["speaker"]) == ["Interviewer", "Interviewer", "Anna", "Unknown",
                                            "Anna"]
    assert per_segment.iloc[-1].video_time == 65.0
    assert project.codebook.code("feeling").colour == "#AABBCC"
    assert set(codings["coder"]) == {"Rae"}
    case = project.cases().iloc[0]
    assert (case.dyad, case.session, case.perspective) == ("D7", 4, "therapist")
    assert report.skipped == () and report.across_segments == 0


def test_selections_that_cannot_be_placed_are_reported(tmp_path: Path, project: Project) -> None:
    text = "Anna: First one. Second one.\nBen: Third.\n"
    start = text.index("First")
    spread = (f'<PlainTextSelection guid="{{AAAAAAAA-0000-0000-0000-000000000099}}" '
              f'startPosition="{start}" endPosition="{text.index("Third") + 6}">'
              f'<Coding guid="BBBBBBBB-0000-0000-0000-000000000099" creatingUser="{USER}">'
              f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')
    label = ('<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000098" name="label" '
             'startPosition="0" endPosition="5"><Coding guid="BBBBBBBB-0000-0000-0000-'
             f'000000000098"><CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')
    outside = label.replace('"0" endPosition="5"', '"30" endPosition="999"').replace(
        "98", "97").replace('name="label"', 'name="far"')
    unknown = _selection(text, "Second one.", number=5,
                         code="99999999-9999-9999-9999-999999999999")
    uncoded = ('<PlainTextSelection guid="AAAAAAAA-0000-0000-0000-000000000096" name="bare" '
               'startPosition="6" endPosition="10"/>')
    path = _qdpx(tmp_path / "t.qdpx",
                 _project_xml(spread + label + outside + unknown + uncoded),
                 {"sources/x1.txt": text.encode()})
    report = import_qdpx(project, path, detect_speakers=True)
    codings = project.codings(with_attributes=False).sort_values("start")
    # one foreign selection is one coding, whole, across sentences and turns
    assert list(codings["text"]) == ["First one. Second one.\nBen: Third."]
    assert list(codings["n_segments"]) == [3]
    assert report.across_segments == 1 and report.codings == 1
    skipped = "\n".join(report.skipped)
    assert "selection 'label' covers no segment text" in skipped
    assert "selection 'far' (30-999) lies outside the text" in skipped
    assert "an unknown code (99999999-9999-9999-9999-999999999999)" in skipped
    assert "selection 'bare' has no codes" in skipped


def test_inline_text_and_missing_files(tmp_path: Path, project: Project) -> None:
    extra = ('<TextSource guid="40000000-0000-0000-0000-00000000000b" name="Inline">'
             '<PlainTextContent>Bo: Inline text here.</PlainTextContent></TextSource>'
             '<TextSource guid="40000000-0000-0000-0000-00000000000c" name="Gone" '
             'plainTextPath="internal://nothere.txt"/>'
             '<TextSource guid="40000000-0000-0000-0000-00000000000d" name="Far" '
             'plainTextPath="absolute:///etc/passwd"/>')
    path = _qdpx(tmp_path / "t.qdpx", _project_xml("", extra=extra),
                 {"sources/x1.txt": b"Just text."})
    report = import_qdpx(project, path)
    assert project.documents() == ["Inline", "Int A"]
    assert project.document_text("Inline") == "Bo: Inline text here."
    assert any("'Gone'" in s and "not in the archive" in s for s in report.skipped)
    # a path outside the archive is never read from disk: only its file name is looked up
    assert any("'Far'" in s and "is not in the archive (looked for 'passwd'" in s
               for s in report.skipped)
    assert not any("outside the archive" in s for s in report.skipped)


@pytest.mark.parametrize("text_path", ["board_2017.txt", "sources/board_2017.txt",
                                       "C:\\Users\\rae\\NVivo\\board_2017.txt",
                                       "file:///Users/rae/board_2017.txt",
                                       "internal://board_2017.txt"])
def test_plain_text_paths_as_tools_write_them(tmp_path: Path, project: Project,
                                              text_path: str) -> None:
    xml = _project_xml("").replace('plainTextPath="internal://x1.txt"',
                                   f'plainTextPath="{text_path}"')
    path = _qdpx(tmp_path / "t.qdpx", xml, {"sources/board_2017.txt": b"Ann: Board minutes."})
    report = import_qdpx(project, path)
    assert project.documents() == ["Int A"], report.skipped
    assert "Board minutes." in project.document_text("Int A")


def test_a_bare_qde_with_its_sources_folder_imports(tmp_path: Path, project: Project) -> None:
    text = "Anna: First one. Second one.\n"
    folder = tmp_path / "exported"
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "x1.txt").write_bytes(text.encode())
    (folder / "My Study.qde").write_text(
        _project_xml(_selection(text, "Second one.")), encoding="utf-8")
    report = import_qdpx(project, folder / "My Study.qde")
    assert project.documents() == ["Int A"]
    assert list(project.codings()["text"]) == ["Second one."]
    assert report.path.endswith("My Study.qde")
    with pytest.raises(NotFoundError, match="no such file"):
        import_qdpx(project, folder / "missing.qde")


def test_several_projects_in_one_archive_are_refused(tmp_path: Path, project: Project) -> None:
    path = _qdpx(tmp_path / "t.qdpx", _project_xml(""), {"other.qde": b"<Project/>"},
                 qde_name="first.qde")
    with pytest.raises(ImportFormatError, match="several projects"):
        import_qdpx(project, path)


def test_merges_into_an_existing_codebook(tmp_path: Path, project: Project) -> None:
    project.load_codebook(DEMO_CODEBOOK)
    codes = (f'<Code guid="{CODE}" name="Anxiety" isCodable="true"/>'
             '<Code guid="2D2466F0-D77F-4F8C-BDF9-628966B6B74E" name="Hope" isCodable="true"/>')
    text = "Ann: I was nervous.\n"
    path = _qdpx(tmp_path / "t.qdpx", _project_xml(_selection(text, "I was nervous."),
                                                    codes=codes),
                 {"sources/x1.txt": text.encode()})
    report = import_qdpx(project, path, attributes={
        "Int A": CaseAttributes("D3", 2, "client", outcome_group="good")})
    assert report.codes_added == ("hope",)
    assert project.codebook.keys == (*DEMO_CODEBOOK.keys, "hope")
    assert list(project.codings(with_attributes=False)["code"]) == ["anxiety"]
    case = project.cases().iloc[0]
    assert (case.dyad, case.session, case.perspective, case.outcome_group) == (
        "D3", 2, "client", "good")
    assert not any("perspective" in w for w in report.warnings)


# -- the offset map, as a property ---------------------------------------------------------
_WORDS = st.sampled_from(["well", "I", "felt", "😀", "e\u0301", "家族", "ok.", "So?", "  ", "\t"])
_LINE = st.tuples(st.sampled_from(["", "Ann: ", "Dr Bo: ", "  ", "[00:01:02]"]),
                  st.lists(_WORDS, max_size=6)).map(lambda t: t[0] + " ".join(t[1]))
_TEXT = st.tuples(st.lists(_LINE, min_size=1, max_size=6),
                  st.sampled_from(["\n", "\r\n", "\r"])).map(lambda t: t[1].join(t[0]))


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, a=st.integers(0, 80), b=st.integers(0, 80))
def test_mapped_characters_are_the_selected_characters(text: str, a: int, b: int) -> None:
    try:
        read = read_source_text(text, "doc", CaseAttributes("D1", 1, "client"), form="speakers")
    except TranscriptError:  # no words at all
        return
    canonical = read.transcript.text
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    mapped = [i for s, _, n in read.runs for i in range(s, s + n) if start <= i < end]
    pieces = read.to_canonical(start, end)
    assert "".join(canonical[lo:hi] for lo, hi in pieces) == "".join(text[i] for i in mapped)
    assert all(hi <= len(canonical) for _, hi in pieces)


def test_the_cli_imports_a_bare_qde(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli import main

    text = "Anna: First one. Second one.\n"
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "x1.txt").write_bytes(text.encode())
    (tmp_path / "study.qde").write_text(_project_xml(_selection(text, "First one.")),
                                        encoding="utf-8")
    target = tmp_path / "p.sqlite"
    assert main(["init", str(target)]) == 0
    assert main(["import", str(target), str(tmp_path / "study.qde")]) == 0
    assert "study.qde" in capsys.readouterr().out
    from workbench import open_project

    with open_project(target) as project:
        assert list(project.codings()["text"]) == ["First one."]
