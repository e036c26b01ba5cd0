"""Caption readers (WebVTT, SRT, SBV) on the real sample files and on our own fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ImportFormatError
from workbench.model import CaseAttributes, ParsedTranscript
from workbench.parsing.readers import read_transcript
from workbench.parsing.readers.sbv import parse_sbv
from workbench.parsing.readers.webvtt import parse_webvtt

FORMATS = Path(__file__).parent / "fixtures" / "formats"
ATTRS = CaseAttributes(dyad="D01", session=3, perspective="client")


def read(path: Path, roles: dict[str, str] | None = None) -> ParsedTranscript:
    parsed = read_transcript(path, attributes=ATTRS, roles=roles)
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    return parsed


def turns(parsed: ParsedTranscript) -> list[tuple[str, float | None, str]]:
    return [(t.speaker, t.video_time, t.text) for t in parsed.turns]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- WebVTT: real files ----------------------------------------------------------------


def test_teams_non_padded_timestamps_and_voice_spans() -> None:
    parsed = read(FORMATS / "webvttpy_teams_non_padded_timestamps.vtt",
                  roles={"Jane Doe": "interviewer"})
    assert turns(parsed) == [
        ("Jane Doe", 0.0, "Good morning everyone."),
        ("John Smith", 3.54, "Morning, let's get started."),
        ("Jane Doe", 65.2, "Thanks for joining."),
    ]
    assert [t.role for t in parsed.turns] == ["interviewer", "participant", "interviewer"]
    assert parsed.name == "webvttpy_teams_non_padded_timestamps"
    assert parsed.text.startswith("[00:00:00]\nJane Doe: Good morning everyone.\n")
    assert any("'John Smith'" in w and "participant" in w for w in parsed.warnings)


def test_teams_timeframe_overlapping_cues() -> None:
    parsed = read(FORMATS / "webvttpy_teams_timeframe.vtt")
    assert turns(parsed) == [
        ("Yuri Bakulin", 0.0, "There you go."),
        ("Adrian Petrescu", 0.21, "Why hello there, Yuri."),
    ]


def test_bom_and_unnamed_cues() -> None:
    parsed = read(FORMATS / "webvttpy_captions_with_bom.vtt")
    assert turns(parsed) == [
        ("Speaker", 0.5, "Caption text #1"),
        ("Speaker", 7.0, "Caption text #2"),
        ("Speaker", 11.89, "Caption text #3"),
        ("Speaker", 16.32, "Caption text #4"),
    ]
    assert any("4 cue(s) name no speaker" in w for w in parsed.warnings)
    assert any("no speaker is the interviewer" in w for w in parsed.warnings)


def test_cue_tags_and_hours_omitted() -> None:
    parsed = read(FORMATS / "webvttpy_cue_tags.vtt")
    assert turns(parsed) == [
        ("Speaker", 16.5, "When the moon hits your eye"),
        ("Speaker", 18.5, "Like a big-a pizza pie"),
        ("Speaker", 20.5, "That's amore"),
    ]


def test_optional_identifiers() -> None:
    parsed = read(FORMATS / "webvttpy_using_identifiers.vtt")
    assert [t.video_time for t in parsed.turns] == [0.5, 7.0, 11.89, 16.32, 21.58, 23.88]
    assert [t.text for t in parsed.turns] == [f"Caption text #{n}" for n in range(1, 7)]


def test_note_blocks_skipped_and_lines_joined() -> None:
    parsed = read(FORMATS / "webvttpy_comments.vtt")
    assert turns(parsed) == [
        ("Speaker", 135.0, "- Ta en kopp varmt te. - Det är inte varmt."),
        ("Speaker", 140.0, "- Har en kopp te. - Det smakar som te."),
        ("Speaker", 145.0, "- Ta en kopp"),
    ]


def test_style_blocks_skipped() -> None:
    parsed = read(FORMATS / "webvttpy_styles_with_comments.vtt")
    assert turns(parsed) == [("Speaker", 0.0, "- Hello world.")]
    assert parsed.turns[0].start == parsed.text.index("- Hello")


# --- WebVTT: own fixtures --------------------------------------------------------------

TEAMS_OWN = """WEBVTT

a1b2/1-0
0:0:1.5 --> 0:0:4.0
<v Researcher>What was happening for you here?

a1b2/2-0
0:0:4.0 --> 0:0:6.25
<v.loud Client C01>I felt she wasn't listening &amp; I went quiet.</v>

a1b2/3-0
0:0:6.25 --> 0:0:9.0
<v Client C01>It's a pattern &lt;sigh&gt;.</v>

0:0:9.0 --> 0:0:10.0
<v Researcher>Mm.</v> <v Client C01>Yes.</v>
"""


def test_teams_voices_without_closing_tag_entities_merging(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "teams.vtt", TEAMS_OWN))
    assert turns(parsed) == [
        ("Researcher", 1.5, "What was happening for you here?"),
        ("Client C01", 4.0, "I felt she wasn't listening & I went quiet. It's a pattern <sigh>."),
        ("Researcher", 9.0, "Mm."),
        ("Client C01", 9.0, "Yes."),
    ]
    client = parsed.turns[1]  # the second cue (no pause) joins the turn as a time mark
    assert client.time_marks == ((parsed.text.index("It's a pattern"), 6.25),)
    assert [t.source_line for t in parse_webvtt(TEAMS_OWN)] == [4, 8, 15, 15]
    assert [t.role for t in parsed.turns] == ["interviewer", "participant",
                                              "interviewer", "participant"]
    assert "[00:00:09]\nResearcher: Mm.\nClient C01: Yes.\n" in parsed.text


ZOOM_VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
Dr. Lee: Shall we start?

2
00:00:03.500 --> 00:00:05.000
Sam: OK.

3
00:00:05.000 --> 00:00:07.000
Sam: I'm ready.

4
01:00.000 --> 01:02.000
Dr. Lee: Note: this is fine.

5
01:02.000 --> 01:03.000
Kim: Sorry, wrong room.
"""


def test_zoom_name_prefix_speakers(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "zoom.vtt", ZOOM_VTT), roles={"dr. lee": "interviewer"})
    assert turns(parsed) == [
        ("Dr. Lee", 1.0, "Shall we start?"),
        ("Sam", 3.5, "OK. I'm ready."),  # no pause: one turn, the second cue a time mark
        ("Dr. Lee", 60.0, "Note: this is fine."),
        ("Kim", 62.0, "Sorry, wrong room."),
    ]
    assert parsed.turns[1].time_marks == ((parsed.text.index("I'm ready."), 5.0),)
    assert [t.role for t in parsed.turns] == ["interviewer", "participant",
                                              "interviewer", "participant"]


def test_one_off_prefix_in_mostly_unnamed_cues_is_text(tmp_path: Path) -> None:
    cues = "".join(f"00:0{n}.000 --> 00:0{n}.500\nLine {n}.\n\n" for n in range(1, 4))
    text = f"WEBVTT\n\n{cues}00:05.000 --> 00:06.000\nSummary: the end.\n"
    parsed = read(write(tmp_path, "mostly.vtt", text))
    assert [t.speaker for t in parsed.turns] == ["Speaker"] * 4
    assert parsed.turns[-1].text == "Summary: the end."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("WEBVTT\n\nNOTE only a note\n", "no cues"),
        ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:0x.000\nHi\n", r"line 4: .*not a valid cue"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHi\n", r"line 3: .*without a cue timing"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n\nstray text\n", "line 6: 'stray text'"),
        ("Hello\n\n00:00:01.000 --> 00:00:02.000\nHi\n", "line 1: a WebVTT file starts"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:start\n<b></b>\n", "no cues with text"),
        ("WEBVTT\n\n00:00:61.000 --> 00:01:02.000\nHi\n", "line 3: 00:00:61.000 --> "),
    ],
)
def test_webvtt_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read(write(tmp_path, "bad.vtt", text))


def test_webvtt_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.vtt", "WEBVTT\n\n0:0:1.0 --> garbage\nHi\n")
    with pytest.raises(ImportFormatError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}, line 3: ")


# --- SRT -------------------------------------------------------------------------------


def test_srt_sample() -> None:
    parsed = read(FORMATS / "webvttpy_sample.srt")
    assert [t.video_time for t in parsed.turns] == [0.5, 7.0, 11.89, 16.32, 21.58]
    assert [t.text for t in parsed.turns] == [f"Caption text #{n}" for n in range(1, 6)]
    assert [t.speaker for t in parsed.turns] == ["Speaker"] * 5


def test_srt_missing_caption_text_is_skipped_with_warning() -> None:
    parsed = read(FORMATS / "webvttpy_missing_caption_text.srt")
    assert turns(parsed) == [
        ("Speaker", 0.5, "Caption text #1"),
        ("Speaker", 11.89, "Caption text #3"),
        ("Speaker", 16.32, "Caption text #4"),
        ("Speaker", 21.58, "Caption text #5"),
    ]
    assert any("line 6: the cue has no text; skipped" in w for w in parsed.warnings)


SRT_OWN = """1
00:00:01,000 --> 00:00:02,000
{\\an8}Interviewer: <i>Go on.</i>

2
00:00:02,000 --> 00:00:04,000
Client: It was
hard,

3
00:00:04,000 --> 00:00:05,000
Client: really hard.

4
00:00:05,000 --> 00:00:06,000
Interviewer: Mm &amp; then?
"""


def test_srt_speakers_tags_and_merging(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "own.srt", SRT_OWN))
    assert turns(parsed) == [
        ("Interviewer", 1.0, "Go on."),
        ("Client", 2.0, "It was hard, really hard."),
        ("Interviewer", 5.0, "Mm & then?"),
    ]
    assert [t.role for t in parsed.turns] == ["interviewer", "participant", "interviewer"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ("1\n00:00:01,000 --> 00:00:02,000\n\n", "no cues with text"),
        ("1\n00:00:01,000 --> 00:00:0l,000\nHi\n", r"line 2: .*not a valid cue timing"),
        ("Hello there\n1\n00:00:01,000 --> 00:00:02,000\nHi\n", "line 1: 'Hello there'"),
    ],
)
def test_srt_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read(write(tmp_path, "bad.srt", text))


# --- SBV -------------------------------------------------------------------------------


def test_sbv_sample() -> None:
    parsed = read(FORMATS / "webvttpy_sample.sbv")
    assert turns(parsed) == [
        ("Speaker", 0.378, "Caption text #1"),
        ("Speaker", 11.378, "Caption text #2"),
        ("Speaker", 13.489, "Caption text #3 (line 1) Caption text #3 (line 2)"),
        ("Speaker", 15.489, "Caption text #4"),
        ("Speaker", 17.484, "Caption text #5"),
    ]
    text = (FORMATS / "webvttpy_sample.sbv").read_text(encoding="utf-8")
    assert [t.source_line for t in parse_sbv(text)] == [1, 4, 7, 11, 14]
    assert any("line 14: the cue ends" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("Caption first\n0:00:01.000,0:00:02.000\nHi\n", "line 1: 'Caption first'"),
        ("0:00:01.000,0:00:02.000\nHi\n\n0:0013.489,0:00:15.489\nHo\n", r"line 4: .*0:0013"),
        ("0:00:01.000,0:00:02.000\nHi\n\n0:00:61.000,0:01:02.000\nHo\n", r"line 4: .*timing"),
    ],
)
def test_sbv_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read(write(tmp_path, "bad.sbv", text))
