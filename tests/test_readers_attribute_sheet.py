"""Case-attribute sheets (CSV) for imported transcripts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workbench.errors import AttributeSheetError, TranscriptWarning
from workbench.model import CaseAttributes
from workbench.parsing.attribute_sheet import interviewer_roles, read_attribute_sheet
from workbench.parsing.readers import read_transcript

FORMATS = Path(__file__).parent / "fixtures" / "formats"

GOOD = (
    "file,Dyad,session,Perspective,participant,Interview date,outcome_group,interviewer,"
    "therapist_id,orientation\n"
    "D01_S3_client.vtt,D01,3,client,C01,2026-02-12,good,Jane Doe,T01,integrative\n"
    "\n"
    "recordings/D01_S3_therapist.docx,D01,3,Therapist,T01,,,,T01,\n"
)


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False) -> Path:
    path = tmp_path / "attributes.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def test_read_sheet_with_bom(tmp_path: Path) -> None:
    sheet = read_attribute_sheet(write(tmp_path, GOOD, bom=True))
    assert sheet == {
        "D01_S3_client.vtt": CaseAttributes(
            dyad="D01", session=3, perspective="client", participant="C01",
            interview_date=dt.date(2026, 2, 12), outcome_group="good",
            extra={"therapist_id": "T01", "orientation": "integrative",
                   "interviewer": "Jane Doe"},
        ),
        "D01_S3_therapist.docx": CaseAttributes(
            dyad="D01", session=3, perspective="therapist", participant="T01",
            extra={"therapist_id": "T01", "orientation": ""},
        ),
    }
    assert interviewer_roles(sheet["D01_S3_client.vtt"]) == {"Jane Doe": "interviewer"}
    assert interviewer_roles(sheet["D01_S3_therapist.docx"]) == {}


def test_semicolon_sheet_from_excel(tmp_path: Path) -> None:
    text = 'file;dyad;session;perspective;interviewer\r\nx.srt;D09;12;client;"R; Ann"\r\n'
    sheet = read_attribute_sheet(write(tmp_path, text, encoding="cp1252"))
    assert sheet["x.srt"].session == 12
    assert interviewer_roles(sheet["x.srt"]) == {"R": "interviewer", "Ann": "interviewer"}
    with pytest.raises(AttributeSheetError, match=r"row 2: .*put it in double quotes"):
        read_attribute_sheet(write(tmp_path, text.replace('"', "")))


def test_cp1252_sheet_warns(tmp_path: Path) -> None:
    with pytest.warns(TranscriptWarning, match="Windows-1252"):
        sheet = read_attribute_sheet(
            write(tmp_path, "file,dyad,session,perspective,site\na.vtt,D1,1,client,Zürich\n",
                  encoding="cp1252"))
    assert sheet["a.vtt"].extra == {"site": "Zürich"}


def test_sheet_sets_roles_in_read_transcript(tmp_path: Path) -> None:
    sheet = read_attribute_sheet(write(
        tmp_path, "file,dyad,session,perspective,interviewer\n"
                  "webvttpy_teams_timeframe.vtt,D05,2,client,Yuri Bakulin\n"))
    path = FORMATS / "webvttpy_teams_timeframe.vtt"
    parsed = read_transcript(path, attributes=sheet[path.name])
    assert [(t.speaker, t.role) for t in parsed.turns] == [
        ("Yuri Bakulin", "interviewer"), ("Adrian Petrescu", "participant")]
    assert parsed.attributes.dyad == "D05"


HEADER = "file,dyad,session,perspective,interview_date\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the sheet is empty"),
        (HEADER, "header row but no transcripts"),
        ("file,dyad,perspective\na.vtt,D1,client\n", r"row 1: the sheet has no 'session' column"),
        ("file,dyad,sesion,perspective\na.vtt,D1,1,client\n",
         r"row 1, column C: 'sesion' is not a standard column \(did you mean 'session'\?\)"),
        ("file,dyad,session,perspective,Dyad\n", r"row 1, column E: column 'dyad' appears twice"),
        ("file,dyad,session,perspective,\na.vtt,D1,1,client,oops\n",
         "row 1, column E: the column has values but no name"),
        (HEADER + "a.vtt,D1,1,client,\na.vtt,D1,2,client,\n",
         r"row 3, column 'file': 'a.vtt' is already listed in row 2"),
        (HEADER + "a.vtt,D1,1,client,\nb.vtt,,2,client,\n", r"row 3, column 'dyad': the value is "
                                                            "missing"),
        (HEADER + "a.vtt,D1,1,client,\n,D1,2,client,\n", r"row 3, column 'file'"),
        (HEADER + "a.vtt,D1,1,client,\nb.vtt,D1,three,client,\n",
         r"row 3, column 'session': session must be a whole number"),
        (HEADER + "a.vtt,D1,1,client,\nb.vtt,D1,2,clinet,\n",
         r"row 3, column 'perspective': .*did you mean 'client'"),
        (HEADER + "a.vtt,D1,1,client,12/02/2026\n",
         r"row 2, column 'interview_date': .*YYYY-MM-DD"),
        (HEADER + "a.vtt,D1,1,client,,extra\n", "row 2: the row has values in a column without"),
    ],
)
def test_sheet_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(AttributeSheetError, match=message):
        read_attribute_sheet(write(tmp_path, text))


def test_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "a.vtt,D1,x,client,\n")
    with pytest.raises(AttributeSheetError, match="row 2") as info:
        read_attribute_sheet(path)
    assert str(info.value).startswith(f"{path}, row 2, column 'session': ")


def test_missing_sheet(tmp_path: Path) -> None:
    with pytest.raises(AttributeSheetError, match="cannot read the sheet"):
        read_attribute_sheet(tmp_path / "nope.csv")
