"""Text readers (Otter, Rev, Zoom, f4, plain speaker lines) and the format sniffing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import ImportFormatError, TranscriptError
from workbench.model import CaseAttributes, ParsedTranscript
from workbench.parsing.readers import TEXT_READERS, read_transcript
from workbench.parsing.readers.common import ReaderContext
from workbench.parsing.readers.detect import detect_format, sniff_text
from workbench.parsing.readers.labels import split_label
from workbench.parsing.readers.speaker_lines import parse_speaker_lines
from workbench.parsing.transcript import build_transcript

FORMATS = Path(__file__).parent / "fixtures" / "formats"
ATTRS = CaseAttributes(dyad="D02", session=5, perspective="therapist")


def read(path: Path, roles: dict[str, str] | None = None) -> ParsedTranscript:
    parsed = read_transcript(path, attributes=ATTRS, roles=roles)
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    return parsed


def turns(parsed: ParsedTranscript) -> list[tuple[str, str, float | None, str]]:
    return [(t.speaker, t.role, t.video_time, t.text) for t in parsed.turns]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Zoom text (real file) -------------------------------------------------------------


def test_zoom_meeting_transcript() -> None:
    parsed = read(FORMATS / "zoom_meeting_transcript_bracket_name_clock.txt",
                  roles={"Janet Dough": "interviewer"})
    johnny, janet = ("Johnny Doe", "participant"), ("Janet Dough", "interviewer")
    assert turns(parsed) == [
        (*johnny, 39729.0, "How you doing?"),
        (*janet, 39729.0, "Hey, I'm Janet, how are you?"),
        (*johnny, 39731.0, "I'm okay. Can you hear me?"),
        (*janet, 39733.0, "Yeah, and I did an… I hope it's okay I enable the transcript, just "
                          "because, um, I'm gonna use this for an article, so sometimes I pull "
                          "quotes, or…"),
        # a block that ends a sentence ends the turn: the next block keeps its own time
        (*johnny, 39734.0, "Making sure. Okay."),
        (*johnny, 39742.0, "That's perfectly fine, and that makes sense."),
        (*janet, 39744.0, "You need the resource, um…"),
        (*janet, 39747.0, "Yeah, so, uh, nice to meet you. I think we've met in another "
                          "meeting, but…"),
        # a block that ends mid-sentence ('be like,') is joined to the next one
        (*johnny, 39752.0, "Yeah, I think so. But I mean, you know, it's nice to actually meet "
                           "you and not just be like, Oh, you're a human that exists."),
        (*janet, 39761.0, "Yeah, I'm… I mean, I'm…"),
        (*janet, 39764.0, "I'm about 4 months in, and that's still quite a bit to, like, wrap "
                          "my head around, and…"),
    ]
    # 10 of the 11 distinct block times are kept (was 7): 11:02:37 continues a sentence
    assert len({t.video_time for t in parsed.turns}) == 10
    assert parsed.text.startswith("[11:02:09]\nJohnny Doe: How you doing?\nJanet Dough: Hey")
    assert any("clock times" in w for w in parsed.warnings)


def test_zoom_garbled_time(tmp_path: Path) -> None:
    path = write(tmp_path, "z.txt", "[Ann] 11:02:09\nHi\n\n[Bo] 11:72:09\nHo\n")
    with pytest.raises(ImportFormatError, match=r"z\.txt, line 4: '11:72:09' is not a valid"):
        read(path)


# --- Otter / Teams text ----------------------------------------------------------------

OTTER = """Interviewer  0:03
So when you stopped the video here, what was going on for you?

Client C01  0:12
I remember thinking she didn't really want to know.
We agreed to meet at 10:30
and I said fine because that's what I always say.

Interviewer  1:02:05
And then?

Client C01  1:02:09
Nothing.

Transcribed by https://otter.ai
"""


def test_otter(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "D02_S5.txt", OTTER))
    assert parsed.name == "D02_S5"
    assert turns(parsed) == [
        ("Interviewer", "interviewer", 3.0,
         "So when you stopped the video here, what was going on for you?"),
        ("Client C01", "participant", 12.0,
         "I remember thinking she didn't really want to know. We agreed to meet at 10:30 "
         "and I said fine because that's what I always say."),
        ("Interviewer", "interviewer", 3725.0, "And then?"),
        ("Client C01", "participant", 3729.0, "Nothing."),
    ]
    assert any("'Interviewer' taken as the interviewer" in w for w in parsed.warnings)
    assert any("no role given for 'Client C01'" in w for w in parsed.warnings)


def test_otter_garbled_time(tmp_path: Path) -> None:
    text = "Ann  0:03\nHi\n\nBo  0:75\nHo\n\nAnn  1:00\nOk\n"
    with pytest.raises(ImportFormatError, match="line 4: '0:75' is not a valid time"):
        read(write(tmp_path, "o.txt", text))


# --- Rev -------------------------------------------------------------------------------

REV = """Interview D02, session 5

Speaker 1 (00:12):
How was that for you?

Speaker 2 (00:15):
Hard. Really hard.

Speaker 2 (01:02:07): It got easier later.
Speaker 1 (01:02:10):
Okay.
"""


def test_rev_with_roles_and_merging(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "rev.txt", REV), roles={"Speaker 1": "interviewer"})
    assert turns(parsed) == [
        ("Speaker 1", "interviewer", 12.0, "How was that for you?"),
        ("Speaker 2", "participant", 15.0, "Hard. Really hard. It got easier later."),
        ("Speaker 1", "interviewer", 3730.0, "Okay."),
    ]
    assert any("line 1 comes before the first speaker" in w for w in parsed.warnings)


def test_rev_garbled_time(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="line 3: '00:1x' is not a valid time"):
        read(write(tmp_path, "rev.txt", "Speaker 1 (00:12):\nHi\nSpeaker 2 (00:1x):\nHo\n"))


# --- f4 --------------------------------------------------------------------------------

F4 = """I: Wie war das für Sie, als Sie das Video hier angehalten haben? #00:00:05-2#

B: Schwierig. Ich hatte das Gefühl, sie hört nicht zu. #00:00:12-0#
Und dann habe ich "gut" gesagt. #00:00:15-8#

I: Okay. #00:01:02-4#
"""


def test_f4_marks_end_of_turn(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "f4.txt", F4))
    assert turns(parsed) == [
        ("I", "interviewer", 5.2, "Wie war das für Sie, als Sie das Video hier angehalten haben?"),
        ("B", "participant", 15.8,
         'Schwierig. Ich hatte das Gefühl, sie hört nicht zu. Und dann habe ich "gut" gesagt.'),
        ("I", "interviewer", 62.4, "Okay."),
    ]


def test_f4_garbled_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "f4.txt", "I: Hallo. #00:00:05-2#\n\nB: Ja. #00:61:02-4#\n")
    with pytest.raises(ImportFormatError, match=r"line 3: #00:61:02-4# is not a valid f4"):
        read(path)


# --- plain speaker lines ---------------------------------------------------------------

PLAIN = """Interview with C01, recorded 2026-02-12
Anna: I came in at 10:30 and she was already there.
Note: the recording was paused here.
See https://example.org/a: for details
Ben: What happened next?
e.g.: a list
Anna: Nothing much.
  It was fine.
10:30: something

Ben: Okay.
"""


def test_plain_speaker_rule(tmp_path: Path) -> None:
    parsed = read(write(tmp_path, "plain.txt", PLAIN), roles={"Ben": "interviewer"})
    assert turns(parsed) == [
        ("Anna", "participant", None,
         "I came in at 10:30 and she was already there. Note: the recording was paused here. "
         "See https://example.org/a: for details"),
        ("Ben", "interviewer", None, "What happened next? e.g.: a list"),
        ("Anna", "participant", None, "Nothing much. It was fine. 10:30: something"),
        ("Ben", "interviewer", None, "Okay."),
    ]
    assert any("line 1 comes before the first speaker" in w for w in parsed.warnings)


def test_single_use_label_is_text_with_warning() -> None:
    context = ReaderContext("two.txt")
    result = parse_speaker_lines("Interviewer: How was it?\nClient: Fine.\n", context)
    assert [(t.speaker, t.text) for t in result] == [("Interviewer", "How was it?\nClient: Fine.")]
    assert context.warnings == [
        "two.txt, line 2: 'Client:' looks like a speaker label but starts only this line, so "
        "it was kept as text; if 'Client' is a speaker, name it in roles."
    ]
    context = ReaderContext("two.txt", roles={"Client": "participant"})
    assert [t.speaker for t in parse_speaker_lines("Interviewer: How?\nClient: Fine.\n",
                                                   context)] == ["Interviewer", "Client"]


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Anna: hi", "Anna"),
        ("Dr. Lee: hi", "Dr. Lee"),
        ("Speaker 2:", "Speaker 2"),
        ("Client C01:   text", "Client C01"),
        ("Note: hi", None),
        ("NB: hi", None),
        ("http://example.org", None),
        ("https: //x", None),
        ("e.g.: this", None),
        ("10:30 we met", None),
        ("10:30: we met", None),
        ("Anna:hi", None),
        ("A very long label with many words: hi", None),
        ("Well, she said: no", None),
    ],
)
def test_split_label(line: str, label: str | None) -> None:
    found = split_label(line)
    assert (found[0] if found else None) == label


def test_single_label_needs_confirmation() -> None:
    assert parse_speaker_lines("Anna: hi\nBen: ho\nAnna: ok\n")[1].speaker == "Anna"
    context = ReaderContext("x.txt", roles={"Ben": "interviewer"})
    assert [t.speaker for t in parse_speaker_lines("Anna: hi\nBen: ho\nAnna: ok\n", context)] == [
        "Anna", "Ben", "Anna"
    ]
    with pytest.raises(ImportFormatError, match="no speaker turns found"):
        parse_speaker_lines("Summary: nothing\nmore text\n")


def test_speaker_spelling_is_unified() -> None:
    result = parse_speaker_lines("Anna  Lee: hi\nBEN: ho\nanna lee: ok\nBen: fine\n")
    assert [t.speaker for t in result] == ["Anna Lee", "BEN", "Anna Lee", "BEN"]


def test_empty_turn_is_skipped_with_warning() -> None:
    context = ReaderContext("x.txt")
    result = parse_speaker_lines("Anna: hi\nBen:\nAnna: ok\nBen: fine\n", context)
    assert [t.speaker for t in result] == ["Anna", "Anna", "Ben"]
    assert context.warnings == ["x.txt, line 2: 'Ben' says nothing here; skipped."]


LINES = st.lists(
    st.one_of(
        st.sampled_from(["Anna:", "Anna: hi", "Note: x", "http://a", "10:30", "", "  ",
                         "I:", "R: yes", "e.g.: x", "[00:01:02]", "#00:00:01-2#", "-->",
                         "WEBVTT", "1", "Ben  0:03", "[Ann] 11:02:09", "Bo (00:12):"]),
        st.text(max_size=30),
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), LINES))
def test_plain_reader_raises_only_import_errors(text: str) -> None:
    try:
        raw = parse_speaker_lines(text, ReaderContext("h.txt"))
        parsed = build_transcript("h", ATTRS, raw, source="h.txt")
    except (ImportFormatError, TranscriptError):
        return
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(TEXT_READERS)), st.one_of(st.text(), LINES))
def test_every_text_reader_raises_only_import_errors(fmt: str, text: str) -> None:
    try:
        sniff_text(text)
        raw = TEXT_READERS[fmt](text, ReaderContext("h.txt"))
        build_transcript("h", ATTRS, raw, source="h.txt")
    except (ImportFormatError, TranscriptError):
        pass


# --- sniffing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ndyad: D01\n---\n", "ipr"),
        ("\nWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n", "webvtt"),
        ("1\n00:00:01,000 --> 00:00:02,000\nHi\n", "srt"),
        ("00:00:01,000 --> 00:00:02,000\nHi\n", "srt"),
        ("0:00:01.000,0:00:02.000\nHi\n", "sbv"),
        (F4, "f4"),
        (REV, "rev"),
        ("[Ann] 11:02:09\nHi\n", "zoom"),
        (OTTER, "otter"),
        ("Title\nJane Doe   0:03\nHi\nJohn   0:05\nHo\nJane Doe   0:09\nOk\n", "otter"),
        (PLAIN, "speaker_lines"),
        ("We met at 10:30.\nNote: nothing here.\n", None),
        ("", None),
    ],
)
def test_sniff_text(text: str, expected: str | None) -> None:
    assert sniff_text(text) == expected


def test_detect_by_extension_and_content(tmp_path: Path) -> None:
    assert detect_format("a.vtt") == "webvtt"
    assert detect_format("A.SRT") == "srt"
    assert detect_format("x.sbv") == "sbv"
    assert detect_format("x.docx") == "docx"
    assert detect_format("x.IPR.txt") == "ipr"
    assert detect_format("x.txt", OTTER) == "otter"
    assert detect_format("x", REV) == "rev"
    with pytest.raises(ImportFormatError, match=r"cannot import '\.pdf' files.*Supported"):
        detect_format("x.pdf")
    with pytest.raises(ImportFormatError, match=r"save it as \.docx"):
        detect_format("x.doc")
    with pytest.raises(ImportFormatError, match="cannot tell which transcript format"):
        detect_format("x.txt", "Just some prose.\nNothing else.\n")


def test_vtt_content_in_txt_file(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Hi</v>\n"
    parsed = read(write(tmp_path, "captions.txt", text))
    assert turns(parsed) == [("Ann", "participant", 1.0, "Hi")]
