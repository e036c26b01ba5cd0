"""The plain-text IPR transcript format: a full valid file and every error path."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from workbench import create_project
from workbench.errors import DuplicateImportError, TranscriptError
from workbench.parsing.ipr_text import (
    document_name_for,
    parse_ipr_text,
    parse_video_time,
    read_ipr_file,
)

SRC = "study/D9_S4_client.ipr.txt"

FULL = """\
---
synthetic: true
note: SYNTHETIC test transcript.
document: D9_S4_client
dyad: D9
session: 4
perspective: Client
participant: C09
interview_date: 2026-02-12
outcome_group: poor
speakers:
  R: {name: Researcher, role: interviewer}
  C: {name: Client C09, role: Participant}
attributes:
  therapist_id: T09
  orientation: CBT
---
# A comment: not part of the document text.

R: Thanks for coming in.
C: Okay.
   It's strange:  seeing myself.

[00:02:15]
R: You stopped it here.
# a comment between turns
C: I remember thinking she didn't really want to know.
\tI said "fine" because that's what I always say.
[02:30.5]

C: Second stop: a colon inside the text.
R: Thanks.
"""

CANONICAL = (
    "Researcher: Thanks for coming in.\n"
    "Client C09: Okay. It's strange:  seeing myself.\n"
    "\n"
    "[00:02:15]\n"
    "Researcher: You stopped it here.\n"
    "Client C09: I remember thinking she didn't really want to know. "
    'I said "fine" because that\'s what I always say.\n'
    "\n"
    "[00:02:30.500]\n"
    "Client C09: Second stop: a colon inside the text.\n"
    "Researcher: Thanks.\n"
)


def test_full_file_turns_times_and_canonical_text():
    parsed = parse_ipr_text(FULL, source=SRC)
    assert parsed.name == "D9_S4_client"
    assert parsed.source == SRC
    assert parsed.text == CANONICAL
    got = [(t.index, t.speaker, t.role, t.text, t.video_time, t.stop_index) for t in parsed.turns]
    assert got == [
        (0, "Researcher", "interviewer", "Thanks for coming in.", None, None),
        (1, "Client C09", "participant", "Okay. It's strange:  seeing myself.", None, None),
        (2, "Researcher", "interviewer", "You stopped it here.", 135.0, 0),
        (3, "Client C09", "participant",
         "I remember thinking she didn't really want to know. "
         'I said "fine" because that\'s what I always say.', 135.0, 0),
        (4, "Client C09", "participant", "Second stop: a colon inside the text.", 150.5, 1),
        (5, "Researcher", "interviewer", "Thanks.", 150.5, 1),
    ]
    for turn in parsed.turns:
        assert parsed.text[turn.start : turn.end] == turn.text
    assert "comment" not in parsed.text.lower()


def test_full_file_case_attributes():
    attrs = parse_ipr_text(FULL, source=SRC).attributes
    assert (attrs.dyad, attrs.session, attrs.perspective) == ("D9", 4, "client")
    assert attrs.participant == "C09"
    assert attrs.interview_date == dt.date(2026, 2, 12)
    assert attrs.outcome_group == "poor"
    assert dict(attrs.extra) == {
        "therapist_id": "T09",
        "orientation": "CBT",
        "synthetic": "True",
        "note": "SYNTHETIC test transcript.",
    }


def test_document_name_defaults_to_the_file_name(tmp_path):
    path = tmp_path / "D3_S1_therapist.ipr.txt"
    path.write_text(FULL.replace("document: D9_S4_client\n", ""), encoding="utf-8")
    assert read_ipr_file(path).name == "D3_S1_therapist"
    assert document_name_for(Path("a/B.TXT")) == "B"
    assert document_name_for(Path("x.ipr.txt")) == "x"
    assert document_name_for(Path("x.md")) == "x"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:02:15", 135.0), ("2:15", 135.0), ("1:00:00", 3600.0), ("00:00:01.5", 1.5),
     ("00:00:01,25", 1.25), ("10:00:00.007", 36000.007)],
)
def test_parse_video_time(text, seconds):
    assert parse_video_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["1:2:3:4", "00:60", "00:61:00", "ab", "1:2"])
def test_parse_video_time_rejects(text):
    with pytest.raises(ValueError, match="not a time"):
        parse_video_time(text)


# -- error paths --------------------------------------------------------------------------

HEAD = [
    "---",  # 1
    "dyad: D9",  # 2
    "session: 4",  # 3
    "perspective: client",  # 4
    "speakers:",  # 5
    "  R: {name: Researcher, role: interviewer}",  # 6
    "  C: {name: Client, role: participant}",  # 7
    "---",  # 8
]
BODY = ["R: Hello.", "C: Hi."]  # lines 9, 10


def _doc(head=HEAD, body=BODY) -> str:
    return "\n".join([*head, *body]) + "\n"


def _replace(lines, old, new):
    assert old in lines
    return [new if line == old else line for line in lines]


def _drop(lines, old):
    assert old in lines
    return [line for line in lines if line != old]


ERRORS = [
    ("missing front matter", _doc(head=[]), 1, "does not start with front matter"),
    ("front matter after text", "R: hi\n" + _doc(), 1, "does not start with front matter"),
    ("unclosed front matter", _doc(head=HEAD[:-1], body=[]), 1, "front matter is not closed"),
    ("bad yaml", _doc(_replace(HEAD, "perspective: client", "perspective: client: x")), 4,
     r"not valid YAML \(mapping values are not allowed here\)"),
    ("bad yaml indentation", _doc(_replace(HEAD, "session: 4", "  session: 4")), 3,
     "not valid YAML"),
    ("bad yaml flow mapping", _doc(_replace(HEAD, "  C: {name: Client, role: participant}",
                                            "  C: {name: Client, role: participant")), 7,
     "not valid YAML"),
    ("front matter is a list", _doc(["---", "- dyad", "---"]), 2, "must be 'key: value' lines"),
    ("unknown key", _doc(_replace(HEAD, "session: 4", "sesion: 4")), 3,
     r"unknown front matter key 'sesion' \(did you mean 'session'\?\); put free case "
     "attributes under 'attributes:'"),
    ("unknown key, no suggestion", _doc([*HEAD[:-1], "colour: blue", "---"]), 8,
     r"unknown front matter key 'colour'; put free"),
    ("missing dyad", _doc(_drop(HEAD, "dyad: D9")), 1, r"case attribute 'dyad' is missing"),
    ("empty dyad", _doc(_replace(HEAD, "dyad: D9", "dyad:")), 1,
     r"case attribute 'dyad' is missing"),
    ("missing session", _doc(_drop(HEAD, "session: 4")), 1,
     r"case attribute 'session' is missing"),
    ("missing perspective", _doc(_drop(HEAD, "perspective: client")), 1,
     r"case attribute 'perspective' is missing"),
    ("session not a number", _doc(_replace(HEAD, "session: 4", "session: four")), 3,
     r"session must be a whole number \(the therapy session recalled\), not 'four'"),
    ("session a fraction", _doc(_replace(HEAD, "session: 4", "session: 4.5")), 3,
     r"session must be a whole number .* not 4\.5"),
    ("bad perspective", _doc(_replace(HEAD, "perspective: client", "perspective: patient")), 4,
     r"perspective must be 'client' or 'therapist', not 'patient'\.$"),
    ("misspelt perspective", _doc(_replace(HEAD, "perspective: client", "perspective: clinet")),
     4, r"not 'clinet' \(did you mean 'client'\?\)"),
    ("bad date", _doc([*HEAD[:-1], "interview_date: 12/02/2026", "---"]), 8,
     r"interview_date '12/02/2026' is not a date; write it as YYYY-MM-DD"),
    ("impossible date", _doc([*HEAD[:-1], "interview_date: 2026-02-30", "---"]), 8,
     r"interview_date '2026-02-30' is not a date; write it as YYYY-MM-DD"),
    ("impossible month", _doc([*HEAD[:-1], "interview_date: 2026-13-01", "---"]), 8,
     r"interview_date '2026-13-01' is not a date"),
    ("no speakers", _doc([h for h in HEAD if not h.startswith(("speakers", "  "))]), 1,
     r"front matter needs 'speakers:'"),
    ("speaker without role", _doc(_replace(HEAD, "  C: {name: Client, role: participant}",
                                           "  C: {name: Client}")), 7,
     r"speaker 'C' needs a role"),
    ("speaker not a mapping", _doc(_replace(HEAD, "  C: {name: Client, role: participant}",
                                            "  C: Client")), 7, r"speaker 'C' needs a role"),
    ("bad role", _doc(_replace(HEAD, "  R: {name: Researcher, role: interviewer}",
                               "  R: {name: Researcher, role: interviwer}")), 6,
     r"speaker 'R' has role 'interviwer' \(did you mean 'interviewer'\?\); use interviewer or "
     "participant"),
    ("repeated key", _doc([*HEAD[:-1], "session: 5", "---"]), 8,
     r"not valid YAML \(a mapping has field 'session' twice; keep one\)"),
    ("attributes not a mapping", _doc([*HEAD[:-1], "attributes: [a, b]", "---"]), 8,
     r"'attributes' must be a mapping"),
    ("undeclared speaker", _doc(body=["R: Hello.", "", "# fine", "T: I am not declared."]), 12,
     r"'T: I am not declared\.' is not a turn by a declared speaker \(R, C\)\. Declare the "
     "speaker"),
    ("misspelt speaker", _doc(_replace(HEAD, "  C: {name: Client, role: participant}",
                                       "  Client: {name: Client, role: participant}"),
                              body=["R: Hello.", "Clinet: Hi."]), 10,
     r"'Clinet: Hi\.' is not a turn by a declared speaker \(R, Client\) \(did you mean "
     r"'Client'\?\)\. Declare"),
    ("line without a label", _doc(body=["R: Hello.", "She laughed."]), 10,
     r"'She laughed\.' is not a turn by a declared speaker.*indent the line to continue"),
    ("indented line before any turn", _doc(body=["", "   Hello there.", "R: Hello."]), 10,
     r"an indented line continues a turn, but no turn has started yet"),
    ("malformed stop", _doc(body=["R: Hello.", "[1:2:3:4]", "C: Hi."]), 10,
     r"'\[1:2:3:4\]' looks like a recall stop but is not '\[HH:MM:SS\]' alone on its line"),
    ("stop with text after it", _doc(body=["R: Hello.", "[00:01:00] C: Hi."]), 10,
     r"looks like a recall stop"),
    ("impossible stop time", _doc(body=["R: Hello.", "C: Hi.", "[00:75:00]", "C: Hi."]), 11,
     r"\[00:75:00\] is not a valid video time; write \[HH:MM:SS\]"),
    ("empty turn", _doc(body=["R: Hello.", "", "C:   ", "R: Go on."]), 11,
     r"turn by 'Client' has no text; write what was said or delete the line"),
]


@pytest.mark.parametrize(("text", "line", "pattern"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_error_names_file_and_line(text, line, pattern):
    with pytest.raises(TranscriptError, match=re.escape(f"{SRC}, line {line}: ") + ".*" + pattern) as info:
        parse_ipr_text(text, source=SRC, default_name="D9_S4_client")
    assert info.value.path == SRC
    assert info.value.line == line
    assert isinstance(info.value, ValueError)


def test_a_transcript_without_turns_names_the_file():
    with pytest.raises(TranscriptError, match=re.escape(f"{SRC}: the transcript has no turns")):
        parse_ipr_text(_doc(body=["# only a comment", ""]), source=SRC, default_name="x")


def test_no_document_name():
    with pytest.raises(TranscriptError, match=r"line 1: no document name"):
        parse_ipr_text(_doc(), source=SRC)


def test_file_errors_name_the_path(tmp_path):
    path = tmp_path / "D9_S4_client.ipr.txt"
    path.write_text(_doc(body=["R: Hello.", "X: who?"]), encoding="utf-8")
    with pytest.raises(TranscriptError, match=re.escape(f"{path}, line 10: ")):
        read_ipr_file(path)


# -- nothing half-imported ----------------------------------------------------------------

GOOD = _doc(["---", "document: D9_S4_client", *HEAD[1:]])
BAD = _doc(["---", "document: D8_S4_client", *HEAD[1:]], body=["R: Hello.", "X: who?"])


def _files(tmp_path: Path) -> list[Path]:
    good = tmp_path / "D9_S4_client.ipr.txt"
    bad = tmp_path / "D8_S4_client.ipr.txt"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    return [good, bad]


def _real_read_transcript():
    try:
        from workbench.parsing.readers import read_transcript
    except ImportError:
        return None
    return read_transcript


def test_batch_with_a_bad_file_imports_nothing_ipr_reader(tmp_path, monkeypatch):
    """``import_transcripts`` reads every file before storing any.

    Runs with the real ``read_transcript`` when it exists, otherwise with a stand-in that
    reads ``.ipr.txt`` files (the reader dispatch is being written separately).
    """
    if _real_read_transcript() is None:
        import workbench.parsing.readers as readers

        def read_transcript(path, *, attributes=None, roles=None):
            return read_ipr_file(path)

        monkeypatch.setattr(readers, "read_transcript", read_transcript, raising=False)
    good, bad = _files(tmp_path)
    with create_project(tmp_path / "p.sqlite") as project:
        pattern = re.escape(f"{bad}, line 11: ") + r"'X: who\?' is not a turn"
        with pytest.raises(TranscriptError, match=pattern):
            project.import_transcripts([good, bad], progress=False)
        assert project.documents() == []
        assert len(project.segments()) == 0
        assert project.audit_log().empty


@pytest.mark.skipif(
    _real_read_transcript() is None,
    reason="workbench.parsing.readers.read_transcript is not written yet; enable when it is",
)
def test_batch_with_a_bad_file_imports_nothing_real_reader(tmp_path):
    good, bad = _files(tmp_path)
    with create_project(tmp_path / "p.sqlite") as project:
        pattern = re.escape(f"{bad}, line 11: ") + r"'X: who\?' is not a turn"
        with pytest.raises(TranscriptError, match=pattern):
            project.import_transcripts([good, bad], progress=False)
        assert project.documents() == []


def test_batch_failing_its_checks_imports_nothing(tmp_path):
    """import_parsed checks the whole batch (here: a duplicate) before storing anything."""
    first = parse_ipr_text(GOOD, source="a.txt")
    other = parse_ipr_text(GOOD.replace("dyad: D9", "dyad: D7").replace("D9_S4", "D7_S4"),
                           source="b.txt")
    twin = parse_ipr_text(GOOD.replace("D9_S4_client", "D9_copy"), source="c.txt")
    with create_project(tmp_path / "p.sqlite") as project:
        project.import_parsed([first], progress=False)
        audit_before = len(project.audit_log())
        with pytest.raises(DuplicateImportError, match=r"c\.txt: same content as the stored"):
            project.import_parsed([other, twin], progress=False)
        assert project.documents() == ["D9_S4_client"]
        assert len(project.audit_log()) == audit_before
