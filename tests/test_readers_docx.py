"""The .docx reader, on documents the tests make with python-docx (no binary fixtures)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from workbench.errors import ImportFormatError
from workbench.model import CaseAttributes, ParsedTranscript
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.common import ReaderContext
from workbench.parsing.readers.docx import parse_docx

ATTRS = CaseAttributes(dyad="D03", session=2, perspective="client")
Paragraph = str | list[tuple[str, bool]]
"""A paragraph: plain text (``\\n`` = line break), or runs of (text, bold)."""


def make_docx(path: Path, paragraphs: list[Paragraph], *, table: bool = False) -> Path:
    document = docx.Document()
    for spec in paragraphs:
        paragraph = document.add_paragraph()
        runs = [(spec, False)] if isinstance(spec, str) else spec
        for text, bold in runs:
            lines = text.split("\n")
            run = paragraph.add_run(lines[0])
            run.bold = bold or None
            for line in lines[1:]:
                run.add_break()
                run = paragraph.add_run(line)
    if table:
        document.add_table(rows=2, cols=2).cell(0, 0).text = "Speaker"
    document.save(str(path))
    return path


def read(path: Path, roles: dict[str, str] | None = None) -> ParsedTranscript:
    parsed = read_transcript(path, attributes=ATTRS, roles=roles)
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    return parsed


def turns(parsed: ParsedTranscript) -> list[tuple[str, str, float | None, str]]:
    return [(t.speaker, t.role, t.video_time, t.text) for t in parsed.turns]


def test_speaker_paragraphs(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "D03_S2.docx", [
        "IPR interview D03, session 2",
        "",
        "Interviewer: You stopped the video here.",
        "Client: I felt small. Note: she was looking at her notes.",
        "It went on for a while.",
        "Interviewer: And then?",
        "Client: Nothing.",
    ], table=True)
    parsed = read(path)
    assert parsed.name == "D03_S2"
    assert turns(parsed) == [
        ("Interviewer", "interviewer", None, "You stopped the video here."),
        ("Client", "participant", None,
         "I felt small. Note: she was looking at her notes. It went on for a while."),
        ("Interviewer", "interviewer", None, "And then?"),
        ("Client", "participant", None, "Nothing."),
    ]
    assert any("line 1 comes before the first speaker" in w for w in parsed.warnings)
    assert any("1 table(s) that are not NVivo transcript tables" in w for w in parsed.warnings)


def test_bold_speaker_runs(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "bold.docx", [
        [("Interviewer:", True), (" What was that like?", False)],
        [("Anna", True), (" Hard. ", False), ("Really", True), (" hard.", False)],
        [("Interviewer", True), (": Mm.", False)],
        [("A bold heading alone", True)],
    ])
    parsed = read(path)
    assert turns(parsed) == [
        ("Interviewer", "interviewer", None, "What was that like?"),
        ("Anna", "participant", None, "Hard. Really hard."),
        ("Interviewer", "interviewer", None, "Mm. A bold heading alone"),
    ]


def test_teams_packed_paragraphs(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "teams.docx", [
        "IPR D03-20260615_133555-Meeting Transcript",
        "15 June 2026, 03:35am",
        "27m 42s",
        "Jane Doe started transcription",
        [("Jane Doe", True), ("   0:03\nSo what was happening for you there?\nTake your time.",
                              False)],
        "John Smith   0:19\nI was thinking we met at 10:30\nand she was late.",
        "Jane Doe   1:02:03\nOkay.",
        "John Smith   1:02:05",
        "Yes.",
        "Jane Doe stopped transcription",
    ])
    parsed = read(path, roles={"Jane Doe": "interviewer"})
    assert turns(parsed) == [
        ("Jane Doe", "interviewer", 3.0, "So what was happening for you there? Take your time."),
        ("John Smith", "participant", 19.0, "I was thinking we met at 10:30 and she was late."),
        ("Jane Doe", "interviewer", 3723.0, "Okay."),
        ("John Smith", "participant", 3725.0, "Yes."),
    ]
    assert any("lines 1-3 come before the first speaker" in w for w in parsed.warnings)
    raw = parse_docx(path.read_bytes(), ReaderContext("teams.docx"))
    assert [t.source_line for t in raw] == [5, 8, 11, 13]


def test_old_teams_stream_layout(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "stream.docx", [
        "0:0:0.0 --> 0:0:3.540", "Jane Doe", "Good morning.", "",
        "0:0:3.540 --> 0:0:7.23", "John Smith", "Morning.", "",
        "0:0:7.23 --> 0:0:9.0", "John Smith", "Let's start.",
    ])
    parsed = read(path)
    assert turns(parsed) == [
        ("Jane Doe", "participant", 0.0, "Good morning."),
        ("John Smith", "participant", 3.54, "Morning. Let's start."),
    ]


def test_f4_in_word(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "f4.docx", [
        "I: Wie war das? #00:00:05-2#", "", "B: Schwierig. #00:00:09-8#",
    ])
    assert turns(read(path)) == [
        ("I", "interviewer", 5.2, "Wie war das?"),
        ("B", "participant", 9.8, "Schwierig."),
    ]


def test_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_text("Interviewer: hello", encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"fake\.docx: not a readable Word \.docx"):
        read(path)
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="not a readable Word"):
        read(empty)


def test_docx_without_text_or_turns(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="the document has no text"):
        read(make_docx(tmp_path / "blank.docx", ["", "  "]))
    with pytest.raises(ImportFormatError, match="found no speaker turns"):
        read(make_docx(tmp_path / "prose.docx", ["Just an essay.", "Note: nothing."]))


def test_docx_garbled_teams_time(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "t.docx", [
        "Jane Doe   0:03\nHi", "John   0:05\nHo", "Jane Doe   0:61\nOk",
    ])
    with pytest.raises(ImportFormatError, match=r"t\.docx, line 5: '0:61' is not a valid time"):
        read(path)


def test_nvivo_rows_pasted_into_word(tmp_path: Path) -> None:
    """Every registry entry that reads lines also reads a .docx's paragraphs (synthetic)."""
    path = make_docx(tmp_path / "nvivo.docx", [
        "Timespan\tContent\tSpeaker",
        "0:00:01.5 - 0:00:05.2\tWhat was happening for you here?\tInterviewer",
        "0:00:05.2 - 0:00:09.0\tI went quiet.\tClient",
    ])
    parsed = read(path)
    assert [(t.speaker, t.video_time, t.text) for t in parsed.turns] == [
        ("Interviewer", 1.5, "What was happening for you here?"),
        ("Client", 5.2, "I went quiet."),
    ]
