"""NVivo media-transcript rows (timespan, content, speaker; tab-separated) (issue 16, 10).

Every sample here is **synthetic**, written for these tests in the layout NVivo's
"Import/Export Transcript Entries" uses (tab-separated cells, tenths of a second); it
describes no real person.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import create_project
from workbench.errors import ImportFormatError
from workbench.model import CaseAttributes, ParsedTranscript
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.common import ReaderContext
from workbench.parsing.readers.detect import sniff_text
from workbench.parsing.readers.nvivo import looks_like_nvivo, parse_nvivo

ATTRS = CaseAttributes(dyad="D07", session=5, perspective="client")

WITH_HEADER = (
    "Timespan\tContent\tSpeaker\tTone\n"
    "0:00:01.5 - 0:00:05.2\tWe stopped the video here. What was going on for you?\tInterviewer"
    "\tneutral\n"
    "0:00:05.2 - 0:00:14.0\tI felt she wasn't really listening, so I went quiet.\tClient\tflat\n"
    "0:00:14.0 - 0:00:19.8\tAnd then I just agreed with whatever she said.\t\tflat\n"
    "0:01:02.3 - 0:01:09.0\tWhat did you want to say instead?\tInterviewer\t\n"
)

NO_HEADER_WITH_ID = (
    "1\t00:01:23.4 - 00:01:30.0\tCan you say more about that moment?\tInterviewer\n"
    "2\t00:01:30.0 - 00:01:41.7\tIt's a pattern \u2013 I do it at work too.\tClient\n"
    "3\t00:01:41.7 / 00:01:45.0\tMm.\tInterviewer\n"
)


def read(tmp_path: Path, text: str, name: str = "rows.txt", **kwargs: object) -> ParsedTranscript:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parsed = read_transcript(path, attributes=ATTRS, **kwargs)  # type: ignore[arg-type]
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    return parsed


def rows(parsed: ParsedTranscript) -> list[tuple[str, str, float | None, str]]:
    return [(t.speaker, t.role, t.video_time, t.text) for t in parsed.turns]


def test_header_row_custom_column_and_fill_down(tmp_path: Path) -> None:
    parsed = read(tmp_path, WITH_HEADER)
    assert rows(parsed) == [
        ("Interviewer", "interviewer", 1.5,
         "We stopped the video here. What was going on for you?"),
        ("Client", "participant", 5.2, "I felt she wasn't really listening, so I went quiet."),
        ("Client", "participant", 14.0, "And then I just agreed with whatever she said."),
        ("Interviewer", "interviewer", 62.3, "What did you want to say instead?"),
    ]
    assert [t.source_line for t in parse_nvivo(WITH_HEADER)] == [2, 3, 4, 5]
    assert any("column(s) 'Tone' are not imported" in w for w in parsed.warnings)
    assert parsed.text.startswith("[00:00:01.500]\nInterviewer: We stopped")


def test_no_header_row_number_column_and_slash_timespan(tmp_path: Path) -> None:
    parsed = read(tmp_path, NO_HEADER_WITH_ID)
    assert rows(parsed) == [
        ("Interviewer", "interviewer", 83.4, "Can you say more about that moment?"),
        ("Client", "participant", 90.0, "It's a pattern \u2013 I do it at work too."),
        ("Interviewer", "interviewer", 101.7, "Mm."),
    ]


def test_columns_in_another_order_quoted_cells_crlf_and_bom(tmp_path: Path) -> None:
    text = ("Speaker\tTimespan\tContent\r\n"
            'Interviewer\t0:10.0 - 0:12.0\t"She said ""fine"" and moved on?"\r\n'
            "Client\t0:12.0 - 0:15.5\tYes.\r\n")
    path = tmp_path / "excel.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    parsed = read_transcript(path, attributes=ATTRS)
    assert [(t.speaker, t.video_time, t.text) for t in parsed.turns] == [
        ("Interviewer", 10.0, 'She said "fine" and moved on?'), ("Client", 12.0, "Yes.")]


def test_rows_of_one_speaker_stay_apart_and_keep_their_times(tmp_path: Path) -> None:
    text = "".join(f"0:00:{n * 5:02d}.0 - 0:00:{n * 5 + 5:02d}.0\tPart {n} of it\tClient\n"
                   for n in range(6))
    parsed = read(tmp_path, "0:00:00.0 - 0:00:00.5\tGo on.\tInterviewer\n" + text)
    assert [t.video_time for t in parsed.turns] == [0.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
    assert len(parsed.turns) == 7


def test_a_line_without_a_tab_continues_the_row(tmp_path: Path) -> None:
    parsed = read(tmp_path, "0:00:01.0 - 0:00:04.0\tI went quiet\tClient\n"
                            "and stayed quiet.\n0:00:04.0 - 0:00:05.0\tMm.\tInterviewer\n")
    assert rows(parsed)[0] == ("Client", "participant", 1.0, "I went quiet and stayed quiet.")


def test_without_speaker_column_labels_in_content_name_speakers(tmp_path: Path) -> None:
    parsed = read(tmp_path, "0:00:01.0 - 0:00:02.0\tI: What happened?\n"
                            "0:00:02.0 - 0:00:06.0\tAnna: I froze.\n"
                            "0:00:06.0 - 0:00:08.0\tI: And then?\n"
                            "0:00:08.0 - 0:00:09.0\tAnna: Nothing.\n",
                  roles={"Anna": "participant"})
    assert [(t.speaker, t.role, t.text) for t in parsed.turns][:2] == [
        ("I", "interviewer", "What happened?"), ("Anna", "participant", "I froze.")]


def test_rows_without_any_speaker_are_warned_about(tmp_path: Path) -> None:
    parsed = read(tmp_path, "0:00:01.0 - 0:00:02.0\tHello.\n0:00:02.0 - 0:00:03.0\tHi.\n")
    assert [t.speaker for t in parsed.turns] == ["Speaker", "Speaker"]
    assert any("2 row(s) name no speaker" in w for w in parsed.warnings)


def test_empty_timespan_gives_a_turn_without_time() -> None:
    turns = parse_nvivo("Timespan\tContent\tSpeaker\n\tUntimed remark.\tClient\n"
                        "0:00:03.0 - 0:00:04.0\tTimed.\tClient\n",
                        ReaderContext(roles={"Client": "participant"}))
    assert [(t.video_time, t.text) for t in turns] == [(None, "Untimed remark."), (3.0, "Timed.")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Timespan\tContent\tSpeaker\n0:00:01.0 - 0:0x:02.0\tHi.\tAnn\n",
         r"line 2: '0:00:01.0 - 0:0x:02.0' is not a valid timespan; write it like "
         r"0:01:23\.4 - 0:01:30\.0"),
        ("Timespan\tContent\tSpeaker\n", "header row but no transcript rows"),
        ("Speaker\tTimespan\tContent\nAnn\t0:00:01.0\n", r"line 2: the row has 2 cell\(s\)"),
        ("Timespan\tContent\tSpeaker\nstray text\n", "line 2: 'stray text' is not a transcript"),
        ("0:00:01.0 - 0:00:02.0\t \tAnn\n", "every turn or cue is empty"),
    ],
)
def test_errors_name_the_line_and_say_what_to_do(tmp_path: Path, text: str,
                                                 message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read(tmp_path, text)


def test_backwards_timespan_warns() -> None:
    context = ReaderContext(roles={"Ann": "participant"})
    parse_nvivo("0:00:05.0 - 0:00:02.0\tHi.\tAnn\n", context)
    assert context.warnings == ["<text>, line 1: the timespan '0:00:05.0 - 0:00:02.0' ends "
                                "before it starts; check it."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (WITH_HEADER, "nvivo"),
        (NO_HEADER_WITH_ID, "nvivo"),
        ("\n\ntimespan\tcontent\n0:01.0\tHi\n", "nvivo"),
        ("Name\tAge\nAnn\t34\n", None),  # a table, but no transcript
        ("Interviewer: a\tb\nAnna: c\nInterviewer: d\n", "speaker_lines"),
        ("Jane Doe  0:03\nHello\tthere\n\nJohn  0:05\nHi\n", "otter"),
    ],
)
def test_sniffing(text: str, expected: str | None) -> None:
    assert sniff_text(text) == expected
    assert looks_like_nvivo([(1, line) for line in text.split("\n")]) is (expected == "nvivo")


def test_imported_segments_keep_the_row_times(tmp_path: Path) -> None:
    path = tmp_path / "D07_S5_client.txt"
    path.write_text(WITH_HEADER, encoding="utf-8")
    with create_project(tmp_path / "p.sqlite") as project:
        [report] = project.import_transcripts([path], attributes={path.name: ATTRS},
                                              progress=False)
        segments = project.segments(with_attributes=False)
    assert report.status == "added"
    assert list(segments.video_time) == [1.5, 1.5, 5.2, 14.0, 62.3]
    assert segments.text.iloc[1] == "What was going on for you?"


def _word_transcript(path: Path, header: list[str], body: list[list[str]], *,
                     title: str | None = "Transcript of session_05.mp4") -> Path:
    """A .docx as NVivo exports a media transcript: a title, then the transcript table."""
    import docx

    document = docx.Document()
    if title:
        document.add_heading(title, level=1)
    table = document.add_table(rows=1 + len(body), cols=len(header))
    for row, cells in zip(table.rows, [header, *body], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(str(path))
    return path


def test_nvivo_word_transcript_table_is_read_like_its_rows(tmp_path: Path) -> None:
    lines = [line.split("\t") for line in WITH_HEADER.strip("\n").split("\n")]
    path = _word_transcript(tmp_path / "session_05.docx", lines[0], lines[1:])
    parsed = read_transcript(path, attributes=ATTRS)
    as_text = read(tmp_path, WITH_HEADER)
    assert rows(parsed) == rows(as_text)  # the same turns, speakers and times as the rows
    assert parsed.text == as_text.text
    assert any("1 line(s) outside the table" in w for w in parsed.warnings)
    assert any("column(s) 'Tone' are not imported" in w for w in parsed.warnings)


def test_word_table_cells_with_paragraphs_and_no_title(tmp_path: Path) -> None:
    path = _word_transcript(tmp_path / "t.docx", ["Speaker", "Timespan", "Content"], [
        ["Interviewer", "0:00:03.0 - 0:00:06.0", "What happened\nthere?"],
        ["Client", "0:00:06.0 - 0:00:09.5", "I\tfroze."],
    ], title=None)
    parsed = read_transcript(path, attributes=ATTRS)
    assert rows(parsed) == [("Interviewer", "interviewer", 3.0, "What happened there?"),
                            ("Client", "participant", 6.0, "I froze.")]
    assert not any("outside the table" in w for w in parsed.warnings)


def test_a_table_that_is_not_a_transcript_is_still_left_out(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Interviewer: What happened?")
    document.add_paragraph("Client: I froze.")
    document.add_paragraph("Interviewer: And then?")
    document.add_paragraph("Client: Nothing.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Code", "Count"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "withdrawal", "3"
    document.save(str(tmp_path / "notes.docx"))
    parsed = read_transcript(tmp_path / "notes.docx", attributes=ATTRS)
    assert [t.speaker for t in parsed.turns] == ["Interviewer", "Client"] * 2
    assert any("1 table(s) that are not NVivo transcript tables" in w for w in parsed.warnings)


def test_tsv_extension_reads_nvivo_rows(tmp_path: Path) -> None:
    parsed = read(tmp_path, WITH_HEADER, name="rows.tsv")
    assert rows(parsed) == rows(read(tmp_path, WITH_HEADER))
    with pytest.raises(ImportFormatError, match=r"bad\.tsv.*NVivo"):
        read(tmp_path, "just some words\nand more\n", name="bad.tsv")
