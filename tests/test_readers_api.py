"""read_transcript: .ipr.txt delegation, attributes, roles, encodings, unusable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ImportFormatError, TranscriptError, TranscriptWarning
from workbench.model import CaseAttributes
from workbench.parsing.ipr_text import read_ipr_file
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.common import ReaderContext, is_interviewer_name, parse_clock

SAMPLE = Path(__file__).parents[1] / "transcripts" / "sample" / "D01_S3_client.ipr.txt"
ATTRS = CaseAttributes(dyad="D04", session=1, perspective="client")
VTT = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann Lee>Hi, how are you?\n\n" \
      "00:02.000 --> 00:04.000\n<v Sam>Fine, thank you.\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_ipr_file_is_delegated() -> None:
    parsed = read_transcript(SAMPLE)
    expected = read_ipr_file(SAMPLE)
    assert parsed == expected


def test_ipr_ignores_caller_attributes_with_warning_and_takes_name() -> None:
    parsed = read_transcript(SAMPLE, attributes=ATTRS, roles={"X": "interviewer"}, name="Other")
    assert parsed.attributes == read_ipr_file(SAMPLE).attributes
    assert parsed.name == "Other"
    assert any("were ignored" in w for w in parsed.warnings)


def test_front_matter_in_plain_txt(tmp_path: Path) -> None:
    path = write(tmp_path, "copy.txt", SAMPLE.read_text(encoding="utf-8"))
    assert read_transcript(path).text == read_ipr_file(SAMPLE).text


def test_other_formats_need_attributes(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="carries no case attributes"):
        read_transcript(write(tmp_path, "a.vtt", VTT))


def test_roles_from_caller_case_insensitive(tmp_path: Path) -> None:
    parsed = read_transcript(write(tmp_path, "a.vtt", VTT), attributes=ATTRS,
                             roles={"ann  lee": "Interviewer", "Sam": "participant"})
    assert [(t.speaker, t.role) for t in parsed.turns] == [
        ("Ann Lee", "interviewer"), ("Sam", "participant")]
    assert parsed.warnings == ()
    assert parsed.attributes == ATTRS


def test_roles_from_attribute_interviewer(tmp_path: Path) -> None:
    attrs = CaseAttributes(dyad="D04", session=1, perspective="client",
                           extra={"interviewer": "Ann Lee; Someone Else"})
    parsed = read_transcript(write(tmp_path, "a.vtt", VTT), attributes=attrs)
    assert [t.role for t in parsed.turns] == ["interviewer", "participant"]
    assert any("'Someone Else' but the file has no such speaker" in w for w in parsed.warnings)
    assert any("no role given for 'Sam'" in w for w in parsed.warnings)


def test_invalid_role_value(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"'Sam' has role 'particpant' \(did you mean"):
        read_transcript(write(tmp_path, "a.vtt", VTT), attributes=ATTRS,
                        roles={"Sam": "particpant"})


def test_defaulted_roles_warn(tmp_path: Path) -> None:
    parsed = read_transcript(write(tmp_path, "a.vtt", VTT), attributes=ATTRS)
    assert [t.role for t in parsed.turns] == ["participant", "participant"]
    assert any("no role given for 'Ann Lee', 'Sam'" in w for w in parsed.warnings)
    assert any("no speaker is the interviewer" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Interviewer", True), ("researcher", True), ("I", True), ("R", True), ("Int.", True),
     ("Int", True), ("Interviewer 2", True), ("R1", True), ("Iris", False), ("B", False),
     ("Client", False), ("Rev", False)],
)
def test_interviewer_names(name: str, expected: bool) -> None:
    assert is_interviewer_name(name) is expected
    assert ReaderContext().role_of(name) == ("interviewer" if expected else "participant")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:01:02.500", 62.5), ("01:02.5", 62.5), ("0:0:7.23", 7.23), ("1:2:7.950", 3727.95),
     ("0:03", 3.0), ("00:00:01,000", 1.0), ("75:00", 4500.0)],
)
def test_parse_clock(text: str, seconds: float) -> None:
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["", "1", "0:60", "1:60:00", "a:bc", "00:01:02.5000", "-1:00"])
def test_parse_clock_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


def test_cp1252_file_warns(tmp_path: Path) -> None:
    text = "Anna: Ça va très bien.\nBen: Schön.\nAnna: Oui.\nBen: Gut.\n"
    path = write(tmp_path, "w.txt", text, encoding="cp1252")
    with pytest.warns(TranscriptWarning, match="Windows-1252"):
        parsed = read_transcript(path, attributes=ATTRS)
    assert parsed.turns[0].text == "Ça va très bien."
    assert "Windows-1252" in parsed.warnings[0]


def test_utf16_vtt(tmp_path: Path) -> None:
    path = write(tmp_path, "u.vtt", "\ufeff" + VTT, encoding="utf-16-le")
    parsed = read_transcript(path, attributes=ATTRS)
    assert [t.text for t in parsed.turns] == ["Hi, how are you?", "Fine, thank you."]


def test_crlf_line_ends(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.srt", "1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n")
    assert [t.text for t in read_transcript(path, attributes=ATTRS).turns] == ["Hi"]


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("empty.txt", "", ImportFormatError, "the file is empty"),
        ("blank.vtt", "\n \n", ImportFormatError, "the file is empty"),
        ("prose.txt", "Just prose.\n", ImportFormatError, "cannot tell which transcript format"),
        ("notes.pdf", "%PDF-1.4", ImportFormatError, r"cannot import '\.pdf' files"),
        ("old.rtf", "{\\rtf1}", ImportFormatError, "save it as .docx"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: str, error: type[Exception],
                        message: str) -> None:
    with pytest.raises(error, match=message):
        read_transcript(write(tmp_path, name, content), attributes=ATTRS)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="cannot read the file"):
        read_transcript(tmp_path / "gone.vtt", attributes=ATTRS)


def test_unsupported_extension_lists_formats(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError) as info:
        read_transcript(write(tmp_path, "x.xlsx", "data"), attributes=ATTRS)
    message = str(info.value)
    for fragment in ("WebVTT", "SubRip", "SubViewer", "Otter", "Rev", "Zoom", "f4", ".docx",
                     ".ipr.txt", "'Name: text'"):
        assert fragment in message
