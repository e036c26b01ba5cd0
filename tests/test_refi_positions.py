"""REFI-QDA selection positions as the producing tool counts them (issue 16, point 3).

NVivo counts UTF-16 code units; ATLAS.ti, QualCoder and the workbench count code points.
The texts here are full of emoji and other characters outside the Basic Multilingual Plane,
so the two readings differ after the first one.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from workbench.interop import export_qdpx, import_qdpx
from workbench.interop.positions import choose_unit, from_unit, to_unit, unit_of_origin
from workbench.project import create_project

USER = "0d62985d-b147-5d01-a9b5-cae5dcd98342"
CODE = "2d2466f0-d77f-4f8c-bdf9-628966b6b74d"
TEXT = ("Anna: I was 😬😬 nervous at first.\n"
        "Ben: The 👩‍👩‍👧 family came up 🙂 again.\n"
        "Anna: 家族 matters. I felt 𝄞 calm later.\n"
        "Ben: We stopped 😶 there.\n")
PIECES = ["nervous at first.", "family came up", "I felt 𝄞 calm later.", "We stopped 😶 there."]


def _units(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return (len(text[:start].encode("utf-16-le")) // 2,
            len(text[:start + len(piece)].encode("utf-16-le")) // 2)


def _qdpx(path: Path, origin: str, positions: str) -> Path:
    selections = []
    for number, piece in enumerate(PIECES, 1):
        if positions == "utf16":
            start, end = _units(TEXT, piece)
        else:
            start = TEXT.index(piece)
            end = start + len(piece)
        selections.append(
            f'<PlainTextSelection guid="aaaaaaaa-0000-0000-0000-{number:012d}" '
            f'startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="bbbbbbbb-0000-0000-0000-{number:012d}" creatingUser="{USER}">'
            f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')
    origin_attr = f' origin="{origin}"' if origin else ""
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n'
           f'<Project xmlns="urn:QDA-XML:project:1.0" name="t"{origin_attr}>'
           f'<Users><User guid="{USER}" name="Rae"/></Users>'
           f'<CodeBook><Codes><Code guid="{CODE}" name="Feeling" isCodable="true"/></Codes>'
           f'</CodeBook><Sources><TextSource guid="40000000-0000-0000-0000-00000000000a" '
           f'name="Int A" plainTextPath="internal://x1.txt">{"".join(selections)}'
           f'</TextSource></Sources></Project>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("sources/x1.txt", TEXT.encode("utf-8"))
    return path


def test_units_convert_both_ways() -> None:
    text = "a😬b家c"
    assert to_unit(text, [0, 1, 2, 3, 4, 5], "utf16") == [0, 1, 3, 4, 5, 6]
    assert from_unit(text, [0, 1, 3, 4, 5, 6], "utf16") == [0, 1, 2, 3, 4, 5]
    assert from_unit(text, [2], "utf16") == [None]  # inside the emoji's surrogate pair
    assert from_unit(text, [7], "utf16") == [None]  # beyond the text
    assert from_unit(text, [2], "codepoint") == [2]
    assert unit_of_origin("NVivo 12 (Windows)") == "utf16"
    assert unit_of_origin("ATLAS.ti 23") == "codepoint"
    assert unit_of_origin("") is None


@pytest.mark.parametrize(("origin", "positions"), [
    ("NVivo 12 Windows", "utf16"), ("NVivo for Mac 15", "utf16"), ("ATLAS.ti 23", "codepoint"),
    ("QualCoder 3.5", "codepoint"),
])
def test_selections_land_on_their_text_as_the_tool_counts(tmp_path: Path, origin: str,
                                                          positions: str) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        report = import_qdpx(project, _qdpx(tmp_path / "t.qdpx", origin, positions))
        codings = project.codings(with_attributes=False).sort_values("start")
        assert list(codings["text"]) == PIECES
        assert not [w for w in report.warnings if "positions" in w]


def test_evidence_against_the_origin_wins_with_a_warning(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        # says NVivo, but the positions are code points (e.g. a converted file)
        report = import_qdpx(project, _qdpx(tmp_path / "t.qdpx", "NVivo 12", "codepoint"))
        codings = project.codings(with_attributes=False).sort_values("start")
        assert list(codings["text"]) == PIECES
        [warning] = [w for w in report.warnings if "positions" in w]
        assert "usually counts positions as UTF-16 code units" in warning
        assert "read them as code points" in warning


def test_no_origin_is_decided_by_the_text_and_said(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        report = import_qdpx(project, _qdpx(tmp_path / "t.qdpx", "", "utf16"))
        codings = project.codings(with_attributes=False).sort_values("start")
        assert list(codings["text"]) == PIECES
        [warning] = [w for w in report.warnings if "positions" in w]
        assert "does not say which program wrote it" in warning and "UTF-16" in warning


def test_an_even_choice_is_warned_about() -> None:
    assert choose_unit("", "ab 😬", [(0, 2)], "src") == ("codepoint", None)  # no difference
    text = "😬 a  b"
    unit, warning = choose_unit("", text, [(2, 3)], "src")  # "a" or " ": both fit words
    assert unit == "codepoint"
    assert warning is not None and "equally well" in warning


def test_export_for_nvivo_writes_utf16_positions_and_reads_back(tmp_path: Path) -> None:
    with create_project(tmp_path / "p.sqlite") as project:
        import_qdpx(project, _qdpx(tmp_path / "t.qdpx", "ATLAS.ti 23", "codepoint"))
        before = project.codings(with_attributes=False).sort_values("start")
        text = project.document_text("Int A")
        plain = export_qdpx(project, tmp_path / "plain.qdpx")
        nvivo = export_qdpx(project, tmp_path / "nvivo.qdpx", positions="utf16")
        with pytest.raises(ValueError, match="positions must be one of"):
            export_qdpx(project, tmp_path / "x.qdpx", positions="bytes")  # type: ignore[arg-type]

    def starts(path: Path) -> list[int]:
        with zipfile.ZipFile(path) as archive:
            qde = archive.read("project.qde").decode("utf-8")
        return sorted(int(m) for m in re.findall(r'startPosition="(\d+)"', qde))

    assert starts(plain) == sorted(before["start"])
    assert starts(nvivo) == sorted(_units(text, t)[0] for t in before["text"])
    assert starts(nvivo) != starts(plain)  # the emoji count twice
    for path in (plain, nvivo):  # the workbench reads both back onto the same text
        with create_project(tmp_path / f"{path.stem}.sqlite") as copy:
            report = import_qdpx(copy, path)
            again = copy.codings(with_attributes=False).sort_values("start")
            assert list(again["text"]) == list(before["text"])
            assert not [w for w in report.warnings if "positions" in w]
