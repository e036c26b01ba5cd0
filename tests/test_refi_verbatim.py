"""Text from other tools is kept verbatim (issue 16, point 5) and selections stay whole on
the same characters (point 6); speaker detection is opt-in and can be previewed."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from workbench import (
    Project,
    TranscriptError,
    create_project,
    export_qdpx,
    import_qdpx,
    preview_speakers,
)
from workbench.interop.refi_text import VERBATIM_SPEAKER, read_source_text
from workbench.model import CaseAttributes

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "refi"
USER = "0d62985d-b147-5d01-a9b5-cae5dcd98342"
CODES = {"anx": "2d2466f0-d77f-4f8c-bdf9-628966b6b74d",
         "hope": "2d2466f0-d77f-4f8c-bdf9-628966b6b74e"}
NS = {"q": "urn:QDA-XML:project:1.0"}

# CRLF line ends, a blank line, tabs, trailing spaces, emoji (outside the BMP), a combining
# accent, a leading "Word:" that is not a speaker, a lone CR and no final line end
TEXT = ("Clinical note\r\n"
        "\r\n"
        "Diagnosis: mild anxiety, worse at night 😬.\r\n"
        "\tPlan:\tweekly sessions; cafe\u0301 talk 👩‍👩‍👧 helps.  \r\n"
        "   \r\n"
        "She said: I feel calmer now.\rLast line without end")
PIECES = [("Diagnosis: mild anxiety,", "anx"),
          ("worse at night 😬.\r\n\tPlan:\tweekly", "anx"),   # across two lines
          ("cafe\u0301 talk 👩‍👩‍👧 helps.", "hope"),
          ("She said: I feel calmer now.\rLast line", "hope")]


def _qdpx(path: Path, text: str = TEXT, pieces: list[tuple[str, str]] = PIECES, *,
          origin: str = "MAXQDA 2022", data: bytes | None = None) -> Path:
    selections = []
    for number, (piece, code) in enumerate(pieces, 1):
        start = text.index(piece)
        selections.append(
            f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-{number:012d}" '
            f'name="{number}" startPosition="{start}" endPosition="{start + len(piece)}">'
            f'<Coding guid="bbbbbbbb-0000-0000-0000-{number:012d}" creatingUser="{USER}">'
            f'<CodeRef targetGUID="{CODES[code]}"/></Coding></PlainTextSelection>')
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n'
           f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
           f'<Users><User guid="{USER}" name="Rae"/></Users><CodeBook><Codes>'
           f'<Code guid="{CODES["anx"]}" name="Anxiety" isCodable="true"/>'
           f'<Code guid="{CODES["hope"]}" name="Hope" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="40000000-0000-0000-0000-00000000000a" name="Note 1" '
           f'plainTextPath="internal://x1.txt">{"".join(selections)}</TextSource></Sources>'
           f'</Project>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/x1.txt", text.encode("utf-8") if data is None else data)
    return path


def _exported(path: Path) -> tuple[dict[str, bytes], list[tuple[int, int]], list[str]]:
    """Source files, selection positions and source descriptions of an exported .qdpx."""
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if n.startswith("sources/")}
        root = etree.fromstring(archive.read("project.qde"))
    positions = sorted((int(s.get("startPosition")), int(s.get("endPosition")))
                       for s in root.iterfind(".//q:PlainTextSelection", NS))
    descriptions = [d.text or "" for d in root.iterfind(".//q:TextSource/q:Description", NS)]
    return files, positions, descriptions


def _selected(text: str = TEXT) -> list[tuple[int, int]]:
    return sorted((text.index(p), text.index(p) + len(p)) for p, _ in PIECES)


def test_foreign_text_is_stored_and_exported_verbatim(tmp_path: Path,
                                                       empty_project: Project) -> None:
    project = empty_project
    report = import_qdpx(project, _qdpx(tmp_path / "in.qdpx"))
    assert project.document_text("Note 1") == TEXT
    codings = project.codings(with_attributes=False).sort_values("start")
    # each selection is one coding on exactly the selected characters
    assert list(zip(codings["start"], codings["end"], strict=True)) == _selected()
    assert list(codings["text"]) == [p for p, _ in PIECES]
    assert list(codings["code"]) == ["anxiety", "anxiety", "hope", "hope"]
    assert list(codings["n_segments"]) == [1, 2, 1, 2]
    assert report.across_segments == 2 and report.codings == 4 and report.skipped == ()
    assert not any("speaker" in w for w in report.warnings)
    turns = project.turns("Note 1")
    assert set(turns["speaker"]) == {VERBATIM_SPEAKER} and set(turns["role"]) == {"participant"}
    # one turn per non-blank line, trimmed; segments never hold a line end
    assert [TEXT[s:e] for s, e in zip(turns["start"], turns["end"], strict=True)] == [
        "Clinical note", "Diagnosis: mild anxiety, worse at night 😬.",
        "Plan:\tweekly sessions; cafe\u0301 talk 👩‍👩‍👧 helps.", "She said: I feel calmer now.",
        "Last line without end"]
    segments = project.segments(document="Note 1", with_attributes=False)
    assert all(TEXT[s:e] == t for s, e, t in zip(segments["start"], segments["end"],
                                                 segments["text"], strict=True))
    assert not any("\r" in t or "\n" in t for t in segments["text"])
    # the coded passage keeps its "Diagnosis:" and counts for the segment holding it
    per_segment = project.segment_codings(with_attributes=False)
    first = per_segment[per_segment["start"] == TEXT.index("Diagnosis")]
    assert first["segment_text"].iloc[0].startswith("Diagnosis: mild anxiety,")

    out = export_qdpx(project, tmp_path / "out.qdpx")
    files, positions, descriptions = _exported(out)
    assert list(files.values()) == [TEXT.encode("utf-8")]  # byte-identical
    assert positions == _selected()
    assert descriptions[0].startswith("IPR workbench document: verbatim source text")

    # and the workbench reads its own verbatim export back as it was
    with create_project(tmp_path / "again.sqlite") as again:
        import_qdpx(again, out)
        assert again.document_text("Note 1") == TEXT
        columns = ["speaker", "role", "start", "end"]
        assert project.turns("Note 1")[columns].equals(again.turns("Note 1")[columns])
        columns.append("text")
        assert segments[columns].reset_index(drop=True).equals(
            again.segments(document="Note 1", with_attributes=False)[columns]
            .reset_index(drop=True))
        back = again.codings(with_attributes=False).sort_values("start")
        assert list(zip(back["start"], back["end"], back["code"], strict=True)) == list(
            zip(codings["start"], codings["end"], codings["code"], strict=True))


def test_ornio_sample_text_and_positions_round_trip(tmp_path: Path) -> None:
    folder = SAMPLES / "ornio_hand_authored"
    source = next((folder / "sources").iterdir()).read_bytes()
    path = tmp_path / "ornio.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", (folder / "project.qde").read_bytes())
        archive.writestr(f"sources/{next((folder / 'sources').iterdir()).name}", source)
    qde = etree.fromstring((folder / "project.qde").read_bytes())
    given = sorted((int(s.get("startPosition")), int(s.get("endPosition")))
                   for s in qde.iterfind(".//q:PlainTextSelection", NS))
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        text = project.document_text("Interview 1.txt")
        assert text.encode("utf-8") == source
        codings = project.codings(with_attributes=False)
        assert sorted(zip(codings["start"], codings["end"], strict=True)) == given
        files, positions, _ = _exported(export_qdpx(project, tmp_path / "out.qdpx"))
    assert list(files.values()) == [source] and positions == given


def test_atlasti_crlf_source_round_trips_byte_for_byte(tmp_path: Path) -> None:
    quote = "Oh, that was great. See you tomorrow? Eleven thirty. Mm."
    data = ("x" * 137 + "\r\n" + quote + "\r\nThe end.\r\n").encode("utf-8")
    path = tmp_path / "a2.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde",
                         (SAMPLES / "spec_annexA2_atlasti_standard_project.qde").read_bytes())
        archive.writestr("sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt", data)
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        name = "1994 Diet Coke-Diet Coke Break.docx"
        assert project.document_text(name).encode("utf-8") == data
        codings = project.codings(with_attributes=False)
        assert list(codings["start"]) == [139] and list(codings["text"]) == [quote]
        files, positions, _ = _exported(export_qdpx(project, tmp_path / "out.qdpx"))
    assert list(files.values()) == [data] and positions == [(139, 139 + len(quote))]


def test_nvivo_utf16_positions_on_verbatim_text(tmp_path: Path) -> None:
    def units(index: int) -> int:
        return len(TEXT[:index].encode("utf-16-le")) // 2

    path = _qdpx(tmp_path / "nvivo.qdpx", origin="NVivo 14")
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    for start, end in _selected():  # rewrite the positions as NVivo counts them
        qde = qde.replace(f'startPosition="{start}" endPosition="{end}"',
                          f'startPosition="{units(start)}" endPosition="{units(end)}"')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/x1.txt", TEXT.encode("utf-8"))
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        codings = project.codings(with_attributes=False).sort_values("start")
        assert list(codings["text"]) == [p for p, _ in PIECES]
        _, positions, _ = _exported(export_qdpx(project, tmp_path / "out.qdpx",
                                                positions="utf16"))
    assert positions == [(units(s), units(e)) for s, e in _selected()]


def test_bom_and_other_encodings_keep_the_text(tmp_path: Path) -> None:
    path = _qdpx(tmp_path / "bom.qdpx", data=codecs.BOM_UTF8 + TEXT.encode("utf-8"))
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        assert project.document_text("Note 1") == TEXT
        codings = project.codings(with_attributes=False).sort_values("start")
        assert list(codings["text"]) == [p for p, _ in PIECES]
        files, _, _ = _exported(export_qdpx(project, tmp_path / "out.qdpx"))
    # the BOM is not part of the text (positions count after it); the export is UTF-8
    assert list(files.values()) == [TEXT.encode("utf-8")]


def test_speaker_detection_is_opt_in_and_reports_what_it_cuts(tmp_path: Path,
                                                               empty_project: Project) -> None:
    path = _qdpx(tmp_path / "in.qdpx")
    preview = preview_speakers(path)
    by_line = {line.line: line for line in preview.lines}
    assert (by_line[3].speaker, by_line[3].label, by_line[3].cut) == (
        "Diagnosis", "Diagnosis:", True)
    assert (by_line[4].speaker, by_line[4].label) == ("Plan", "Plan:")
    assert (by_line[1].speaker, by_line[1].label) == ("Unknown", "")
    assert sorted(by_line) == [1, 3, 4, 6, 7]
    cut = {c.selection: c for c in preview.codings}
    assert sorted(cut) == ["1", "2", "4"]  # selection 3 lies inside one line's text
    assert cut["1"].removed == ("Diagnosis: ",) and cut["1"].kept == "mild anxiety,"
    assert cut["1"].selected == "Diagnosis: mild anxiety," and cut["1"].codes == ("anxiety",)
    assert cut["2"].removed == ("Plan:\t",)
    assert cut["4"].removed == ("She said: ",)
    summary = preview.summary()
    assert "line 3: Diagnosis (participant); label 'Diagnosis:' removed" in summary
    assert "line 1: Unknown (participant); no label; 'Unknown: ' added" in summary

    project = empty_project
    report = import_qdpx(project, path, detect_speakers=True)
    text = project.document_text("Note 1")
    assert text.startswith("Unknown: Clinical note\nDiagnosis: mild anxiety, worse")
    codings = project.codings(with_attributes=False).sort_values("start")
    # positions are mapped: each coding holds the selected characters the text still has
    kept = {c.selection: c.kept for c in preview.codings}
    assert list(codings["text"]) == [kept["1"], kept["2"], PIECES[2][0], kept["4"]]
    assert kept["2"] == "worse at night 😬.\nPlan: weekly"  # the new prefix is inside it
    warned = [w for w in report.warnings if "speaker detection cut" in w]
    assert len(warned) == 3 and any("'Diagnosis: '" in w for w in warned)
    turns = project.turns("Note 1")
    assert list(turns["speaker"]) == ["Unknown", "Diagnosis", "Plan", "She said", "Unknown"]


def test_cli_previews_without_importing_and_detects_on_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import open_project
    from workbench.cli import main

    path = _qdpx(tmp_path / "in.qdpx")
    target = tmp_path / "p.sqlite"
    assert main(["init", str(target)]) == 0
    assert main(["import", str(target), str(path), "--preview-speakers"]) == 0
    out = capsys.readouterr().out
    assert "nothing was imported" in out and "label 'Diagnosis:' removed" in out
    assert "'Diagnosis: mild anxiety,' becomes 'mild anxiety,'" in out
    with open_project(target) as project:
        assert project.documents() == []
    assert main(["import", str(target), str(path), "--no-progress"]) == 0
    with open_project(target) as project:
        assert project.document_text("Note 1") == TEXT
    other = tmp_path / "q.sqlite"
    assert main(["init", str(other)]) == 0
    assert main(["import", str(other), str(path), "--detect-speakers", "--no-progress"]) == 0
    assert "speaker detection cut" in capsys.readouterr().out
    with open_project(other) as project:
        assert "Diagnosis" in set(project.turns("Note 1")["speaker"])


def test_read_source_text_forms() -> None:
    attributes = CaseAttributes("D1", 1, "client")
    canonical = "Anna: Hello there.\nBen: Hi.\n"
    verbatim = read_source_text(canonical, "d", attributes)
    assert verbatim.form == "verbatim" and verbatim.transcript.text == canonical
    assert [t.speaker for t in verbatim.transcript.turns] == ["", ""]
    assert [t.text for t in verbatim.transcript.turns] == ["Anna: Hello there.", "Ben: Hi."]
    # canonical text from another tool is only read as a transcript on request
    speakers = read_source_text(canonical, "d", attributes, form="speakers")
    assert speakers.form == "canonical" and speakers.transcript.text == canonical
    assert [t.speaker for t in speakers.transcript.turns] == ["Anna", "Ben"]
    # a workbench export recorded as canonical that is not falls back to verbatim
    odd = read_source_text("no speakers\r\n", "d", attributes, form="canonical")
    assert odd.form == "verbatim" and odd.transcript.text == "no speakers\r\n"
    with pytest.raises(ValueError, match="form must be"):
        read_source_text("x", "d", attributes, form="other")  # type: ignore[arg-type]


def test_character_agreement_takes_the_verbatim_text_whole(tmp_path: Path,
                                                           empty_project: Project) -> None:
    from workbench.analysis.presence import build_presence

    project = empty_project
    import_qdpx(project, _qdpx(tmp_path / "in.qdpx"))
    project.add_coder("Sam")
    segments = project.segments(with_attributes=True)
    presence = build_presence(segments, project.codings(), ["Rae", "Sam"],
                              ["anxiety", "hope"], unit="character")
    # the default roles for characters are the participant's: all of the source's text
    assert presence.describe()["roles"] == ["participant"]
    assert presence.n_units == int((segments["end"] - segments["start"]).sum()) > 100


def test_the_panel_codes_a_verbatim_source(tmp_path: Path) -> None:
    from workbench import coding_panel

    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, _qdpx(tmp_path / "in.qdpx"))
        panel = coding_panel(project, "Rae")
        panel.controller.jump(1)
        panel.render()
        assert [v for _, v in panel.speaker_filter.options] == [""]  # only "all speakers"
        html = panel.context_html.value
        assert "Diagnosis: mild anxiety, worse at night 😬." in html and "<b></b>" not in html
        segment = panel.controller.segment
        assert segment is not None and segment.text.startswith("Diagnosis: mild anxiety,")
        panel.controller.toggle_code("hope")
        mine = project.codings(coder="Rae", with_attributes=False)
        assert (TEXT[segment.start:segment.end], "hope") in set(
            zip(mine["text"], mine["code"], strict=True))


_PIECE = st.sampled_from(["Diagnosis:", "mild", "anxiety,", "😬", "e\u0301", "家族", " ", "\t",
                          "\r\n", "\n", "\r", "\x0c", "\u2028", "[00:01:02]", "Ann: "])


@settings(max_examples=200, deadline=None)
@given(text=st.lists(_PIECE, max_size=30).map("".join))
def test_a_verbatim_read_keeps_every_character(text: str) -> None:
    try:
        read = read_source_text(text, "doc", CaseAttributes("D1", 1, "client"))
    except TranscriptError:  # only white space
        assert not text.strip()
        return
    assert read.transcript.text == text and read.runs == ((0, 0, len(text)),)
    assert read.document_range(0, len(text)) == (0, len(text))
    covered: set[int] = set()
    for turn in read.transcript.turns:
        assert text[turn.start:turn.end] == turn.text == turn.text.strip()
        assert "\r" not in turn.text and "\n" not in turn.text
        assert (turn.speaker, turn.role) == (VERBATIM_SPEAKER, "participant")
        covered.update(range(turn.start, turn.end))
    # every character that is not white space lies in exactly one turn
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


def test_importing_the_same_file_again_changes_nothing(tmp_path: Path) -> None:
    path = _qdpx(tmp_path / "in.qdpx")
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, path)
        before = project.codings(with_attributes=False)
        again = import_qdpx(project, path)
        assert [r.status for r in again.documents] == ["unchanged"]
        assert again.codings == 4 and again.codings_new == 0
        after = project.codings(with_attributes=False)
        assert list(after["coding_uuid"]) == list(before["coding_uuid"])


def test_a_workbench_export_passed_on_by_another_tool_keeps_its_forms(tmp_path: Path) -> None:
    from workbench.testing import make_demo_project

    with make_demo_project(tmp_path / "demo.sqlite") as project:
        import_qdpx(project, _qdpx(tmp_path / "in.qdpx"))
        out = export_qdpx(project, tmp_path / "out.qdpx")
        texts = {d: project.document_text(d) for d in project.documents()}
        speakers = {d: list(project.turns(d)["speaker"]) for d in project.documents()}
    passed_on = tmp_path / "maxqda.qdpx"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(passed_on, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "project.qde":
                data = data.replace(b'origin="IPR workbench', b'origin="MAXQDA 2022 (from')
            target.writestr(name, data)
    with create_project(tmp_path / "p.sqlite") as again:
        report = import_qdpx(again, passed_on)
        assert report.origin.startswith("MAXQDA")
        assert {d: again.document_text(d) for d in again.documents()} == texts
        assert {d: list(again.turns(d)["speaker"]) for d in again.documents()} == speakers
    assert set(speakers["Note 1"]) == {VERBATIM_SPEAKER}
    assert len({s for d, v in speakers.items() if d != "Note 1" for s in v}) >= 2
